import EncoreCore
import EncoreEvaluation
import EncoreModels
import EncoreNumerics
import EncoreTraining
import Foundation

/// `encore bench lightgcn`: LightGCN cost on a synthetic graph of Gowalla's shape.
///
/// Reports per-SpMM time and effective bandwidth (1 and T threads), seconds per training step
/// and per epoch at the configured batch size (exact gradient), full-ranking evaluation time of
/// all users, and the peak resident set size.
public enum LightGCNBenchmark {
    /// Benchmark settings.
    public struct Options: Sendable {
        /// Users of the synthetic graph (Gowalla: 29,858).
        public var users = 29_858
        /// Items (Gowalla: 40,981).
        public var items = 40_981
        /// Training pairs (Gowalla: 810,128).
        public var trainPairs = 810_128
        /// Seed of the generator and of training.
        public var seed: UInt64 = 2020
        /// Triplets per mini-batch.
        public var batchSize = 2048
        /// Embedding size d.
        public var embeddingDimension = 64
        /// Propagation layers K.
        public var layerCount = 3
        /// Worker threads.
        public var threads = 1
        /// Full epochs to time (0: extrapolate from `steps` steps).
        public var epochs = 1
        /// Steps to time when `epochs` is 0.
        public var steps = 40
        /// SpMM repetitions per measurement.
        public var spmmRepetitions = 10
        /// The K of the evaluation.
        public var topK = 20
        /// Creates the defaults.
        public init() {}
    }

    /// The fastest of `repetitions` timed SpMMs (the minimum is the least disturbed by other
    /// processes on a shared machine).
    static func fastestSpMM(_ a: SparseMatrix, _ x: Matrix, _ y: inout Matrix, threads: Int, repetitions: Int) -> Double
    {
        var best = Double.infinity
        x.storage.withUnsafeBufferPointer { input in
            y.storage.withUnsafeMutableBufferPointer { output in
                for _ in 0..<repetitions {
                    let (_, seconds) = measureSeconds {
                        a.multiply(
                            input: input.baseAddress!, output: output.baseAddress!, width: x.columns, threads: threads)
                    }
                    best = min(best, seconds)
                }
            }
        }
        return best
    }

