/// The Kafka topics of Encore's event contract (`schemas/README.md`, one JSON Schema per topic).
///
/// Topic names can be prefixed per deployment (``name(prefix:)``) so that several Encore
/// installations, or tests, can share one cluster.
public enum EncoreTopic: String, CaseIterable, Sendable {
    /// Input: one listening event per message (``ListenEvent``).
    case listens = "encore.listens"
    /// Input: sent / opened / dismissed feedback on notifications (``NotificationEvent``).
    case notificationEvents = "encore.notification-events"
    /// Input: requests to send a notification, to be decided (``NotificationRequest``).
    case notificationRequests = "encore.notification-requests"
    /// Input: track metadata (``TrackMetadata``).
    case tracks = "encore.tracks"
    /// Output: recommendations per user (``Recommendation``).
    case recommendations = "encore.recommendations"
    /// Output: send / delay / suppress decisions (``NotificationDecision``).
    case notificationDecisions = "encore.notification-decisions"
    /// Output (compacted): the item embeddings of the promoted model generation.
    case itemEmbeddings = "encore.item-embeddings"
    /// Output: rejected input records, original bytes unchanged, reason in headers.
    case deadLetters = "encore.dead-letters"

    /// The input topics `encore run` consumes.
    public static let inputs: [EncoreTopic] = [.listens, .notificationEvents, .notificationRequests, .tracks]

    /// The topic's name with an optional deployment prefix (`"test-1."` + `"encore.listens"`).
    public func name(prefix: String = "") -> String { prefix + rawValue }

    /// The topic whose (unprefixed) name is `name` after removing `prefix`, if any.
    public init?(name: String, prefix: String = "") {
        guard name.hasPrefix(prefix) else { return nil }
        self.init(rawValue: String(name.dropFirst(prefix.count)))
    }
}
