/// Settings of a ``KafkaConsumer``: a balanced consumer-group member whose offsets live in SQLite.
///
/// The consumer always sets `enable.auto.commit=false`, `enable.auto.offset.store=false`,
/// `auto.offset.reset=error` and `enable.partition.eof=false` (docs/design/streaming-semantics.md §2);
/// `extra` can override them, but Encore's exactly-once state relies on those values.
public struct ConsumerConfiguration: Sendable {
    /// Broker address and common client settings.
    public var client: KafkaClientConfiguration
    /// `group.id`: the consumer group, one per pipeline.
    public var groupID: String
    /// Topics to subscribe to.
    public var topics: [String]
    /// `group.instance.id` (default unset): a stable id per instance enables static membership,
    /// so a restart within the session timeout keeps the same partitions without a rebalance.
    public var groupInstanceID: String? = nil
    /// `session.timeout.ms` (librdkafka default 45 s).
    public var sessionTimeout: Duration = .seconds(45)
    /// `max.poll.interval.ms` (librdkafka default 300 s): the longest allowed gap between polls.
    public var maxPollInterval: Duration = .seconds(300)
    /// Any other consumer property, applied last.
    public var extra: [String: String] = [:]

    /// Creates consumer settings.
    public init(
        client: KafkaClientConfiguration, groupID: String, topics: [String], groupInstanceID: String? = nil,
        sessionTimeout: Duration = .seconds(45), maxPollInterval: Duration = .seconds(300),
        extra: [String: String] = [:]
    ) {
        self.client = client
        self.groupID = groupID
        self.topics = topics
        self.groupInstanceID = groupInstanceID
        self.sessionTimeout = sessionTimeout
        self.maxPollInterval = maxPollInterval
        self.extra = extra
    }

    /// The librdkafka properties, in application order (later wins).
    var properties: [(String, String)] {
        var result = client.typedProperties
        result += [
            ("group.id", groupID),
            ("enable.auto.commit", "false"),
            ("enable.auto.offset.store", "false"),
            ("auto.offset.reset", "error"),
            ("enable.partition.eof", "false"),
            ("session.timeout.ms", String(sessionTimeout.rdKafkaMilliseconds)),
            ("max.poll.interval.ms", String(maxPollInterval.rdKafkaMilliseconds)),
        ]
        if let groupInstanceID { result.append(("group.instance.id", groupInstanceID)) }
        result += client.extraProperties
        result += extra.sorted { $0.key < $1.key }
        return result
    }
}
