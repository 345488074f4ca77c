/// Settings of a ``KafkaProducer``.
///
/// The producer always sets `acks=all` and `partitioner=murmur2_random` (keys land on the same
/// partitions as with Java clients); `extra` can override them.
public struct ProducerConfiguration: Sendable {
    /// Broker address and common client settings.
    public var client: KafkaClientConfiguration
    /// `enable.idempotence` (librdkafka default false; Encore true): no duplicates or reordering
    /// from the client's own retries.
    public var idempotent: Bool = true
    /// `linger.ms` (librdkafka default 5 ms): how long to wait to fill a batch.
    public var linger: Duration = .milliseconds(5)
    /// Any other producer property, applied last.
    public var extra: [String: String] = [:]

    /// Creates producer settings.
    public init(
        client: KafkaClientConfiguration, idempotent: Bool = true, linger: Duration = .milliseconds(5),
        extra: [String: String] = [:]
    ) {
        self.client = client
        self.idempotent = idempotent
        self.linger = linger
        self.extra = extra
    }

    /// The librdkafka properties, in application order (later wins).
    var properties: [(String, String)] {
        var result = client.typedProperties
        result += [
            ("enable.idempotence", idempotent ? "true" : "false"),
            ("acks", "all"),
            ("linger.ms", String(linger.rdKafkaMilliseconds)),
            ("partitioner", "murmur2_random"),
        ]
        result += client.extraProperties
        result += extra.sorted { $0.key < $1.key }
        return result
    }
}
