import EncoreCore
import EncoreKafka
import EncoreModels
import EncorePipeline
import EncoreStages
import EncoreServer
import EncoreSimulation
import EncoreStore
import EncoreTraining
import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import UnixSignals
import Synchronization

/// `encore demo`: the whole service on the embedded broker with simulated traffic, then a report.
///
/// Starts the embedded broker and Encore's topics and the full runtime of `encore run` (every
/// pipeline of `pipelines/`, the retrain scheduler, the HTTP server with its status page), then
/// produces a seeded simulation of a music service day by day (with a few deliberately corrupted
/// records) while the pipelines consume it. At the end of each simulated day but the last, once
/// the day is consumed, it runs a retrain cycle (LightGCN → RNN → holdout → promote or keep), so
/// the next day is served by the generation it promoted. Finally it scores every pipeline's
/// outputs against the simulator's ground truth, per serving model.
public struct DemoRunner: Sendable {
    public struct Options: Sendable {
        public var users = 3000
        public var tracks = 5000
        public var days = 3
        public var seed: UInt64 = 42
        public var partitions = 16
        /// Share of listen records corrupted on purpose, to show the dead-letter path.
        public var corruptionRate = 0.0005
        /// SQLite file; `nil` = a temporary file removed afterwards.
        public var storePath: String?
        /// Directory of pipeline definitions; the default falls back to the built-in ones when the
        /// working directory has no `pipelines/` (see ``PipelineCatalog/load(directory:)``).
        public var pipelinesDirectory = PipelineCatalog.defaultDirectory
        /// Port of the HTTP server (status page, metrics); 0: none.
        public var httpPort = 8090
        /// Run a retrain cycle at the end of every simulated day but the last.
        public var retrainDaily = true
        /// Keep the service (and its status page) up this long after the report.
        public var linger: Duration = .zero
        public init() {}
    }

    public let options: Options
    public let logger: Logger

    public init(options: Options, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    /// Runs the demo, printing progress and the report through `output`.
    public func run(output: @escaping @Sendable (String) -> Void) async throws -> DemoReport {
        let started = ContinuousClock.now
        // Before any metric exists (the pipelines create theirs when they are built).
        let metrics: PrometheusCollectorRegistry? = options.httpPort != 0 ? MetricsBootstrap.prometheus() : nil
        let simulation = try MusicSimulator(configuration: SimulationConfiguration(
            users: options.users, tracks: options.tracks, artists: max(10, options.tracks / 10), days: options.days,
            seed: options.seed
        ))
        let catalog = try PipelineCatalog.load(directory: options.pipelinesDirectory, registry: .standard)
        logger.info("pipeline definitions", metadata: ["source": "\(catalog.origin)"])
        let definitions = catalog.definitions
        var configuration = ServiceConfiguration()
        configuration.kafka.partitions = options.partitions
        let topology = try KafkaTopology(configuration: configuration, logger: logger)
        defer { topology.shutdown() }
        output("embedded broker on \(topology.bootstrapServers); \(EncoreTopic.allCases.count) topics × \(options.partitions) partitions")

        let temporaryStore = options.storePath == nil
        let storePath = options.storePath ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("encore-demo-\(UUID().uuidString).sqlite").path
        defer {
            if temporaryStore {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: storePath + suffix) }
            }
        }
        let client = configuration.kafkaClient(bootstrapServers: topology.bootstrapServers)
        let environment = try PipelineEnvironment.open(storePath: storePath, kafka: client)
        // C-3PO needs a predictor before the notification pipeline starts: train one offline on a
        // separate simulation (another seed, so the demo's users are new to it) unless the store has one.
        let c3poSettings = definitions.lazy.compactMap { definition -> C3POStage.Settings? in
            for case let settings as C3POStage.Settings in definition.stages { return settings }
            return nil
        }.first
        var c3poTraining: String?
        if c3poSettings != nil {
            if try ModelRegistry(store: environment.store).list(name: "c3po").isEmpty {
                output("training the c3po predictor offline on a separate simulation…")
                c3poTraining = try TimingSimulationTraining.trainAndRegister(
                    store: environment.store, seed: options.seed &+ 1000, users: min(options.users, 1000), days: 14,
                    emit: output
                ).summary
            } else {
                c3poTraining = "c3po from the store's registry"
            }
            output(c3poTraining!)
        }
        // The service, as `encore run` composes it; retrain cycles are driven by the day gate below.
        var definitionsForDemo = definitions
        for index in definitionsForDemo.indices where definitionsForDemo[index].retrain != nil {
            definitionsForDemo[index].retrain?.everyInteractions = 0
            definitionsForDemo[index].retrain?.everyMinutes = 100_000
            definitionsForDemo[index].retrain?.minimumInteractions = Int.max / 2
        }
        var http: ServerConfiguration?
        if options.httpPort != 0, let metrics {
            if PortProbe.isFree(host: "127.0.0.1", port: options.httpPort) {
                var server = ServerConfiguration()
                server.port = options.httpPort
                http = server
            } else {
                output("port \(options.httpPort) is taken: running without the HTTP server (see --http-port)")
            }
            _ = metrics
        }
        let runtime = try EncoreRuntime(
            definitions: definitionsForDemo, environment: environment, http: http, metrics: metrics, logger: logger)
        defer { runtime.shutdown() }
        let runners = runtime.runners
        output("pipelines: \(definitions.map { "\($0.name) (\($0.stages.map(\.typeName).joined(separator: ", ")))" }.joined(separator: "; "))")
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: runtime.services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        let groupTask = Task { try await group.run() }
        if let server = runtime.server {
            output("status page: \(server.dependencies.configuration.statusPageURL) (metrics at /metrics, health at /health/ready)")
        }

