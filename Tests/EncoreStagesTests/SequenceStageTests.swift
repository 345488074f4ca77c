import EncoreCore
import EncoreModels
import EncoreNumerics
import EncoreStore
import EncoreTestSupport
import Foundation
import Testing

import EncorePipeline
@testable import EncoreStages

/// The RNN stage through the real pipeline (embedded broker, SQLite): the live state equals the
/// model run listen by listen, survives a restart, and is rebuilt under a new generation.
@Suite(.timeLimit(.minutes(5)))
struct SequenceStageTests {
    static func generation(id: Int64, seed: UInt64, items: Int = 128, dimension: Int = 16) throws -> MusicGeneration {
        var random = SeededGenerator(seed: seed)
        let vectors = (0..<(items * dimension)).map { _ in random.nextUniform() * 2 - 1 }
        var configuration = SequenceModelConfiguration()
        configuration.hiddenSize = 32
        configuration.seed = seed
        let model = try SequenceModel(
            configuration: configuration,
            items: ItemEmbeddingTable(vectors: vectors, itemCount: items, dimension: dimension, source: "test")
        )
        return MusicGeneration(id: id, model: model, embeddingSource: "test")
    }

    static func definition(maxRecords: Int = 50) -> PipelineDefinition {
        var settings = SequenceStage.Settings()
        settings.topK = 5
        settings.debounce = .seconds(0)
        settings.maximumWave = 8  // several waves and chunks per batch
        settings.scoringThreads = 2  // the parallel scoring path
        return PipelineDefinition(
            name: "music", consumerGroup: "music-\(UUID().uuidString)", inputs: [.listens, .tracks],
            batch: .init(maxRecords: maxRecords, maxWait: .milliseconds(50)), stages: [settings]
        )
    }

    /// Runs the generation over each user's listens one step at a time (count 1), from h = 0,
    /// exactly as a replay does.
    static func expectedStates(
        _ records: [(key: String, value: [UInt8])], store: EncoreStore, generation: MusicGeneration
    ) throws -> [String: SequenceUserState] {
        let tracks = try IdentifierMap(kind: .tracks, store: store)
        var states: [String: SequenceUserState] = [:]
        for record in records {
            let listen = try EventDecoder.listen(record.value)
            let item = try #require(tracks.index(of: listen.trackID.rawValue))
            var event = SequenceUserState.quantize(SequenceStage.sequenceEvent(listen, item: item))
            var state = states[record.key, default: SequenceUserState()]
            event.novel = !state.hasPlayed(item)
            state.remember(event)
            states[record.key] = state
        }
        var workspace = SequenceWorkspace(model: generation.model, maximumCount: 1)
        for key in states.keys { SequenceStage.replay(&states[key]!, generation: generation, workspace: &workspace) }
        return states
    }

    static func storedStates(_ store: EncoreStore) throws -> [String: SequenceUserState] {
        let users = try IdentifierMap(kind: .users, store: store)
        var result: [String: SequenceUserState] = [:]
        for row in try store.userStates(kind: SequenceUserState.kind) {
            let id = try #require(users.id(at: row.user.rawValue))
            let state = try #require(SequenceUserState(decoding: row.state))
            #expect(row.generation == state.generation)
            result[id] = state
        }
        return result
    }

    /// Whether two states are the same computation: equal to OpenBLAS's rounding (a wave's batched
    /// GEMM may block a user's row differently from a step alone; see BLASRounding).
    static func same(_ a: [Float], _ b: [Float]?) -> Bool {
        guard let b else { return false }
        return BLASRounding.agree(a, b)
    }

