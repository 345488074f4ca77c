/// A topic to create, on a real cluster (``KafkaAdmin``) or on the ``EmbeddedBroker``.
public struct TopicSpecification: Sendable {
    /// The topic name.
    public var name: String
    /// The number of partitions.
    public var partitions: Int32
    /// The replication factor (at most the broker count).
    public var replicationFactor: Int16 = 1
    /// Topic configuration, e.g. `cleanup.policy=compact` (ignored by the embedded broker).
    public var config: [String: String] = [:]

    /// Creates a topic specification.
    public init(name: String, partitions: Int32, replicationFactor: Int16 = 1, config: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.config = config
    }
}