        // Produce the simulation day by day while the pipelines consume it.
        output("simulating \(options.users) users × \(options.days) days (seed \(options.seed)) and producing to the topics…")
        let observed = ObservedStream()
        let publisher = SimulationPublisher(corruptionRate: options.corruptionRate, seed: options.seed)
        let producer = try KafkaProducer(configuration: ProducerConfiguration(client: client), logger: logger)
        let gate = DayGate(
            firstEventMs: simulation.configuration.startMs, lastEventMs: simulation.configuration.endMs, runners: runners, definitions: definitions,
            scheduler: options.retrainDaily ? runtime.scheduler : nil, output: output)
        let produceStarted = ContinuousClock.now
        let counts = try await DedicatedThread.run(name: "encore-demo-producer") {
            try publisher.publish(
                simulation.makeEventStream(), producer: producer,
                observe: { event in
                    try? gate.before(event)
                    observed.record(event)
                }
            ) { counts in
                output("  produced \(counts.total) records")
            }
        }
        producer.close(timeout: .seconds(30))
        if let error = gate.failure { throw error }
        let produceSeconds = produceStarted.duration(to: .now).inSeconds
        output("produced \(counts.total) records in \(String(format: "%.1f", produceSeconds)) s "
            + "(\(counts.byTopic[.listens] ?? 0) listens, \(counts.byTopic[.notificationEvents] ?? 0) notification events, "
            + "\(counts.byTopic[.notificationRequests] ?? 0) requests, \(counts.byTopic[.tracks] ?? 0) tracks; "
            + "\(counts.corrupted) corrupted on purpose)")

        // Wait until every record is consumed: applied or dead-lettered.
        let consumeStarted = produceStarted
        try await DedicatedThread.run(name: "encore-demo-wait") {
            try gate.waitUntilConsumed(counts.byTopic, progressFrom: consumeStarted)
        }
        let consumeSeconds = consumeStarted.duration(to: .now).inSeconds
        if options.linger > .zero, let server = runtime.server {
            output("all consumed; the service stays up for \(options.linger) at \(server.dependencies.configuration.statusPageURL)")
            try? await Task.sleep(for: options.linger)
        }
        await group.triggerGracefulShutdown()
        try await groupTask.value
        let statuses = runners.map(\.status)
        let retrainOutcomes = runtime.scheduler?.status.history ?? []

