import EncoreCore
import EncoreKafka
import EncoreModels
import EncoreNumerics
import EncorePipeline
@testable import EncoreStages
import EncoreSimulation
import EncoreStore
import EncoreTestSupport
import EncoreTraining
import Foundation
import Testing

/// The C-3PO stage in the real notification pipeline (embedded broker, SQLite): the rule
/// fallback without a model, a model trained from the stored history and loaded from the
/// registry, exactly-once state across crashes, and deterministic decisions on replay.
@Suite(.timeLimit(.minutes(5)))
struct C3POPipelineTests {
    /// A small seeded simulation, by topic.
    static func simulatedStream(users: Int = 30, days: Int = 3, seed: UInt64 = 5) throws -> [EncoreTopic: [(key: String, value: [UInt8])]] {
        let simulator = try MusicSimulator(configuration: SimulationConfiguration(
            users: users, tracks: 200, artists: 20, days: days, seed: seed))
        var records: [EncoreTopic: [(key: String, value: [UInt8])]] = [:]
        for event in simulator.makeEventStream() {
            if case .track = event { continue }
            records[event.topic, default: []].append((event.key, event.encoded()))
        }
        return records
    }

    static func definition(maxRecords: Int) -> PipelineDefinition {
        PipelineDefinition(
            name: "notifications", consumerGroup: "notifications-\(UUID().uuidString)",
            inputs: [.notificationEvents, .notificationRequests, .listens],
            batch: .init(maxRecords: maxRecords, maxWait: .milliseconds(50)), stages: [C3POStage.Settings()])
    }

    static func produce(_ stream: [EncoreTopic: [(key: String, value: [UInt8])]], to harness: PipelineHarness) throws {
        for (topic, records) in stream { try harness.produce(topic, records) }
    }

    static func allDecided(_ storePath: String, requests: Int) -> @Sendable (PipelineStatus) -> Bool {
        { status in ((try? EncoreStore(path: storePath).counts().decisions) ?? 0) >= requests && status.lag == 0 }
    }

