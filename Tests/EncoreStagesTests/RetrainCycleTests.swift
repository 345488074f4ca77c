import EncoreCore
import EncoreKafka
import EncoreModels
import EncorePipeline
import EncoreStages
import EncoreSimulation
import EncoreStore
import EncoreTestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// Retrain cycles on simulated listening through the real pipeline and store: a candidate trained
/// on shuffled tracks is refused against the serving popularity baseline, a properly trained one
/// is promoted and served, a shuffled one is then refused against it, and ingestion keeps
/// committing while a cycle trains.
@Suite(.timeLimit(.minutes(5)))
struct RetrainCycleTests {
    static func options(shuffled: Bool) -> SequenceRetrainStep.Options {
        var settings = RetrainSettings()
        settings.graphModel = "lightgcn"
        settings.graphEpochs = 8
        settings.rnnEpochs = 3
        settings.holdoutFraction = 0.2
        var options = SequenceRetrainStep.Options(settings: settings)
        options.rnn.hiddenSize = 32
        options.rnn.lanes = 32
        options.rnn.window = 32
        options.graph.embeddingDimension = 32
        options.graph.batchSize = 1024
        options.graph.learningRate = 0.01
        options.shuffleTrainingTracks = shuffled
        return options
    }

    /// The cycle of one RNN retrain step, installing what it promotes through the RNN's loader.
    static func cycle(_ step: SequenceRetrainStep, store: EncoreStore, generations: ModelGenerations) -> StagedRetrainCycle {
        StagedRetrainCycle(
            steps: [step], store: store, generations: generations, loaders: [MusicGeneration.loader],
            logger: Logger(label: "test"))
    }

