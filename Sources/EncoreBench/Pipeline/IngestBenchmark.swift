import EncoreApp
import EncoreCore
import EncoreKafka
import EncoreModels
import EncoreNumerics
import EncorePipeline
import EncoreStages
import EncoreSimulation
import Foundation
import Logging

/// `encore bench ingest`: end-to-end listens per second through the music pipeline (embedded
/// broker, decode, popularity stage, outputs, state + offsets in SQLite), and in the same run the
/// raw librdkafka consume rate of the same messages with no processing.
///
/// With `stage = "rnn"` the pipeline serves a (randomly initialised, same cost as trained) RNN
/// generation of the given sizes instead: every listen is one recurrent step in waves, states of
/// about 3 KB are persisted with the offsets, and recommendations score the whole catalogue.
public struct IngestBenchmark: Sendable {
    public var events = 1_000_000
    public var partitions = 64
    public var batchRecords = 500
    public var pipelinesDirectory = "pipelines"
    /// `popularity` or `rnn`.
    public var stage = "popularity"
    public var rnnHidden = 128
    public var rnnDimension = 64
    /// Threads scoring the catalogue for due recommendations (rnn stage).
    public var scoringThreads = 1
    /// Tracks in the simulated catalogue (the RNN generation scores all of them).
    public var tracks = 50_000
    /// How the rnn stage finds recommendations: `auto` (the production policy: an index from
    /// ``SequenceRetrieval/minimumItems`` tracks), `index` (always build one) or `exact`.
    public var retrieval = "auto"
    /// Every this many indexed recommendations one is also scored exactly (recall@K).
    public var recallSampleEvery = 200
    /// The retrieval index's shape and search effort.
    public var index = InnerProductIndex.Parameters()

    public init() {}

    public struct Result: Sendable {
        public var events: Int
        public var bytes: Int
        public var produceRate: Double
        public var rawConsumeRate: Double
        public var pipelineRate: Double
        public var pipelineStatus: PipelineStatus
        public var ratio: Double { pipelineRate / rawConsumeRate }
    }

