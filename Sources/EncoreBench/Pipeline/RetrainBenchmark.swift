import EncoreApp
import EncoreCore
import EncoreKafka
import EncoreModels
import EncoreNumerics
import EncorePipeline
import EncoreStages
import EncoreSimulation
import EncoreStore
import EncoreTraining
import Foundation
import Logging
import Synchronization

/// `encore bench retrain`: the pipeline-runtime benchmarks of issue 6, on a store filled with the
/// seeded simulator's listens (``SimulatedListenStore``; 10k users / 50k tracks / 2M listens by
/// default) and the production retrain settings of the music pipeline (`retrain:` in
/// `pipelines/music.yaml`).
///
/// 1. **Cycle**: the wall time of one ``SequenceRetrainStep`` — snapshot, graph model, RNN, holdout
///    judgement, promotion (registry write, item embeddings published to the embedded broker,
///    install) — per phase, with the peak resident set size of the cycle. A random generation of
///    the production shape serves beforehand, so the cycle is a steady-state one: the RNN warm
///    starts from it and the holdout scores it beside the candidate.
/// 2. **Ingestion**: listens/s of the music pipeline (its stages as defined, a serving RNN
///    generation) over the listens that follow the stored ones, on a copy of the store, without a
///    cycle (before and after) and while a cycle runs on a thread of its own on the same store
///    (the cycle starts first; the window opens when its snapshot is taken), after a warm-up pass
///    that is not counted. Each run is a fresh
///    consumer group and a fresh copy of the store, over the same messages. The cycle must still be
///    running when the window closes, else the measurement is reported invalid.
public struct RetrainBenchmark: Sendable {
    public var users = 10_000
    public var tracks = 50_000
    public var listens = 2_000_000
    public var seed: UInt64 = 42
    public var measureCycle = true
    public var measureIngestion = true
    /// Listens consumed per ingestion run.
    public var ingestEvents = 300_000
    public var partitions = 16
    public var pipelinesDirectory = "pipelines"
    /// Shape of the serving RNN generation (the cycle's own shape comes from its options).
    public var rnnHidden = 128
    public var rnnDimension = 64

    public init() {}

    public struct CycleResult: Sendable {
        public var settings: RetrainSettings
        public var outcome: RetrainStepOutcome
        public var seconds: Double
        public var cpuSeconds: Double
        /// `(phase, seconds)` in cycle order.
        public var phases: [(name: String, seconds: Double)]
        /// Peak RSS over the cycle (Linux `VmHWM` after a reset), or the process peak elsewhere.
        public var peakResidentBytes: Int
        public var peakIsCycleOnly: Bool
        /// RSS when the cycle started (what the process held already: broker, earlier parts).
        public var residentAtStartBytes: Int?
    }

    public struct IngestionRun: Sendable {
        public var label: String
        public var rate: Double
        public var windowSeconds: Double
        public var status: PipelineStatus
    }

    public struct IngestionResult: Sendable {
        public var events: Int
        /// The first pass, not counted.
        public var warmUp: IngestionRun
        public var withoutCycle: [IngestionRun]
        public var duringCycle: IngestionRun
        /// Whether the cycle was running when the window opened and when it closed.
        public var cycleRunningAtStart: Bool
        public var cycleRunningAtEnd: Bool
        /// The cycle's progress lines inside the window (what it was doing meanwhile).
        public var cycleLinesInWindow: [String]
        public var baselineRate: Double { withoutCycle.map(\.rate).reduce(0, +) / Double(max(withoutCycle.count, 1)) }
        public var ratio: Double { duringCycle.rate / baselineRate }
        public var valid: Bool { cycleRunningAtStart && cycleRunningAtEnd }
    }

    public struct Result: Sendable {
        public var store: SimulatedListenStore.Result
        public var cycle: CycleResult?
        public var ingestion: IngestionResult?
    }