    /// Runs a cycle on a thread of its own (it blocks), noting the store's listen count at each progress line.
    static func run(_ cycle: any RetrainCycle, store: EncoreStore) async throws -> (RetrainOutcome, [Int]) {
        let counts = Mutex<[Int]>([])
        let context = RetrainContext(
            trigger: .manual, interactions: 0,
            progress: { _ in
                let listens = (try? store.counts().listens) ?? -1
                counts.withLock { $0.append(listens) }
            },
            isCancelled: { false })
        let outcome: RetrainOutcome = try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try cycle.run(context) }) }.start()
        }
        return (outcome, counts.withLock { $0 })
    }

    @Test("promotes a better candidate, refuses a worse one, and ingestion goes on meanwhile")
    func promotionIsGuarded() async throws {
        let harness = try PipelineHarness()
        let simulator = try MusicSimulator(configuration: SimulationConfiguration(
            users: 120, tracks: 300, artists: 30, days: 6, seed: 17))
        var listens: [(key: String, value: [UInt8])] = []
        var stream = simulator.makeEventStream()
        while let event = stream.next() {
            if case .listen(let listen) = event { listens.append((listen.userID.rawValue, event.encoded())) }
        }
        let firstPart = Array(listens.prefix(listens.count * 3 / 4)), rest = Array(listens.dropFirst(firstPart.count))
        try harness.produce(.listens, firstPart)

        var environment = try harness.environment()
        let generations = environment.generations
        var settings = SequenceStage.Settings()
        settings.debounce = .seconds(3600)
        let definition = PipelineDefinition(
            name: "music", consumerGroup: "music-\(UUID().uuidString)", inputs: [.listens],
            batch: .init(maxRecords: 200, maxWait: .milliseconds(20)), stages: [settings])
        let firstCount = firstPart.count
        _ = try await harness.run(
            PipelineRunner(definition: definition, environment: environment, logger: harness.logger)
        ) { $0.appliedRecords >= firstCount }
        let store = try harness.store()
        #expect(try store.counts().listens == firstPart.count)

        let producer = try KafkaProducer(configuration: ProducerConfiguration(client: harness.client), logger: harness.logger)
        defer { producer.close(timeout: .seconds(5)) }
        func cycle(shuffled: Bool) throws -> StagedRetrainCycle {
            var options = Self.options(shuffled: shuffled)
            options.topicPrefix = harness.prefix
            let step = try SequenceRetrainStep(
                options: options, store: store, generations: generations, producer: producer, logger: harness.logger)
            return Self.cycle(step, store: store, generations: generations)
        }

        // 1. Before any generation the popularity baseline serves: a candidate trained on
        //    shuffled tracks is worse than it on the holdout and is refused.
        let (first, _) = try await Self.run(cycle(shuffled: true), store: store)
        #expect(!first.promoted)
        #expect(first.reason.hasPrefix("kept popularity@1"), "\(first.reason)")
        #expect(generations.currentMusic == nil)

        // 2. A properly trained candidate beats it on the holdout and is promoted, while the
        //    pipeline keeps consuming the rest of the stream.
        //    The runner has joined its group before the cycle starts (so the race is between the
        //    cycle and ingestion, not the group join), and the rest of the stream arrives in a
        //    trickle while the cycle trains.
        environment.generations = generations
        let runner = PipelineRunner(definition: definition, environment: environment, logger: harness.logger)
        let ingestion = Task { try await runner.run() }
        let joined = ContinuousClock.now + .seconds(60)
        while runner.status.assignedPartitions == 0, ContinuousClock.now < joined {
            try await Task.sleep(for: .milliseconds(20))
        }
        let trickle = Task {
            for start in stride(from: 0, to: rest.count, by: 100) {
                try harness.produce(.listens, Array(rest[start..<min(start + 100, rest.count)]))
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        let (second, counts) = try await Self.run(cycle(shuffled: false), store: store)
        try await trickle.value
        #expect(second.promoted, "\(second.reason)")
        let secondHR = try #require(second.candidateMetrics["hr@20"])
        #expect(secondHR > (second.candidateMetrics["popularity_hr@20"] ?? 1))
        #expect(secondHR > (first.candidateMetrics["hr@20"] ?? 1), "better than the shuffled candidate")
        let secondID = try #require(second.generation)
        #expect(generations.currentMusic?.id == secondID)
        #expect((counts.last ?? 0) > (counts.first ?? 0), "listens were committed while the cycle trained: \(counts)")
        let total = listens.count
        let deadline = ContinuousClock.now + .seconds(60)
        while (try? store.counts().listens) ?? 0 < total, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        runner.requestStop()
        try await ingestion.value

        // 3. A candidate trained on shuffled tracks is worse than the serving one: refused.
        let (third, _) = try await Self.run(cycle(shuffled: true), store: store)
        #expect(!third.promoted)
        #expect(third.reason.hasPrefix("kept rnn@\(secondID)"), "\(third.reason)")
        #expect(generations.currentMusic?.id == secondID)
        let registry = ModelRegistry(store: store)
        #expect(try registry.promoted(name: SequenceModel.modelName)?.version == Int(secondID))
        #expect(try registry.list(name: SequenceModel.modelName).count == 1, "refused candidates are not registered")

        // The promoted generations' item embeddings are on the compacted topic.
        let embeddings = try harness.readAll(.itemEmbeddings, expecting: 1)
        #expect(!embeddings.isEmpty)
    }

    @Test("another model of the zoo in the retrain section is retrained and promoted on its own holdout recall")
    func zooModelInTheRetrainSection() async throws {
        let store = try EncoreStore(path: nil)
        let simulator = try MusicSimulator(configuration: SimulationConfiguration(
            users: 80, tracks: 200, artists: 20, days: 4, seed: 3))
        var listens: [ListenEvent] = []
        for event in simulator.makeEventStream() { if case .listen(let listen) = event { listens.append(listen) } }
        let users = try IdentifierMap(kind: .users, store: store), tracks = try IdentifierMap(kind: .tracks, store: store)
        let userIndices = try users.resolve(listens.map(\.userID.rawValue))
        let trackIndices = try tracks.resolve(listens.map(\.trackID.rawValue))
        var batch = BatchWrite(groupID: "g")
        for (index, listen) in listens.enumerated() {
            batch.listens.append(ListenRow(
                user: UserIndex(userIndices[index]), item: ItemIndex(trackIndices[index]), event: listen,
                position: SourcePosition(partition: 0, offset: Int64(index))))
        }
        try store.commit(batch)

        var options = Self.options(shuffled: false)
        options.settings.graphModel = "gte"
        let generations = ModelGenerations()
        let cycle = Self.cycle(
            try SequenceRetrainStep(
                options: options, store: store, generations: generations, producer: nil, logger: Logger(label: "test")),
            store: store, generations: generations)
        let (first, _) = try await Self.run(cycle, store: store)
        #expect(first.candidateMetrics["gte_recall@20"] != nil)
        #expect(first.reason.contains("gte@1 promoted"), "\(first.reason)")
        let (second, _) = try await Self.run(cycle, store: store)
        #expect(second.candidateMetrics["gte_serving_recall@20"] != nil, "judged against the promoted gte@1")
        let registry = ModelRegistry(store: store)
        #expect(try registry.promoted(name: "gte")?.version == 2 || second.reason.contains("gte kept"))

        options.settings.graphModel = "ngcf"
        #expect(throws: ConfigurationError.self) {
            try SequenceRetrainStep(
                options: options, store: store, generations: ModelGenerations(), producer: nil, logger: Logger(label: "test"))
        }
    }
}
