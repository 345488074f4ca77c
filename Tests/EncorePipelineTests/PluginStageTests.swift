import EncoreCore
import EncoreKafka
import EncorePipeline
import EncoreStore
import EncoreTestSupport
import Foundation
import Testing

/// A stage that exists only in this test target: it counts each user's listens (state kind
/// `test.listen-counter`) and, every `every` listens of a user, produces a message to a topic of
/// its own. It imports nothing but EncorePipeline's public API — the proof that a new stage is one
/// new folder, with no edit to the hub.
final class ListenCounterStage: PipelineStage {
    struct Settings: StageDefinition, Equatable {
        static let typeName = "listen_counter"
        var every = 3
        var topic = "test.listen-counts"

        static func parse(_ field: YAMLField) throws(ConfigurationError) -> Settings {
            try field.requireMapping(allowedKeys: ["type", "every", "topic"])
            var settings = Settings()
            settings.every = try field["every"].integer(in: 1...1000, default: settings.every)
            settings.topic = try field["topic"].string(default: settings.topic)
            return settings
        }

        var requiredInputs: [EncoreTopic] { [.listens] }

        func makeStage(_ setup: StageSetup) throws -> any PipelineStage {
            ListenCounterStage(settings: self, topic: setup.topicPrefix + topic)
        }
    }

    struct Count: StoredUserState, Equatable {
        static let kind = "test.listen-counter"
        var listens: Int64 = 0
        init() {}
        init?(decoding bytes: [UInt8]) {
            var reader = StateReader(bytes)
            guard reader.version == 1, let listens = reader.int64(), reader.isAtEnd else { return nil }
            self.listens = listens
        }
        func encoded() -> [UInt8] {
            var writer = StateWriter(version: 1)
            writer.append(listens)
            return writer.bytes
        }
    }

    let settings: Settings
    let topic: String
    var users = UserStateCache<Count>()

    init(settings: Settings, topic: String) {
        self.settings = settings
        self.topic = topic
    }

    func reload(from store: EncoreStore) throws(StoreError) { try users.reload(from: store) }

    func process(_ events: [StageEvent], in batch: StageBatch) throws {
        for case .listen(let listen, let user, _, let position) in events {
            let count = users.update(user) { state -> Int64 in
                state.listens += 1
                return state.listens
            }
            guard count % Int64(settings.every) == 0 else { continue }
            let value = Array("{\"user_id\":\"\(listen.userID.rawValue)\",\"listens\":\(count)}".utf8)
            try batch.produce(
                topic: topic, key: Array(listen.userID.rawValue.utf8), value: value,
                id: "count-\(position.partition)-\(position.offset)", timestampMs: listen.timestampMs)
        }
    }

    func commitState(to batch: StageBatch) {
        users.write(into: &batch.write, updatedMs: batch.summary.lastEventMs ?? 0)
        users.clearTouched()
    }
}

@Suite(.serialized) struct PluginStageTests {
    /// The whole registration: one line.
    static let registry = StageRegistry().registering(ListenCounterStage.Settings.self)

    @Test func aStageDefinedInTheTestTargetRunsThroughTheRealPipeline() async throws {
        let harness = try PipelineHarness()
        let outputTopic = harness.prefix + "test.listen-counts"
        try harness.broker.createTopics([TopicSpecification(name: outputTopic, partitions: 2)])
        let definition = try PipelineDefinition.parse(
            """
            name: counting
            consumer_group: counting-\(UUID().uuidString)
            inputs: [listens]
            batch: {max_records: 40, max_wait_ms: 50}
            stages:
              - type: listen_counter
                every: 3
            """, source: "counting.yaml", registry: Self.registry)
        #expect(definition.stages.map(\.typeName) == ["listen_counter"])

        // 300 listens of 10 users (30 each), one malformed record among them; in two runs, so
        // the second resumes from the state and offsets the first committed.
        let listens = TestStreams.listens(300, users: 10)
        try harness.produce(.listens, Array(listens.prefix(150)) + [(key: "user-0", value: Array("{not json".utf8))])
        let first = try await harness.run(definition) { $0.appliedRecords + $0.deadLetters >= 151 }
        #expect(first.error == nil)
        try harness.produce(.listens, Array(listens.suffix(150)))
        let second = try await harness.run(definition) { $0.appliedRecords >= 150 }
        #expect(second.error == nil)

        // State committed with the offsets: every user counted exactly 30 listens, and the stored
        // offsets cover every record of the input (the dead letter included).
        let store = try harness.store()
        let states = try store.userStates(kind: ListenCounterStage.Count.kind)
        #expect(states.count == 10)
        for row in states { #expect(ListenCounterStage.Count(decoding: row.state)?.listens == 30) }
        let stored = try store.nextOffsets(group: definition.consumerGroup).reduce(0) { $0 + $1.nextOffset }
        #expect(stored == 301)

        // Outputs on the stage's own topic: 10 per user (every third listen), each id once.
        let outputs = try harness.readAll(topicNamed: outputTopic, expecting: 100)
        let ids = outputs.compactMap { $0.headers[header: "encore-id"] }
        #expect(outputs.count == 100)
        #expect(Set(ids).count == 100)
        let dead = try harness.readAll(.deadLetters, expecting: 1)
        #expect(dead.count == 1)
    }

    @Test func anUnregisteredTypeIsRejectedWithTheKnownNames() {
        let yaml = "name: x\ninputs: [listens]\nstages:\n  - type: listen_counter\n"
        #expect(throws: ConfigurationError.self) { try PipelineDefinition.parse(yaml, source: "x.yaml", registry: StageRegistry()) }
        do {
            _ = try PipelineDefinition.parse(yaml, source: "x.yaml", registry: StageRegistry())
        } catch {
            #expect(error.description.contains("unknown stage type 'listen_counter'"))
        }
        #expect((try? PipelineDefinition.parse(yaml, source: "x.yaml", registry: Self.registry)) != nil)
    }
}