    @Test("waves of batched steps, persisted per batch, equal the model run listen by listen")
    func streamEqualsSequentialRun() async throws {
        let harness = try PipelineHarness()
        let listens = TestStreams.listens(360, users: 11, tracks: 97)
        try harness.produce(.listens, listens)
        let generation = try Self.generation(id: 1, seed: 5)
        let environment = try harness.environment()
        environment.generations.install(generation)
        let runner = PipelineRunner(definition: Self.definition(), environment: environment, logger: harness.logger)
        let result = try await harness.run(runner) { $0.appliedRecords >= listens.count }
        #expect(result.error == nil)

        let store = try harness.store()
        let stored = try Self.storedStates(store)
        let expected = try Self.expectedStates(listens, store: store, generation: generation)
        #expect(stored.count == expected.count)
        for (user, state) in expected {
            let live = try #require(stored[user])
            #expect(live.ring == state.ring, "user \(user)")
            #expect(live.generation == 1)
            #expect(live.listenCount == Int64(state.ring.count))
            // Waves batch users into one GEMM; each row comes out bit for bit as if it ran alone.
            #expect(Self.same(live.hidden, state.hidden), "user \(user)")
        }
        // Every listen produced a recommendation (no debounce) from this generation.
        let messages = try harness.readAll(.recommendations, expecting: listens.count)
        let recommendations = messages.compactMap { try? OutputDecoder.recommendation($0.value) }
        #expect(recommendations.count >= listens.count)
        #expect(recommendations.allSatisfy { $0.model == "rnn@1" && $0.items.count == 5 })
    }