    public func run(logger: Logger, progress: @escaping @Sendable (String) -> Void) async throws -> Result {
        var configuration = ServiceConfiguration()
        configuration.kafka.partitions = partitions
        let topology = try KafkaTopology(configuration: configuration, logger: logger)
        defer { topology.shutdown() }
        let client = configuration.kafkaClient(bootstrapServers: topology.bootstrapServers)
        let topic = EncoreTopic.listens.rawValue

        // Messages: the simulator's listens (realistic sessions, so the debounce behaves as in production).
        let users = max(100, events / 140)
        let simulator = try MusicSimulator(configuration: SimulationConfiguration(
            users: users, tracks: tracks, artists: max(1, min(tracks, tracks / 10)), days: 7, seed: 9))
        let trackCount = simulator.groundTruth.catalogue.tracks.count
        var messages: [(key: [UInt8], value: [UInt8], time: Int64)] = []
        messages.reserveCapacity(events)
        var stream = simulator.makeEventStream()
        while messages.count < events, let event = stream.next() {
            if case .listen(let listen) = event {
                messages.append((Array(listen.userID.rawValue.utf8), event.encoded(), listen.timestampMs))
            }
        }
        let count = messages.count
        let bytes = messages.reduce(0) { $0 + $1.value.count }
        progress("produce \(count) listens (\(bytes / count) bytes each) to \(topic) over \(partitions) partitions…")
        let produceRate = try await DedicatedThread.run(name: "bench-produce") { [messages] in
            let producer = try KafkaProducer(
                configuration: ProducerConfiguration(client: client, linger: .milliseconds(20)), logger: logger
            )
            defer { producer.close(timeout: .seconds(30)) }
            let started = ContinuousClock.now
            for message in messages {
                try producer.send(topic: topic, key: message.key, value: message.value, timestampMs: message.time)
            }
            try producer.flush(timeout: .seconds(300))
            return Double(messages.count) / started.duration(to: .now).inSeconds
        }
        messages = []
        progress("produced at \(Int(produceRate)) messages/s")

        // Raw: a fresh group reads everything with no processing.
        let rawRate = try await DedicatedThread.run(name: "bench-raw") {
            let consumer = try KafkaConsumer(
                configuration: ConsumerConfiguration(client: client, groupID: "bench-raw-\(UUID().uuidString)", topics: [topic]),
                logger: logger, startOffsets: { _ in [:] }
            )
            defer { consumer.close() }
            var consumed = 0
            var started: ContinuousClock.Instant?
            while consumed < count {
                let batch = try consumer.poll(maxRecords: batchRecords, maxWait: .milliseconds(100))
                if !batch.isEmpty, started == nil { started = .now }  // exclude the group join
                consumed += batch.count
            }
            return Double(consumed) / started!.duration(to: .now).inSeconds
        }
        progress("raw consume: \(Int(rawRate)) messages/s")

        // Pipeline: the music pipeline, state and offsets in a temporary SQLite file.
        var definition = try PipelineCatalog.load(directory: pipelinesDirectory, registry: .standard).definitions.first { $0.name == "music" }
            ?? PipelineDefinition(name: "music", consumerGroup: "encore-music", inputs: [.listens], stages: [PopularityBaseline.Settings()])
        definition.consumerGroup = "bench-pipeline-\(UUID().uuidString)"
        definition.batch.maxRecords = batchRecords
        let generations = ModelGenerations()
        if stage == "rnn" {
            var settings = SequenceStage.Settings()
            settings.scoringThreads = scoringThreads
            settings.retrieval = retrieval == "exact" ? .exact : .index
            settings.recallSampleEvery = recallSampleEvery
            definition.stages = [settings]
            let vectors = Self.structuredItemVectors(catalogue: simulator.groundTruth.catalogue, dimension: rnnDimension)
            var modelConfiguration = SequenceModelConfiguration()
            modelConfiguration.hiddenSize = rnnHidden
            let model = try SequenceModel(
                configuration: modelConfiguration,
                items: ItemEmbeddingTable(vectors: vectors, itemCount: trackCount, dimension: rnnDimension, source: "random")
            )
            let indexStarted = ContinuousClock.now
            let generation = try MusicGeneration.build(
                id: 1, model: model, embeddingSource: "structured",
                indexFrom: retrieval == "index" ? 0 : retrieval == "exact" ? .max : SequenceRetrieval.minimumItems,
                index: index)
            if generation.retrieval != nil {
                progress("retrieval index over \(trackCount) tracks built in \(String(format: "%.1f", indexStarted.duration(to: .now).inSeconds)) s")
            }
            generations.install(generation)
            progress("pipeline stage: rnn (GRU H=\(rnnHidden), d=\(rnnDimension), \(trackCount) tracks, \(generation.retrieval == nil ? "exact" : "index") retrieval)")
        }
        let storePath = FileManager.default.temporaryDirectory.appendingPathComponent("encore-bench-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: storePath + suffix) } }
        var environment = try PipelineEnvironment.open(storePath: storePath, kafka: client)
        environment.generations = generations
        let runner = PipelineRunner(definition: definition, environment: environment, logger: logger)
        let task = Task { try await runner.run() }
        var started: ContinuousClock.Instant?
        var lastReport = ContinuousClock.now
        while true {
            let status = runner.status
            if status.state == .failed { throw PipelineError(.kafka, status.lastError ?? "pipeline failed") }
            let done = status.appliedRecords + status.deadLetters
            if done > 0, started == nil { started = .now }
            if done >= count { break }
            if ContinuousClock.now - lastReport > .seconds(2), let started {
                lastReport = .now
                progress("  pipeline: \(done)/\(count) (\(Int(Double(done) / started.duration(to: .now).inSeconds)) listens/s)")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        let pipelineRate = Double(count) / started!.duration(to: .now).inSeconds
        runner.requestStop()
        try await task.value
        progress("pipeline: \(Int(pipelineRate)) listens/s")
        return Result(
            events: count, bytes: bytes, produceRate: produceRate, rawConsumeRate: rawRate, pipelineRate: pipelineRate,
            pipelineStatus: runner.status
        )
    }

    /// Item vectors with the shape of trained embeddings: the simulator's latent track vectors
    /// (clustered by genre and artist) through a seeded random projection to `dimension`, plus
    /// a little independent noise. Uniform random vectors would have no clusters at all, the worst
    /// case for any retrieval index and unlike what LightGCN learns.
    static func structuredItemVectors(catalogue: SimulatedCatalogue, dimension: Int) -> [Float] {
        let latent = catalogue.embeddingDimension
        let count = catalogue.tracks.count
        var random = EncoreCore.SeededGenerator(seed: 3)
        let scale = 1 / Float(latent).squareRoot()
        let projection = (0..<(latent * dimension)).map { _ in (random.nextUniform() * 2 - 1) * 1.7 * scale }
        var vectors = [Float](repeating: 0, count: count * dimension)
        for item in 0..<count {
            for column in 0..<dimension {
                var sum: Float = 0
                for k in 0..<latent { sum += catalogue.trackVectors[item * latent + k] * projection[k * dimension + column] }
                vectors[item * dimension + column] = sum + 0.1 * (random.nextUniform() * 2 - 1)
            }
        }
        return vectors
    }
}
