/// JSON encodings of every event and output of the contract, written with ``JSONWriter``.
///
/// Inputs are encoded too: the simulator and tests produce them, and a round trip
/// (`encode` then ``EventDecoder``) must give back the same value.
extension JSONWriter {
    public mutating func write(_ event: ListenEvent) {
        beginObject()
        string("user_id", event.userID.rawValue)
        string("track_id", event.trackID.rawValue)
        integer("ts_ms", event.timestampMs)
        string("event_id", event.eventID)
        integer("ms_played", event.msPlayed)
        integer("duration_ms", event.durationMs)
        bool("skipped", event.skipped)
        if let context = event.context {
            beginObject("context")
            string("device", context.device)
            string("source", context.source)
            endObject()
        }
        endObject()
    }

    public mutating func write(_ event: NotificationEvent) {
        beginObject()
        string("user_id", event.userID.rawValue)
        string("notification_id", event.notificationID.rawValue)
        string("action", event.action.rawValue)
        integer("ts_ms", event.timestampMs)
        string("event_id", event.eventID)
        string("kind", event.kind)
        endObject()
    }

    public mutating func write(_ request: NotificationRequest) {
        beginObject()
        string("request_id", request.requestID.rawValue)
        string("user_id", request.userID.rawValue)
        string("notification_id", request.notificationID.rawValue)
        integer("ts_ms", request.timestampMs)
        string("kind", request.kind)
        integer("expires_ts_ms", request.expiresMs)
        integer("priority", request.priority)
        endObject()
    }

    public mutating func write(_ track: TrackMetadata) {
        beginObject()
        string("track_id", track.trackID.rawValue)
        string("title", track.title)
        string("artist", track.artist)
        string("album", track.album)
        if !track.genres.isEmpty {
            beginArray("genres")
            for genre in track.genres { element(genre) }
            endArray()
        }
        integer("duration_ms", track.durationMs)
        endObject()
    }

    public mutating func write(_ recommendation: Recommendation) {
        beginObject()
        string("user_id", recommendation.userID.rawValue)
        integer("ts_ms", recommendation.timestampMs)
        string("model", recommendation.model)
        beginArray("items")
        for item in recommendation.items {
            beginObject()
            string("track_id", item.trackID.rawValue)
            number("score", Double(item.score))
            endObject()
        }
        endArray()
        string("reason", recommendation.reason)
        endObject()
    }

    public mutating func write(_ decision: NotificationDecision) {
        beginObject()
        string("decision_id", decision.decisionID)
        string("request_id", decision.requestID.rawValue)
        string("user_id", decision.userID.rawValue)
        string("notification_id", decision.notificationID.rawValue)
        string("action", decision.action.rawValue)
        integer("send_at_ms", decision.sendAtMs)
        number("p_open", decision.pOpen)
        string("model", decision.model)
        string("reason", decision.reason)
        endObject()
    }

    public mutating func write(_ embedding: ItemEmbedding) {
        beginObject()
        string("track_id", embedding.trackID.rawValue)
        string("model", embedding.model)
        floats("vector", embedding.vector)
        endObject()
    }
}

/// One-shot encoding helpers.
public enum EventEncoder {
    public static func encode(_ event: ListenEvent) -> [UInt8] { encode { $0.write(event) } }
    public static func encode(_ event: NotificationEvent) -> [UInt8] { encode { $0.write(event) } }
    public static func encode(_ request: NotificationRequest) -> [UInt8] { encode { $0.write(request) } }
    public static func encode(_ track: TrackMetadata) -> [UInt8] { encode { $0.write(track) } }
    public static func encode(_ recommendation: Recommendation) -> [UInt8] { encode { $0.write(recommendation) } }
    public static func encode(_ decision: NotificationDecision) -> [UInt8] { encode { $0.write(decision) } }
    public static func encode(_ embedding: ItemEmbedding) -> [UInt8] { encode { $0.write(embedding) } }

    private static func encode(_ body: (inout JSONWriter) -> Void) -> [UInt8] {
        var writer = JSONWriter()
        body(&writer)
        return writer.bytes
    }
}