    public func run(logger: Logger, progress: @escaping @Sendable (String) -> Void) async throws -> Result {
        BLAS.setThreadCount(1)
        guard let definition = try PipelineCatalog.load(directory: pipelinesDirectory, registry: .standard).definitions.first(where: { $0.name == "music" }),
            let settings = definition.retrain
        else {
            throw ConfigurationError(
                source: pipelinesDirectory, field: "retrain", message: "no music pipeline with a retrain: section")
        }
        progress(
            "production retrain settings (\(pipelinesDirectory)/music): graph_model \(settings.graphModel), graph_epochs \(settings.graphEpochs), "
                + "rnn_epochs \(settings.rnnEpochs), threads \(settings.threads), holdout_fraction \(settings.holdoutFraction)")

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("encore-bench-retrain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let basePath = directory.appendingPathComponent("base.sqlite").path

        // The store, closed again before it is copied (the last connection checkpoints the WAL).
        progress("building the store: \(users) users, \(tracks) tracks, \(listens) listens (+\(measureIngestion ? ingestEvents : 0) for Kafka)…")
        var built = try {
            let store = try EncoreStore(path: basePath)
            return try SimulatedListenStore.build(
                into: store, users: users, tracks: tracks, listens: listens,
                followingMessages: measureIngestion ? ingestEvents : 0, seed: seed, progress: progress)
        }()
        progress(String(
            format: "store: %d listens, %d users, %d tracks over %.1f simulated days, built in %.1f s", built.listens, built.users,
            built.tracks, Double(built.lastMs - built.firstMs) / 86_400_000, built.seconds))
        let messages = built.messages
        built.messages = []

        var configuration = ServiceConfiguration()
        configuration.kafka.partitions = partitions
        let topology = try KafkaTopology(configuration: configuration, logger: logger)
        defer { topology.shutdown() }
        let client = configuration.kafkaClient(bootstrapServers: topology.bootstrapServers)

        var result = Result(store: built)
        if measureIngestion {
            result.ingestion = try await ingestion(
                messages: messages, basePath: basePath, directory: directory, definition: definition, settings: settings,
                tracks: built.tracks, client: client, logger: logger, progress: progress)
        }
        if measureCycle {
            result.cycle = try await cycle(
                storePath: basePath, settings: settings, tracks: built.tracks, client: client, logger: logger, progress: progress)
        }
        return result
    }

    // MARK: 1. One cycle

    private func cycle(
        storePath: String, settings: RetrainSettings, tracks: Int, client: KafkaClientConfiguration, logger: Logger,
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> CycleResult {
        let store = try EncoreStore(path: storePath)
        let generations = ModelGenerations()
        let options = SequenceRetrainStep.Options(settings: settings)
        // Steady state: a generation of the production shape serves (warm start + holdout comparison).
        generations.install(try Self.randomGeneration(
            tracks: tracks, hidden: options.rnn.hiddenSize, dimension: options.graph.embeddingDimension))
        let producer = try KafkaProducer(configuration: ProducerConfiguration(client: client), logger: logger)
        defer { producer.close(timeout: .seconds(30)) }
        let cycle = try SequenceRetrainStep(
            options: options, store: store, generations: generations, producer: producer, logger: logger)
        progress("cycle: one retrain cycle with the production settings (a random generation of the same shape serves)…")

        let residentAtStart = Self.processStatus("VmRSS")
        let peakIsCycleOnly = Self.resetPeakResident()
        let cpuStart = ProcessStatistics.cpuSeconds
        let started = ContinuousClock.now
        let context = RetrainContext(
            trigger: .manual, interactions: (try? store.counts().listens) ?? 0,
            progress: { line in progress(String(format: "  [%7.1f s] ", started.duration(to: .now).inSeconds) + line) },
            isCancelled: { false })
        let outcome = try await DedicatedThread.run(name: "bench-retrain") { try cycle.run(context) }
        let seconds = started.duration(to: .now).inSeconds
        let peak = Self.processStatus("VmHWM") ?? ProcessStatistics.peakResidentBytes
        let phases = ["snapshot", "graph", "rnn", "holdout", "promote"].compactMap { name in
            outcome.candidateMetrics["seconds_\(name)"].map { (name: name, seconds: $0) }
        }
        return CycleResult(
            settings: settings, outcome: outcome, seconds: seconds, cpuSeconds: ProcessStatistics.cpuSeconds - cpuStart,
            phases: phases, peakResidentBytes: peak, peakIsCycleOnly: peakIsCycleOnly,
            residentAtStartBytes: residentAtStart)
    }

    // MARK: 2. Ingestion with and without a cycle

    private func ingestion(
        messages: [SimulatedListenStore.Message], basePath: String, directory: URL, definition: PipelineDefinition,
        settings: RetrainSettings, tracks: Int, client: KafkaClientConfiguration, logger: Logger,
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> IngestionResult {
        let topic = EncoreTopic.listens.rawValue
        progress("ingestion: produce \(messages.count) listens to \(topic) over \(partitions) partitions…")
        try await DedicatedThread.run(name: "bench-produce") {
            let producer = try KafkaProducer(
                configuration: ProducerConfiguration(client: client, linger: .milliseconds(20)), logger: logger)
            defer { producer.close(timeout: .seconds(30)) }
            for message in messages {
                try producer.send(topic: topic, key: message.key, value: message.value, timestampMs: message.timestampMs)
            }
            try producer.flush(timeout: .seconds(300))
        }
        let serving = try Self.randomGeneration(tracks: tracks, hidden: rnnHidden, dimension: rnnDimension)
        progress(
            "ingestion: music pipeline (\(definition.stages.count) stages as defined, serving GRU H=\(rnnHidden) d=\(rnnDimension) over \(tracks) tracks), "
                + "batches of \(definition.batch.maxRecords)")

        // A first pass is slower in every run of this benchmark (3.8–7.0 k/s against 10.5 k/s for
        // the third): it warms up whatever the later passes reuse, and is not counted.
        let warmUp = try await ingestionRun(
            label: "warm-up (not counted)", index: 3, count: messages.count, basePath: basePath, directory: directory,
            definition: definition, serving: serving, client: client, logger: logger, progress: progress
        ).run
        var withoutCycle: [IngestionRun] = []
        withoutCycle.append(try await ingestionRun(
            label: "no cycle (before)", index: 0, count: messages.count, basePath: basePath, directory: directory,
            definition: definition, serving: serving, client: client, logger: logger, progress: progress
        ).run)
        let during = try await ingestionRun(
            label: "during a cycle", index: 1, count: messages.count, basePath: basePath, directory: directory,
            definition: definition, serving: serving, cycleSettings: settings, client: client, logger: logger, progress: progress)
        withoutCycle.append(try await ingestionRun(
            label: "no cycle (after)", index: 2, count: messages.count, basePath: basePath, directory: directory,
            definition: definition, serving: serving, client: client, logger: logger, progress: progress
        ).run)
        return IngestionResult(
            events: messages.count, warmUp: warmUp, withoutCycle: withoutCycle, duringCycle: during.run,
            cycleRunningAtStart: during.runningAtStart, cycleRunningAtEnd: during.runningAtEnd,
            cycleLinesInWindow: during.linesInWindow)
    }

    /// What the cycle thread reports back to the measuring task.
    private struct CycleWatch: Sendable {
        var done = false
        var snapshotTaken = false
        var lines: [(at: ContinuousClock.Instant, line: String)] = []
        var error: String?
    }

    /// One measured pass of the pipeline over all messages, on a fresh copy of the store and a
    /// fresh consumer group; with `cycleSettings`, a cycle runs on that store meanwhile.
    private func ingestionRun(
        label: String, index: Int, count: Int, basePath: String, directory: URL, definition: PipelineDefinition,
        serving: MusicGeneration, cycleSettings: RetrainSettings? = nil, client: KafkaClientConfiguration, logger: Logger,
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> (run: IngestionRun, runningAtStart: Bool, runningAtEnd: Bool, linesInWindow: [String]) {
        let path = directory.appendingPathComponent("run-\(index).sqlite").path
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: basePath + suffix) {
            try FileManager.default.copyItem(atPath: basePath + suffix, toPath: path + suffix)
        }
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        var environment = try PipelineEnvironment.open(storePath: path, kafka: client)
        environment.generations = ModelGenerations()
        environment.generations.install(serving)
        var definition = definition
        definition.consumerGroup = "bench-retrain-\(index)-\(UUID().uuidString)"

        // The cycle first (own thread, own generations: it must not swap the serving one mid-run).
        let watch = Mutex(CycleWatch())
        let cancel = Atomic<Bool>(false)
        if let cycleSettings {
            let cycle = try SequenceRetrainStep(
                options: SequenceRetrainStep.Options(settings: cycleSettings), store: environment.store,
                generations: ModelGenerations(), producer: nil, logger: logger)
            let started = ContinuousClock.now
            let context = RetrainContext(
                trigger: .manual, interactions: 0,
                progress: { line in
                    watch.withLock {
                        $0.lines.append((.now, line))
                        if line.hasPrefix("snapshot:") { $0.snapshotTaken = true }
                    }
                    progress(String(format: "  cycle [%6.1f s] ", started.duration(to: .now).inSeconds) + line)
                },
                isCancelled: { cancel.load(ordering: .relaxed) })
            let thread = Thread {
                let result = Swift.Result { try cycle.run(context) }
                watch.withLock {
                    $0.done = true
                    if case .failure(let error) = result { $0.error = "\(error)" }
                }
            }
            thread.name = "bench-retrain-cycle"
            thread.start()
            progress("  \(label): cycle started (threads \(cycleSettings.threads)); waiting for its snapshot…")
            while !watch.withLock({ $0.snapshotTaken || $0.done }) { try await Task.sleep(for: .milliseconds(20)) }
        }

        let runner = PipelineRunner(definition: definition, environment: environment, logger: logger)
        let task = Task { try await runner.run() }
        var started: ContinuousClock.Instant?
        var runningAtStart = false
        var lastReport = ContinuousClock.now
        while true {
            let status = runner.status
            if status.state == .failed { throw PipelineError(.kafka, status.lastError ?? "pipeline failed") }
            let done = status.appliedRecords + status.deadLetters
            if done > 0, started == nil {
                started = .now
                let cycleDone = watch.withLock { $0.done }
                runningAtStart = cycleSettings != nil && !cycleDone
            }
            if done >= count { break }
            if ContinuousClock.now - lastReport > .seconds(2), let started, started.duration(to: .now) > .seconds(1) {
                lastReport = .now
                progress("  \(label): \(done)/\(count) (\(Int(Double(done) / started.duration(to: .now).inSeconds)) listens/s)")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        let windowEnd = ContinuousClock.now
        let cycleDoneAtEnd = watch.withLock { $0.done }
        let runningAtEnd = cycleSettings != nil && !cycleDoneAtEnd
        let windowStart = started!
        let window = windowStart.duration(to: windowEnd).inSeconds
        let rate = Double(count) / window
        runner.requestStop()
        try await task.value
        progress("  \(label): \(Int(rate)) listens/s over \(String(format: "%.1f", window)) s")

        var linesInWindow: [String] = []
        if cycleSettings != nil {
            linesInWindow = watch.withLock { $0.lines.filter { $0.at >= windowStart && $0.at <= windowEnd }.map(\.line) }
            progress("  \(label): cycle \(runningAtEnd ? "still running at the end of the window: valid" : "FINISHED inside the window: invalid"); stopping it…")
            cancel.store(true, ordering: .relaxed)
            while !watch.withLock({ $0.done }) { try await Task.sleep(for: .milliseconds(100)) }
            if let error = watch.withLock({ $0.error }) { progress("  cycle ended with an error: \(error)") }
        }
        return (
            IngestionRun(label: label, rate: rate, windowSeconds: window, status: runner.status), runningAtStart, runningAtEnd,
            linesInWindow
        )
    }

    // MARK: Helpers

    /// A randomly initialised RNN generation (same cost as a trained one).
    static func randomGeneration(tracks: Int, hidden: Int, dimension: Int) throws -> MusicGeneration {
        var random = EncoreCore.SeededGenerator(seed: 3)
        let vectors = (0..<(tracks * dimension)).map { _ in random.nextUniform() * 2 - 1 }
        var configuration = SequenceModelConfiguration()
        configuration.hiddenSize = hidden
        let model = try SequenceModel(
            configuration: configuration,
            items: ItemEmbeddingTable(vectors: vectors, itemCount: tracks, dimension: dimension, source: "random"))
        return MusicGeneration(id: 1, model: model, embeddingSource: "random")
    }

    /// Resets the kernel's peak-RSS mark (`VmHWM`) of this process; false where that is not possible.
    static func resetPeakResident() -> Bool {
        #if os(Linux)
            guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
            defer { try? handle.close() }
            return (try? handle.write(contentsOf: Data("5".utf8))) != nil
        #else
            return false
        #endif
    }

    /// A size field of /proc/self/status in bytes (`VmHWM`: peak RSS since the last reset,
    /// `VmRSS`: current), if readable.
    static func processStatus(_ field: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("\(field):") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 2, let kilobytes = Int(fields[1]) { return kilobytes * 1024 }
        }
        return nil
    }
}
