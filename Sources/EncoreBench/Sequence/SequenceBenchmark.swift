import EncoreCore
import EncoreEvaluation
import EncoreModels
import EncoreNumerics
import EncoreTraining
import Foundation

/// `encore bench rnn`: streaming step throughput on one core (single user and waves) and
/// training throughput on a data set, in one run.
public enum SequenceBenchmark {
    /// What to measure.
    public struct Options: Sendable {
        /// Embedding size d of the synthetic item table.
        public var dimension = 64
        /// Hidden size H.
        public var hiddenSize = 128
        /// Items in the synthetic table.
        public var items = 10_000
        /// Events per timing round.
        public var events = 200_000
        /// Users per wave.
        public var wave = 64
        /// Timing rounds (best is reported).
        public var rounds = 3
        /// Training data (RecBole `.inter`, store or `sim…`); empty skips the training part.
        public var trainingData = ""
        /// Training epochs to time.
        public var epochs = 2
        /// Training threads.
        public var threads = 1
        /// Creates the defaults.
        public init() {}
    }

    /// CPU seconds of the calling thread (the step runs on one thread, OpenBLAS single-threaded).
    ///
    /// The machine is shared (load average ≈ 10 on 2 cores while these numbers were taken), so
    /// wall time mostly measures the scheduler; thread CPU time measures the kernel.
    static func seconds(_ body: () -> Void) -> Double {
        func now() -> Double {
            var time = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
            return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
        }
        let start = now()
        body()
        return now() - start
    }

