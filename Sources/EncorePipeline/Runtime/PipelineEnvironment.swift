import EncoreCore
import EncoreKafka
import EncoreStore

/// What a pipeline runs against: the store and id maps it shares with the other pipelines of
/// the process, the Kafka cluster, and the deployment's topic prefix.
public struct PipelineEnvironment: Sendable {
    public var store: EncoreStore
    public var users: IdentifierMap
    public var tracks: IdentifierMap
    public var kafka: KafkaClientConfiguration
    /// Prepended to every topic name (empty in production; unique per test).
    public var topicPrefix: String
    /// Stable per instance (static group membership); `nil` for dynamic membership.
    public var instanceID: String?
    public var clock: EventClock
    /// Deliberate crash for tests; `nil` in production.
    public var faultInjection: FaultInjection?
    /// Extra consumer properties (e.g. a short `max.poll.interval.ms` in tests).
    public var consumerExtra: [String: String]
    /// The process's current model generations (shared by the pipelines, the scheduler and the API).
    public var generations: ModelGenerations

    public init(
        store: EncoreStore, users: IdentifierMap, tracks: IdentifierMap, kafka: KafkaClientConfiguration,
        topicPrefix: String = "", instanceID: String? = nil, clock: EventClock = .system,
        faultInjection: FaultInjection? = nil, consumerExtra: [String: String] = [:],
        generations: ModelGenerations = ModelGenerations()
    ) {
        self.generations = generations
        self.store = store
        self.users = users
        self.tracks = tracks
        self.kafka = kafka
        self.topicPrefix = topicPrefix
        self.instanceID = instanceID
        self.clock = clock
        self.faultInjection = faultInjection
        self.consumerExtra = consumerExtra
    }

    /// Opens the store at `path` (nil = in memory) with its id maps.
    public static func open(
        storePath: String?, kafka: KafkaClientConfiguration, topicPrefix: String = ""
    ) throws(StoreError) -> PipelineEnvironment {
        let store = try EncoreStore(path: storePath)
        return PipelineEnvironment(
            store: store, users: try IdentifierMap(kind: .users, store: store),
            tracks: try IdentifierMap(kind: .tracks, store: store), kafka: kafka, topicPrefix: topicPrefix
        )
    }
}
