/// Settings shared by consumers, producers and admin clients.
///
/// Only what Encore decides is typed; `extra` passes any librdkafka property
/// (see librdkafka's CONFIGURATION.md) through unchanged and wins over the typed fields.
public struct KafkaClientConfiguration: Sendable {
    /// `bootstrap.servers`: comma-separated `host:port` list of initial brokers.
    public var bootstrapServers: String
    /// `client.id` (librdkafka default `rdkafka`): shown in broker logs and quotas.
    public var clientID: String = "encore"
    /// Any other librdkafka property, applied after the typed fields.
    public var extra: [String: String] = [:]

    /// Creates client settings.
    public init(bootstrapServers: String, clientID: String = "encore", extra: [String: String] = [:]) {
        self.bootstrapServers = bootstrapServers
        self.clientID = clientID
        self.extra = extra
    }

    /// The librdkafka properties these settings stand for.
    var properties: [(String, String)] { typedProperties + extraProperties }

    /// The typed fields; consumer and producer settings put their own typed fields after these
    /// and ``extraProperties`` last, so that pass-through properties always win.
    var typedProperties: [(String, String)] {
        [("bootstrap.servers", bootstrapServers), ("client.id", clientID), ("socket.nagle.disable", "true")]
    }

    var extraProperties: [(String, String)] { extra.sorted { $0.key < $1.key } }
}