    /// Runs the benchmark; returns the JSON line (also emitted last).
    @discardableResult
    public static func run(_ options: Options, emit: (String) -> Void) throws -> String {
        BLAS.setThreadCount(1)
        var generator = SeededGenerator(seed: 99)
        let table = ItemEmbeddingTable(
            vectors: (0..<(options.items * options.dimension)).map { _ in generator.nextNormal() },
            itemCount: options.items, dimension: options.dimension, source: "random")
        var configuration = SequenceModelConfiguration()
        configuration.hiddenSize = options.hiddenSize
        let model = try SequenceModel(configuration: configuration, items: table)
        let width = model.inputWidth, h = model.stateSize
        // A pool of pre-encoded events (realistic inputs: embeddings plus one-hots).
        let pool = 1024
        var inputs = [Float](repeating: 0, count: pool * width)
        var previous: SequenceEvent?
        inputs.withUnsafeMutableBufferPointer { x in
            for row in 0..<pool {
                let event = SequenceEvent(
                    item: Int32(generator.nextInt(below: options.items)),
                    timestampMs: 1_700_000_000_000 + Int64(row) * 200_000, msPlayed: 150_000, durationMs: 200_000,
                    source: 1, device: 1)
                model.encode(event, previous: previous, into: UnsafeMutableBufferPointer(rebasing: x[(row * width)..<((row + 1) * width)]))
                previous = event
            }
        }
        emit(
            "rnn step: d=\(options.dimension) H=\(options.hiddenSize) I=\(width), \(3 * h * (width + h)) MAC per event, "
                + "per CPU-second of one thread, best of \(options.rounds) rounds of \(options.events) events")
        // Single user.
        var workspace = SequenceWorkspace(model: model, maximumCount: max(1, options.wave))
        var state = [Float](repeating: 0, count: h)
        var single = Double.infinity
        for _ in 0..<options.rounds {
            let elapsed = seconds {
                state.withUnsafeMutableBufferPointer { s in
                    inputs.withUnsafeBufferPointer { x in
                        for event in 0..<options.events {
                            let row = event & (pool - 1)
                            model.step(
                                states: s, inputs: UnsafeBufferPointer(rebasing: x[(row * width)..<((row + 1) * width)]),
                                count: 1, workspace: &workspace)
                        }
                    }
                }
            }
            single = min(single, elapsed)
        }
        let singleRate = Double(options.events) / single
        emit(String(format: "  single-user step   %.0f events/s (%.2f µs/event)", singleRate, 1e6 / singleRate))
        // Waves.
        var states = [Float](repeating: 0, count: options.wave * h)
        let waves = max(1, options.events / options.wave)
        var waved = Double.infinity
        for _ in 0..<options.rounds {
            let elapsed = seconds {
                states.withUnsafeMutableBufferPointer { s in
                    inputs.withUnsafeBufferPointer { x in
                        for wave in 0..<waves {
                            let first = (wave * options.wave) % (pool - options.wave)
                            model.step(
                                states: s,
                                inputs: UnsafeBufferPointer(rebasing: x[(first * width)..<((first + options.wave) * width)]),
                                count: options.wave, workspace: &workspace)
                        }
                    }
                }
            }
            waved = min(waved, elapsed)
        }
        let waveRate = Double(waves * options.wave) / waved
        emit(String(format: "  waves of %d users  %.0f events/s (%.2f µs/event, %.1f× single)", options.wave, waveRate, 1e6 / waveRate, waveRate / singleRate))
        // Step + short head + exact scores over the item table (next-up list for one user).
        var vector = [Float](repeating: 0, count: model.vectorWidth)
        var scores = [Float](repeating: 0, count: options.items)
        let scoredEvents = max(1, options.events / 20)
        let scoredSeconds = seconds {
            state.withUnsafeMutableBufferPointer { s in
                inputs.withUnsafeBufferPointer { x in
                    for event in 0..<scoredEvents {
                        let row = event & (pool - 1)
                        model.step(
                            states: s, inputs: UnsafeBufferPointer(rebasing: x[(row * width)..<((row + 1) * width)]),
                            count: 1, workspace: &workspace)
                        vector.withUnsafeMutableBufferPointer { v in
                            model.userVectors(states: UnsafeBufferPointer(s), count: 1, head: .short, into: v, workspace: &workspace)
                        }
                        vector.withUnsafeBufferPointer { v in
                            scores.withUnsafeMutableBufferPointer { model.scores(userVectors: v, count: 1, into: $0) }
                        }
                    }
                }
            }
        }
        let scoredRate = Double(scoredEvents) / scoredSeconds
        emit(String(format: "  step + head + scores over %d items  %.0f events/s", options.items, scoredRate))
        var fields: [(String, String)] = [
            ("bench", "\"rnn\""), ("dimension", "\(options.dimension)"), ("hidden", "\(options.hiddenSize)"),
            ("single_step_events_per_s", String(format: "%.0f", singleRate)),
            ("wave_size", "\(options.wave)"), ("wave_step_events_per_s", String(format: "%.0f", waveRate)),
            ("step_head_scores_events_per_s", String(format: "%.0f", scoredRate)),
        ]
        if !options.trainingData.isEmpty {
            let data = try SequenceData.load(options.trainingData)
            let span = data.log.timeSpan
            let cutoff = SequenceSplit.default.cutoffMs(firstMs: span.first, lastMs: span.last)
            let train = data.corpus.prefix(beforeMs: cutoff)
            var embedding = CooccurrenceEmbedding.Configuration()
            embedding.dimension = options.dimension
            var items: ItemEmbeddingTable?
            let skipGramSeconds = seconds {
                items = CooccurrenceEmbedding.train(sessions: train.sessions(), itemCount: data.log.itemCount, configuration: embedding)
            }
            var trainingConfiguration = SequenceModelConfiguration()
            trainingConfiguration.hiddenSize = options.hiddenSize
            trainingConfiguration.threads = options.threads
            let trainer = try SequenceTrainer(corpus: train, items: items!, configuration: trainingConfiguration)
            var best = Double.infinity
            var result: SequenceTrainer.EpochResult?
            for _ in 0..<max(1, options.epochs) {
                let epoch = trainer.trainEpoch()
                if epoch.seconds < best {
                    best = epoch.seconds
                    result = epoch
                }
            }
            let epoch = result!
            emit(
                String(
                    format: "training on %@: %d sequences, %d events per epoch; best epoch %.2f s = %.0f sequences/s, %.0f events/s (threads %d); skip-gram %.2f s",
                    data.description, epoch.sequences, epoch.events, epoch.seconds, Double(epoch.sequences) / epoch.seconds,
                    Double(epoch.events) / epoch.seconds, options.threads, skipGramSeconds))
            fields += [
                ("train_seconds_per_epoch", String(format: "%.3f", epoch.seconds)),
                ("train_sequences_per_s", String(format: "%.1f", Double(epoch.sequences) / epoch.seconds)),
                ("train_events_per_s", String(format: "%.0f", Double(epoch.events) / epoch.seconds)),
                ("train_threads", "\(options.threads)"), ("skipgram_seconds", String(format: "%.2f", skipGramSeconds)),
            ]
        }
        let json = "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
        emit(json)
        return json
    }
}