        // Read the outputs back from their topics, as a downstream consumer would.
        let recommendationCount = statuses.reduce(0) { $0 + $1.recommendations }
        let decisionCount = statuses.reduce(0) { $0 + $1.decisions }
        let outputs = try await DedicatedThread.run(name: "encore-demo-reader") {
            try OutputReader(client: client, logger: logger).read(
                recommendations: recommendationCount, decisions: decisionCount
            )
        }
        let store = environment.store
        let plays = observed.plays()
        let recommendationQuality = BaselineEvaluation.recommendations(
            outputs.recommendations, plays: plays, truth: simulation.groundTruth
        )
        // Per serving model (popularity before the first generation, then each RNN generation).
        let byModel = Dictionary(grouping: outputs.recommendations, by: \.model).mapValues {
            BaselineEvaluation.recommendations($0, plays: plays, truth: simulation.groundTruth)
        }
        let cap = c3poSettings?.policy.dailyCap ?? definitions.lazy.compactMap { definition -> Int? in
            for case let settings as RuleBaseline.Settings in definition.stages { return settings.dailyCap }
            return nil
        }.first ?? 3
        let requests = observed.requests()
        let decisionQuality = BaselineEvaluation.decisions(
            outputs.decisions, requests: requests, truth: simulation.groundTruth, dailyCap: cap
        )
        // The rule baseline on the same requests with the same rules, replayed offline.
        var ruleQuality: BaselineEvaluation.DecisionQuality?
        if let c3poSettings {
            let replay = C3POReplay(settings: c3poSettings, predictor: nil)
            for request in requests.sorted(by: { $0.timestampMs < $1.timestampMs }) { replay.request(request, decide: true) }
            replay.flush()
            ruleQuality = BaselineEvaluation.decisions(
                replay.ruleDecisions, requests: requests, truth: simulation.groundTruth, dailyCap: cap)
        }
        // A corrupted listen is dead-lettered by every pipeline that reads listens, under one id.
        let deadLetters = Dictionary(grouping: try store.deadLetters(limit: 100_000), by: \.deadLetterID).compactMap(\.value.first)
        var storeCounts = try store.counts()
        storeCounts.deadLetters = deadLetters.count
        return DemoReport(
            produced: counts, statuses: statuses, storeCounts: storeCounts,
            deadLetterReasons: Dictionary(grouping: deadLetters, by: \.reason).mapValues(\.count),
            produceSeconds: produceSeconds, consumeSeconds: consumeSeconds,
            totalSeconds: started.duration(to: .now).inSeconds,
            sampleRecommendations: Array(outputs.recommendations.suffix(3)), sampleDecisions: Array(outputs.decisions.suffix(4)),
            recommendationQuality: recommendationQuality, decisionQuality: decisionQuality, dailyCap: cap,
            ruleQuality: ruleQuality, c3poTraining: c3poTraining,
            decisionModels: Dictionary(grouping: outputs.decisions, by: \.model).mapValues(\.count),
            recommendationQualityByModel: byModel, retrainOutcomes: retrainOutcomes
        )
    }
}

/// What the demo keeps of the simulated stream for scoring: plays per user and all requests.
private final class ObservedStream: Sendable {
    private struct State {
        var plays: [UserID: [(timestampMs: Int64, track: TrackID)]] = [:]
        var requests: [NotificationRequest] = []
    }
    private let state = Mutex(State())

    @Sendable func record(_ event: SimulatedEvent) {
        switch event {
        case .listen(let listen):
            state.withLock { $0.plays[listen.userID, default: []].append((listen.timestampMs, listen.trackID)) }
        case .request(let request): state.withLock { $0.requests.append(request) }
        default: break
        }
    }

    func plays() -> [UserID: [(timestampMs: Int64, track: TrackID)]] { state.withLock { $0.plays } }
    func requests() -> [NotificationRequest] { state.withLock { $0.requests } }
}

/// Reads the output topics from the beginning with a fresh consumer group.
struct OutputReader {
    let client: KafkaClientConfiguration
    let logger: Logger

    func read(recommendations: Int, decisions: Int) throws -> (recommendations: [Recommendation], decisions: [NotificationDecision]) {
        let recommendationMessages = try readTopic(EncoreTopic.recommendations.rawValue, count: recommendations)
        let decisionMessages = try readTopic(EncoreTopic.notificationDecisions.rawValue, count: decisions)
        return (
            recommendationMessages.compactMap { try? OutputDecoder.recommendation($0) },
            decisionMessages.compactMap { try? OutputDecoder.decision($0) }
        )
    }

    private func readTopic(_ topic: String, count: Int) throws -> [[UInt8]] {
        guard count > 0 else { return [] }
        let consumer = try KafkaConsumer(
            configuration: ConsumerConfiguration(client: client, groupID: "encore-demo-reader-\(UUID().uuidString)", topics: [topic]),
            logger: logger, startOffsets: { _ in [:] }
        )
        defer { consumer.close() }
        var values: [[UInt8]] = []
        values.reserveCapacity(count)
        // The embedded broker trims each partition at about 4–5 MB, so fewer than `count` may be
        // left: stop once nothing arrived for a while.
        // (The first records take a group join, so the first wait is longer.)
        var lastArrival = ContinuousClock.now + .seconds(12)
        while values.count < count, ContinuousClock.now - lastArrival < .seconds(3) {
            let batch = try consumer.poll(maxRecords: 5000, maxWait: .milliseconds(200))
            if !batch.isEmpty { lastArrival = .now }
            for record in batch.records { values.append(batch.value(of: record)) }
        }
        return values
    }
}