    @Test func decidesWithTheRuleFallbackThenWithAModelTrainedFromTheStore() async throws {
        let harness = try PipelineHarness()
        let stream = try Self.simulatedStream()
        try Self.produce(stream, to: harness)
        let requests = stream[.notificationRequests]!.count
        let first = try await harness.run(Self.definition(maxRecords: 200), until: Self.allDecided(harness.storePath, requests: requests))
        #expect(first.error == nil)
        let store = try harness.store()
        let decisions = try harness.readAll(.notificationDecisions, expecting: requests).compactMap { try? OutputDecoder.decision($0.value) }
        #expect(Set(decisions.map(\.decisionID)).count == requests)
        #expect(decisions.allSatisfy { $0.model == C3POStage.fallbackModelName && $0.reason.hasPrefix("rule policy (no trained c3po predictor") })
        #expect(decisions.contains { $0.action == .delay }, "quiet hours move some")

        // Train from the stored history (library call, as the scheduler will) and register it.
        let (predictor, report) = try TimingTraining.train(store: store)
        #expect(report.trainExamples + report.validationExamples == stream[.notificationRequests]!.count)
        let otherStore = FileManager.default.temporaryDirectory.appendingPathComponent("encore-c3po-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: otherStore + suffix) } }
        let version = try TimingTraining.save(predictor, to: try EncoreStore(path: otherStore), metrics: report.metrics, epochs: report.epochs)
        #expect(version == 1)

        // A fresh store with the model: the stage loads it at start.
        let runner = PipelineRunner(
            definition: Self.definition(maxRecords: 200), environment: try harness.environment(storePath: otherStore),
            logger: harness.logger)
        let task = Task { try await runner.run() }
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, !Self.allDecided(otherStore, requests: requests)(runner.status) {
            try await Task.sleep(for: .milliseconds(50))
        }
        runner.requestStop()
        try await task.value
        let modelStore = try EncoreStore(path: otherStore)
        let users = try IdentifierMap(kind: .users, store: modelStore)
        var models = Set<String>()
        for record in stream[.notificationRequests]! {
            let request = try EventDecoder.notificationRequest(record.value)
            let decision = try #require(try modelStore.decision(id: RuleBaseline.decisionID(for: request.requestID), userID: request.userID))
            models.insert(decision.model)
            #expect(decision.pOpen > 0 && decision.pOpen < 1)
        }
        #expect(models == ["c3po@1"])
        #expect(try modelStore.userStates(kind: C3POUserState.kind).count == users.count)

        // Hot swap between batches.
        let stage = C3POStage(settings: C3POStage.Settings())
        #expect(stage.modelLabel == C3POStage.fallbackModelName)
        stage.install(predictor, version: 7)
        #expect(stage.modelLabel == "c3po@7")
    }

    @Test func aPredictorInstalledInTheGenerationsIsUsedFromTheNextBatch() async throws {
        let harness = try PipelineHarness()
        let stream = try Self.simulatedStream(users: 20, days: 2)
        let requests = stream[.notificationRequests]!
        let half = requests.count / 2
        var firstPart = stream
        firstPart[.notificationRequests] = Array(requests.prefix(half))
        try Self.produce(firstPart, to: harness)
        let environment = try harness.environment()
        let definition = Self.definition(maxRecords: 100)
        _ = try await harness.run(
            PipelineRunner(definition: definition, environment: environment, logger: harness.logger),
            until: Self.allDecided(harness.storePath, requests: half))
        let (predictor, _) = try TimingTraining.train(store: try harness.store())

        // The retrain cycle's hot swap: install into the shared generations, then keep consuming.
        environment.generations.install(timing: predictor, version: 4)
        try harness.produce(.notificationRequests, Array(requests.suffix(from: half)))
        _ = try await harness.run(
            PipelineRunner(definition: definition, environment: environment, logger: harness.logger),
            until: Self.allDecided(harness.storePath, requests: requests.count))
        let store = try harness.store()
        for (index, record) in requests.enumerated() {
            let request = try EventDecoder.notificationRequest(record.value)
            let decision = try #require(try store.decision(id: RuleBaseline.decisionID(for: request.requestID), userID: request.userID))
            #expect(decision.model == (index < half ? C3POStage.fallbackModelName : "c3po@4"), "request \(index)")
        }
    }

    @Test(arguments: FaultInjection.Point.allCases)
    func stateIsExactlyOnceAcrossACrash(point: FaultInjection.Point) async throws {
        let harness = try PipelineHarness()
        let stream = try Self.simulatedStream(users: 20, days: 2, seed: 9)
        try Self.produce(stream, to: harness)
        let requests = stream[.notificationRequests]!.count
        let total = stream.values.reduce(0) { $0 + $1.count }

        // A crash-free run on its own store.
        let cleanPath = FileManager.default.temporaryDirectory.appendingPathComponent("encore-c3po-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: cleanPath + suffix) } }
        let cleanDefinition = Self.definition(maxRecords: 500)
        let cleanRunner = PipelineRunner(definition: cleanDefinition, environment: try harness.environment(storePath: cleanPath), logger: harness.logger)
        let cleanTask = Task { try await cleanRunner.run() }
        while !Self.allDecided(cleanPath, requests: requests)(cleanRunner.status) { try await Task.sleep(for: .milliseconds(50)) }
        cleanRunner.requestStop()
        try await cleanTask.value

        // Crash at batch 3, restart on the same store.
        let definition = Self.definition(maxRecords: 40)
        let crashed = try await harness.run(definition, fault: FaultInjection(point: point, batch: 3)) { _ in false }
        #expect((crashed.error as? PipelineError)?.code == .injectedCrash)
        let restarted = try await harness.run(definition, until: Self.allDecided(harness.storePath, requests: requests))
        #expect(restarted.error == nil)

        let store = try harness.store(), clean = try EncoreStore(path: cleanPath)
        #expect(try store.counts().decisions == requests)
        #expect(try store.counts().listens == 0, "the notification pipeline reads listens but does not store them")
        #expect(try store.nextOffsets(group: definition.consumerGroup).reduce(0) { $0 + $1.nextOffset } == Int64(total))
        let states = try Self.states(store), cleanStates = try Self.states(clean)
        #expect(states.count == cleanStates.count && !states.isEmpty)
        let at: Int64 = 1_767_571_200_000 + 10 * 86_400_000
        for (user, state) in states {
            let expected = try #require(cleanStates[user])
            // Exact: the click sequence, the send times, the recency fields.
            #expect(state.features.sequence == expected.features.sequence, "user \(user)")
            #expect(state.features.sendTimesMs == expected.features.sendTimesMs)
            #expect(state.features.lastSendMs == expected.features.lastSendMs)
            #expect(state.features.lastOpenMs == expected.features.lastOpenMs)
            #expect(state.features.lastListenMs == expected.features.lastListenMs)
            // Decayed sums (listens interleave with feedback in any order across topics, so only
            // rounding may differ); an event applied twice would add a whole unit.
            func close(_ a: Float, _ b: Float) -> Bool { abs(a - b) <= 1e-3 * max(1, abs(b)) }
            #expect(close(state.features.decayedSends(at: at), expected.features.decayedSends(at: at)))
            #expect(close(state.features.decayedOpens(at: at), expected.features.decayedOpens(at: at)))
            let listens = state.features.listensByHour.reduce(0, +) * state.features.decayFactor(at: at)
            let expectedListens = expected.features.listensByHour.reduce(0, +) * expected.features.decayFactor(at: at)
            #expect(close(listens, expectedListens), "user \(user): \(listens) vs \(expectedListens)")
        }
    }

    static func states(_ store: EncoreStore) throws -> [String: C3POUserState] {
        let users = try IdentifierMap(kind: .users, store: store)
        var result: [String: C3POUserState] = [:]
        for row in try store.userStates(kind: C3POUserState.kind) {
            let id = try #require(users.id(at: row.user.rawValue))
            guard let state = C3POUserState(decoding: row.state) else {
                throw StoreError(.corrupt, "the c3po state of \(id) does not decode")
            }
            result[id] = state
        }
        return result
    }

    @Test func replayedDecisionsAreIdenticalWhateverTheBatchBoundaries() throws {
        let simulator = try MusicSimulator(configuration: SimulationConfiguration(users: 40, tracks: 200, artists: 20, days: 4, seed: 3))
        var builder = TimingExampleBuilder()
        var events: [SimulatedEvent] = []
        for event in simulator.makeEventStream() {
            switch event {
            case .listen(let listen): builder.listen(user: Int32(simulator.groundTruth.userIndex(of: listen.userID)!), atMs: listen.timestampMs)
            case .notification(let n):
                let user = Int32(simulator.groundTruth.userIndex(of: n.userID)!)
                let key = TimingFeatureState.notificationKey(n.notificationID.rawValue)
                switch n.action {
                case .sent: builder.sent(user: user, notificationKey: key, atMs: n.timestampMs)
                case .opened: builder.opened(user: user, notificationKey: key, atMs: n.timestampMs)
                case .dismissed: builder.dismissed(user: user, notificationKey: key, atMs: n.timestampMs)
                }
            default: break
            }
            if case .track = event { continue }
            events.append(event)
        }
        var options = TimingTrainer.Options()
        options.epochs = 3
        let predictor = try TimingTraining.train(examples: builder.examples, options: options).predictor
        func replay(maximumQueue: Int) -> [NotificationDecision] {
            let replay = C3POReplay(settings: C3POStage.Settings(), predictor: predictor, maximumQueue: maximumQueue)
            for event in events {
                switch event {
                case .listen(let listen): replay.listen(user: listen.userID, atMs: listen.timestampMs)
                case .notification(let n): replay.notification(n)
                case .request(let request): replay.request(request, decide: true)
                case .track: break
                }
            }
            replay.flush()
            return replay.c3poDecisions
        }
        let one = replay(maximumQueue: 1), many = replay(maximumQueue: 256), again = replay(maximumQueue: 256)
        #expect(one.count == events.filter { if case .request = $0 { true } else { false } }.count)
        // The same decisions: ids, actions, times and reasons exactly; p(open) to OpenBLAS's
        // rounding (a request scored in a batch of 256 may round differently from one scored
        // alone; see BLASRounding).
        func same(_ a: [NotificationDecision], _ b: [NotificationDecision]) -> Bool {
            guard a.count == b.count else { return false }
            for (x, y) in zip(a, b) {
                var aligned = y
                aligned.pOpen = x.pOpen
                guard x == aligned, BLASRounding.agree([Float(x.pOpen)], [Float(y.pOpen)]) else { return false }
            }
            return true
        }
        #expect(same(one, many) && many == again)
        #expect(Set(one.map(\.action)).count == 3, "send, delay and suppress all occur")
        #expect(one.allSatisfy { $0.model == "c3po@1" })
    }
}
