/// A change of a ``KafkaConsumer``'s assignment, reported after librdkafka has applied it.
public enum RebalanceEvent: Sendable, Equatable {
    /// Partitions newly assigned (for the eager protocol: the whole new assignment).
    case assigned([TopicPartition])
    /// Partitions taken away in an orderly rebalance: finish or abandon their in-flight work.
    case revoked([TopicPartition])
    /// Partitions lost (session timeout, poll interval exceeded): another member may already own
    /// them, so abandon their in-flight work.
    case lost([TopicPartition])
}