    @Test("a new generation rebuilds each state by replay before use; outputs never mix generations")
    func generationSwapReplays() async throws {
        let harness = try PipelineHarness()
        let all = TestStreams.listens(300, users: 9, tracks: 61)
        let first = Array(all.prefix(180)), second = Array(all.suffix(120))
        let one = try Self.generation(id: 1, seed: 5), two = try Self.generation(id: 2, seed: 6)
        let environment = try harness.environment()
        environment.generations.install(one)
        let definition = Self.definition()
        try harness.produce(.listens, first)
        _ = try await harness.run(
            PipelineRunner(definition: definition, environment: environment, logger: harness.logger)
        ) { $0.appliedRecords >= first.count }
        #expect(try Self.storedStates(harness.store()).values.allSatisfy { $0.generation == 1 })

        environment.generations.install(two)
        try harness.produce(.listens, second)
        let result = try await harness.run(
            PipelineRunner(definition: definition, environment: environment, logger: harness.logger)
        ) { _ in (try? harness.store().counts().listens) ?? 0 >= all.count }
        #expect(result.error == nil)

        // Every history is shorter than the ring, so replay + the new steps = generation 2 from scratch.
        let store = try harness.store()
        let stored = try Self.storedStates(store)
        let expected = try Self.expectedStates(all, store: store, generation: two)
        for (user, state) in expected {
            let live = try #require(stored[user])
            #expect(live.generation == 2)
            #expect(live.ring == state.ring)
            #expect(Self.same(live.hidden, state.hidden), "user \(user)")
        }
        let secondStart = try EventDecoder.listen(second[0].value).timestampMs
        let recommendations = try harness.readAll(.recommendations, expecting: all.count)
            .compactMap { try? OutputDecoder.recommendation($0.value) }
        #expect(recommendations.count >= all.count)
        for recommendation in recommendations {
            #expect(recommendation.model == (recommendation.timestampMs < secondStart ? "rnn@1" : "rnn@2"))
        }
        // The API answers from the committed state and the current generation.
        let live = LiveRecommendations(
            store: store, users: try IdentifierMap(kind: .users, store: store),
            tracks: try IdentifierMap(kind: .tracks, store: store), generations: environment.generations)
        let answer = try live.recommendation(for: UserID("user-0"), k: 7)
        #expect(answer.model == "rnn@2" && answer.items.count == 7)
        #expect(throws: LiveRecommendations.Unavailable.unknownUser) {
            try live.recommendation(for: UserID("nobody"), k: 7)
        }
    }

    @Test("a swap while the pipeline consumes: per user the outputs switch generation once, no state is lost")
    func swapUnderLoad() async throws {
        let harness = try PipelineHarness()
        let listens = TestStreams.listens(900, users: 17, tracks: 83)
        let one = try Self.generation(id: 1, seed: 5), two = try Self.generation(id: 2, seed: 6)
        let environment = try harness.environment()
        environment.generations.install(one)
        let runner = PipelineRunner(definition: Self.definition(maxRecords: 20), environment: environment, logger: harness.logger)
        let task = Task { try await runner.run() }
        try harness.produce(.listens, Array(listens.prefix(300)))
        let deadline = ContinuousClock.now + .seconds(90)
        while runner.status.appliedRecords < 300, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        // The rest arrives and the new generation is installed (from another thread) while the
        // pipeline consumes it: the swap lands between two of its batches, wherever they are.
        try harness.produce(.listens, Array(listens.suffix(from: 300)))
        environment.generations.install(two)
        while runner.status.appliedRecords < listens.count, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        runner.requestStop()
        try await task.value
        #expect(runner.status.appliedRecords == listens.count)

        let store = try harness.store()
        let stored = try Self.storedStates(store)
        let underOne = try Self.expectedStates(listens, store: store, generation: one)
        let underTwo = try Self.expectedStates(listens, store: store, generation: two)
        for (user, live) in stored {
            // Every listen is in the state once, and the state is exactly its generation's run.
            #expect(live.listenCount == Int64(underTwo[user]?.ring.count ?? -1))
            let expected = live.generation == 2 ? underTwo[user] : underOne[user]
            #expect(Self.same(live.hidden, expected?.hidden), "user \(user), generation \(live.generation)")
        }
        #expect(stored.values.contains { $0.generation == 2 }, "the swap reached the pipeline")
        let recommendations = try harness.readAll(.recommendations, expecting: listens.count)
            .compactMap { try? OutputDecoder.recommendation($0.value) }
        for (user, own) in Dictionary(grouping: recommendations, by: \.userID) {
            let labels = own.sorted { $0.timestampMs < $1.timestampMs }.map(\.model)
            let firstTwo = labels.firstIndex(of: "rnn@2") ?? labels.count
            #expect(labels[..<firstTwo].allSatisfy { $0 == "rnn@1" } && labels[firstTwo...].allSatisfy { $0 == "rnn@2" }, "\(user)")
        }
    }

    @Test("crash mid-stream and restart: every listen advanced its user's state exactly once")
    func crashRestartIsExactlyOnce() async throws {
        let harness = try PipelineHarness()
        let listens = TestStreams.listens(300, users: 13, tracks: 71)
        try harness.produce(.listens, listens)
        let generation = try Self.generation(id: 3, seed: 9)
        let definition = Self.definition()
        var environment = try harness.environment(fault: FaultInjection(point: .afterProduce, batch: 3))
        environment.generations.install(generation)
        let crashed = try await harness.run(
            PipelineRunner(definition: definition, environment: environment, logger: harness.logger)
        ) { _ in false }
        #expect((crashed.error as? PipelineError)?.code == .injectedCrash)
        #expect(try harness.store().counts().listens < listens.count)

        environment.faultInjection = nil
        _ = try await harness.run(
            PipelineRunner(definition: definition, environment: environment, logger: harness.logger)
        ) { status in (try? harness.store().counts().listens) ?? 0 >= listens.count && status.lag == 0 }
        let store = try harness.store()
        #expect(try store.counts().listens == listens.count)
        let stored = try Self.storedStates(store)
        let expected = try Self.expectedStates(listens, store: store, generation: generation)
        for (user, state) in expected {
            let live = try #require(stored[user])
            #expect(live.listenCount == Int64(state.ring.count), "user \(user)")
            #expect(live.ring == state.ring)
            #expect(Self.same(live.hidden, state.hidden), "user \(user)")
        }
    }

    @Test("late listens are stored but do not advance the state")
    func lateListens() async throws {
        let harness = try PipelineHarness(partitions: 1)
        var listens = TestStreams.listens(40, users: 2, tracks: 17)
        // A listen of user-0 from before everything else, at the end of the stream.
        listens.append((
            "user-0",
            EventEncoder.encode(ListenEvent(
                userID: UserID("user-0"), trackID: TrackID("track-3"), timestampMs: TestStreams.day0 - 3_600_000))
        ))
        try harness.produce(.listens, listens)
        let total = listens.count
        let generation = try Self.generation(id: 1, seed: 2)
        let environment = try harness.environment()
        environment.generations.install(generation)
        _ = try await harness.run(
            PipelineRunner(definition: Self.definition(), environment: environment, logger: harness.logger)
        ) { $0.appliedRecords >= total }
        let store = try harness.store()
        #expect(try store.counts().listens == listens.count)
        let stored = try Self.storedStates(store)
        let expected = try Self.expectedStates(Array(listens.dropLast()), store: store, generation: generation)
        let user0 = try #require(stored["user-0"])
        #expect(user0.lateCount == 1)
        #expect(user0.listenCount == 21)
        #expect(user0.ring == expected["user-0"]?.ring)
        #expect(Self.same(user0.hidden, expected["user-0"]?.hidden))
    }
}