    /// Runs the benchmark, emitting human lines and a final JSON line.
    @discardableResult
    public static func run(_ options: Options, emit: (String) -> Void) throws -> String {
        BLAS.setThreadCount(1)
        var configuration = LightGCNConfiguration()
        configuration.batchSize = options.batchSize
        configuration.embeddingDimension = options.embeddingDimension
        configuration.layerCount = options.layerCount
        configuration.threads = options.threads
        configuration.seed = options.seed
        let threads = configuration.threads
        let (data, generateSeconds) = try measureSeconds {
            try SyntheticInteractionGraph.generate(
                users: options.users, items: options.items, trainCount: options.trainPairs, seed: options.seed)
        }
        emit(String(format: "synthetic graph: %@ (generated in %.1fs)", data.summary, generateSeconds))
        let (trainer, setupSeconds) = try measureSeconds {
            try LightGCNTrainer(interactions: data.train, configuration: configuration)
        }
        let adjacency = trainer.adjacency
        let n = adjacency.rows, d = configuration.embeddingDimension
        emit(
            String(
                format: "adjacency %d nodes, %d nonzeros; trainer setup %.2fs", n, adjacency.nonzeroCount, setupSeconds)
        )

        // SpMM alone.
        var rng = SeededGenerator(seed: options.seed)
        let x = Matrix(rows: n, columns: d, normalMean: 0, std: 0.1, using: &rng)
        var y = Matrix(rows: n, columns: d)
        // Bytes touched: index + value per nonzero, one gathered input row per nonzero, output rows, offsets.
        let bytes = Double(adjacency.nonzeroCount * (4 + 4 + 4 * d) + n * 4 * d + (n + 1) * 8)
        var spmmSeconds = [Int: Double]()
        for t in Set([1, threads]).sorted() {
            let each = fastestSpMM(adjacency, x, &y, threads: t, repetitions: options.spmmRepetitions)
            spmmSeconds[t] = each
            emit(
                String(
                    format: "SpMM (n×n)·(n×%d), %d thread(s): best %.4fs, %.1f GB/s effective", d, t, each,
                    bytes / each / 1e9))
        }

        // The same SpMM after relabelling nodes by descending degree (locality experiment).
        let reordered = adjacency.symmetricallyPermuted(newIndex: adjacency.degreeDescendingOrder())
        for t in Set([1, threads]).sorted() {
            let each = fastestSpMM(reordered, x, &y, threads: t, repetitions: options.spmmRepetitions)
            emit(
                String(
                    format: "SpMM degree-ordered nodes, %d thread(s): best %.4fs, %.1f GB/s effective", t, each,
                    bytes / each / 1e9))
        }

        // Training.
        let stepsPerEpoch = (data.train.nonzeroCount + configuration.batchSize - 1) / configuration.batchSize
        var epochSeconds: Double
        var measuredEpochs = 0
        if options.epochs > 0 {
            var total = 0.0
            for epoch in 1...options.epochs {
                let result = trainer.trainEpoch()
                total += result.seconds
                measuredEpochs += 1
                emit(
                    String(
                        format: "epoch %d: loss %.5f, %.2fs, %.0f triplets/s", epoch, result.loss, result.seconds,
                        Double(result.triplets) / result.seconds))
            }
            epochSeconds = total / Double(options.epochs)
        } else {
            // Time `steps` real steps (sampling, gradient, Adam) and extrapolate to an epoch.
            let seconds = trainer.trainPartialEpoch(batches: options.steps).seconds
            epochSeconds = seconds / Double(options.steps) * Double(stepsPerEpoch)
        }
        let stepSeconds = epochSeconds / Double(stepsPerEpoch)
        emit(
            String(
                format: "training: %.2fs per epoch at batch %d (%d steps, %.1f ms per step, exact gradient)",
                epochSeconds, configuration.batchSize, stepsPerEpoch, stepSeconds * 1000))

        // Full-ranking evaluation of every test user.
        let model = trainer.model()
        let evaluator = FullRankingEvaluator(k: options.topK, threads: threads)
        let (report, evalSeconds) = measureSeconds {
            evaluator.evaluate(scorer: ModelRankingScorer(model: model), train: data.train, test: data.test)
        }
        emit(
            String(
                format: "full-ranking evaluation of %d users × %d items: %.2fs (%@)", report.userCount, data.itemCount,
                evalSeconds, report.line))
        let rss = Double(ProcessStatistics.peakResidentBytes) / 1_048_576
        emit(String(format: "peak RSS %.0f MiB", rss))
        let json = GraphTraining.summaryJSON([
            ("benchmark", .string("lightgcn")), ("users", .integer(data.userCount)),
            ("items", .integer(data.itemCount)),
            ("train_pairs", .integer(data.train.nonzeroCount)), ("threads", .integer(threads)),
            ("batch_size", .integer(configuration.batchSize)), ("dim", .integer(d)),
            ("layers", .integer(configuration.layerCount)),
            ("spmm_seconds_1_thread", .number(spmmSeconds[1] ?? .nan)),
            ("spmm_seconds", .number(spmmSeconds[threads] ?? .nan)),
            ("spmm_gb_per_s", .number(bytes / (spmmSeconds[threads] ?? .nan) / 1e9)),
            ("epoch_seconds", .number(epochSeconds)), ("epochs_measured", .integer(measuredEpochs)),
            ("step_ms", .number(stepSeconds * 1000)), ("eval_seconds", .number(evalSeconds)),
            ("max_rss_mib", .number(rss)),
        ])
        emit(json)
        return json
    }
}
