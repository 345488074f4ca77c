/// Decodes and validates the input events of the contract from their JSON bytes.
///
/// This is on the hot path (every consumed record passes through it), so it reads the bytes in
/// place with ``JSONScanner`` and never goes through `Foundation`. Rules:
/// - a message larger than ``maximumMessageBytes`` is rejected as `too_large` unread;
/// - the message must be one JSON object; unknown members are ignored (but must be valid JSON);
/// - a required member that is absent is `missing_field:NAME`; a member of the wrong JSON type is
///   `wrong_type:NAME`; `null` counts as absent for optional members;
/// - times must lie in `0...maximumTimestampMs` (`invalid_value:ts_ms` otherwise).
public enum EventDecoder {
    /// Messages above 64 KiB are rejected without parsing.
    public static let maximumMessageBytes = 64 * 1024
    /// 2100-01-01T00:00:00Z in epoch milliseconds; later event times are treated as corrupt.
    public static let maximumTimestampMs: Int64 = 4_102_444_800_000

    // MARK: Listens

    /// Decodes an `encore.listens` record.
    public static func listen(_ bytes: UnsafeRawBufferPointer) throws(EventRejection) -> ListenEvent {
        try checkSize(bytes)
        var scanner = JSONScanner(bytes)
        var userID: String?
        var trackID: String?
        var timestamp: Int64?
        var eventID: String?
        var msPlayed: Int64?
        var durationMs: Int64?
        var skipped: Bool?
        var context: ListenContext?
        if try !scanner.beginObject() {
            repeat {
                let key = try scanner.readKey()
                if key.equals("user_id") {
                    userID = try scanner.consumeNull() ? nil : try scanner.readString(field: "user_id")
                } else if key.equals("track_id") {
                    trackID = try scanner.consumeNull() ? nil : try scanner.readString(field: "track_id")
                } else if key.equals("ts_ms") {
                    timestamp = try scanner.consumeNull() ? nil : try scanner.readInteger(field: "ts_ms")
                } else if key.equals("event_id") {
                    eventID = try scanner.consumeNull() ? nil : try scanner.readString(field: "event_id")
                } else if key.equals("ms_played") {
                    msPlayed = try scanner.consumeNull() ? nil : try scanner.readInteger(field: "ms_played")
                } else if key.equals("duration_ms") {
                    durationMs = try scanner.consumeNull() ? nil : try scanner.readInteger(field: "duration_ms")
                } else if key.equals("skipped") {
                    skipped = try scanner.consumeNull() ? nil : try scanner.readBool(field: "skipped")
                } else if key.equals("context") {
                    context = try scanner.consumeNull() ? nil : try readContext(&scanner)
                } else {
                    try scanner.skipValue(depth: 1)
                }
            } while try !scanner.endOfMember()
        }
        try scanner.finish()
        guard let userID else { throw missing("user_id") }
        guard let trackID else { throw missing("track_id") }
        guard let timestamp else { throw missing("ts_ms") }
        try checkIdentifier(userID, field: "user_id")
        try checkIdentifier(trackID, field: "track_id")
        try checkTimestamp(timestamp, field: "ts_ms")
        if let msPlayed, msPlayed < 0 { throw EventRejection(.invalidValue("ms_played"), detail: "ms_played is negative") }
        if let durationMs, durationMs < 0 {
            throw EventRejection(.invalidValue("duration_ms"), detail: "duration_ms is negative")
        }
        return ListenEvent(
            userID: UserID(userID), trackID: TrackID(trackID), timestampMs: timestamp, eventID: eventID,
            msPlayed: msPlayed, durationMs: durationMs, skipped: skipped, context: context
        )
    }

    private static func readContext(_ scanner: inout JSONScanner) throws(EventRejection) -> ListenContext {
        guard scanner.atObject else {
            try scanner.skipValue(depth: 1)
            throw EventRejection(.wrongType("context"), detail: "context must be an object")
        }
        var context = ListenContext()
        if try !scanner.beginObject() {
            repeat {
                let key = try scanner.readKey()
                if key.equals("device") {
                    context.device = try scanner.consumeNull() ? nil : try scanner.readString(field: "context.device")
                } else if key.equals("source") {
                    context.source = try scanner.consumeNull() ? nil : try scanner.readString(field: "context.source")
                } else {
                    try scanner.skipValue(depth: 2)
                }
            } while try !scanner.endOfMember()
        }
        return context
    }

    // MARK: Notification events

    /// Decodes an `encore.notification-events` record.
    public static func notificationEvent(_ bytes: UnsafeRawBufferPointer) throws(EventRejection) -> NotificationEvent {
        try checkSize(bytes)
        var scanner = JSONScanner(bytes)
        var userID: String?
        var notificationID: String?
        var action: String?
        var timestamp: Int64?
        var eventID: String?
        var kind: String?
        if try !scanner.beginObject() {
            repeat {
                let key = try scanner.readKey()
                if key.equals("user_id") {
                    userID = try scanner.consumeNull() ? nil : try scanner.readString(field: "user_id")
                } else if key.equals("notification_id") {
                    notificationID = try scanner.consumeNull() ? nil : try scanner.readString(field: "notification_id")
                } else if key.equals("action") {
                    action = try scanner.consumeNull() ? nil : try scanner.readString(field: "action")
                } else if key.equals("ts_ms") {
                    timestamp = try scanner.consumeNull() ? nil : try scanner.readInteger(field: "ts_ms")
                } else if key.equals("event_id") {
                    eventID = try scanner.consumeNull() ? nil : try scanner.readString(field: "event_id")
                } else if key.equals("kind") {
                    kind = try scanner.consumeNull() ? nil : try scanner.readString(field: "kind")
                } else {
                    try scanner.skipValue(depth: 1)
                }
            } while try !scanner.endOfMember()
        }
        try scanner.finish()
        guard let userID else { throw missing("user_id") }
        guard let notificationID else { throw missing("notification_id") }
        guard let action else { throw missing("action") }
        guard let timestamp else { throw missing("ts_ms") }
        try checkIdentifier(userID, field: "user_id")
        try checkIdentifier(notificationID, field: "notification_id")
        guard let parsedAction = NotificationAction(rawValue: action) else {
            throw EventRejection(.invalidValue("action"), detail: "action must be sent, opened or dismissed, not '\(action)'")
        }
        try checkTimestamp(timestamp, field: "ts_ms")
        return NotificationEvent(
            userID: UserID(userID), notificationID: NotificationID(notificationID), action: parsedAction,
            timestampMs: timestamp, eventID: eventID, kind: kind
        )
    }

    // MARK: Notification requests

    /// Decodes an `encore.notification-requests` record.
    public static func notificationRequest(
        _ bytes: UnsafeRawBufferPointer
    ) throws(EventRejection) -> NotificationRequest {
        try checkSize(bytes)
        var scanner = JSONScanner(bytes)
        var requestID: String?
        var userID: String?
        var notificationID: String?
        var timestamp: Int64?
        var kind: String?
        var expires: Int64?
        var priority: Int64?
        if try !scanner.beginObject() {
            repeat {
                let key = try scanner.readKey()
                if key.equals("request_id") {
                    requestID = try scanner.consumeNull() ? nil : try scanner.readString(field: "request_id")
                } else if key.equals("user_id") {
                    userID = try scanner.consumeNull() ? nil : try scanner.readString(field: "user_id")
                } else if key.equals("notification_id") {
                    notificationID = try scanner.consumeNull() ? nil : try scanner.readString(field: "notification_id")
                } else if key.equals("ts_ms") {
                    timestamp = try scanner.consumeNull() ? nil : try scanner.readInteger(field: "ts_ms")
                } else if key.equals("kind") {
                    kind = try scanner.consumeNull() ? nil : try scanner.readString(field: "kind")
                } else if key.equals("expires_ts_ms") {
                    expires = try scanner.consumeNull() ? nil : try scanner.readInteger(field: "expires_ts_ms")
                } else if key.equals("priority") {
                    priority = try scanner.consumeNull() ? nil : try scanner.readInteger(field: "priority")
                } else {
                    try scanner.skipValue(depth: 1)
                }
            } while try !scanner.endOfMember()
        }
        try scanner.finish()
        guard let requestID else { throw missing("request_id") }
        guard let userID else { throw missing("user_id") }
        guard let notificationID else { throw missing("notification_id") }
        guard let timestamp else { throw missing("ts_ms") }
        try checkIdentifier(requestID, field: "request_id")
        try checkIdentifier(userID, field: "user_id")
        try checkIdentifier(notificationID, field: "notification_id")
        try checkTimestamp(timestamp, field: "ts_ms")
        if let expires { try checkTimestamp(expires, field: "expires_ts_ms") }
        return NotificationRequest(
            requestID: RequestID(requestID), userID: UserID(userID), notificationID: NotificationID(notificationID),
            timestampMs: timestamp, kind: kind, expiresMs: expires, priority: priority
        )
    }

    // MARK: Tracks

    /// Decodes an `encore.tracks` record.
    public static func trackMetadata(_ bytes: UnsafeRawBufferPointer) throws(EventRejection) -> TrackMetadata {
        try checkSize(bytes)
        var scanner = JSONScanner(bytes)
        var track = TrackMetadata(trackID: TrackID(""))
        var trackID: String?
        if try !scanner.beginObject() {
            repeat {
                let key = try scanner.readKey()
                if key.equals("track_id") {
                    trackID = try scanner.consumeNull() ? nil : try scanner.readString(field: "track_id")
                } else if key.equals("title") {
                    track.title = try scanner.consumeNull() ? nil : try scanner.readString(field: "title")
                } else if key.equals("artist") {
                    track.artist = try scanner.consumeNull() ? nil : try scanner.readString(field: "artist")
                } else if key.equals("album") {
                    track.album = try scanner.consumeNull() ? nil : try scanner.readString(field: "album")
                } else if key.equals("genres") {
                    track.genres = try scanner.consumeNull() ? [] : try scanner.readStringArray(field: "genres")
                } else if key.equals("duration_ms") {
                    track.durationMs = try scanner.consumeNull() ? nil : try scanner.readInteger(field: "duration_ms")
                } else {
                    try scanner.skipValue(depth: 1)
                }
            } while try !scanner.endOfMember()
        }
        try scanner.finish()
        guard let trackID else { throw missing("track_id") }
        try checkIdentifier(trackID, field: "track_id")
        // The same rule as on encore.listens: a length is never negative (schemas/README.md).
        if let durationMs = track.durationMs, durationMs < 0 {
            throw EventRejection(.invalidValue("duration_ms"), detail: "duration_ms is negative")
        }
        track.trackID = TrackID(trackID)
        return track
    }

    // MARK: Conveniences

    /// Decodes from an array of bytes.
    public static func listen(_ bytes: [UInt8]) throws(EventRejection) -> ListenEvent {
        try withBytes(bytes) { buffer throws(EventRejection) in try listen(buffer) }
    }

    /// Decodes from an array of bytes.
    public static func notificationEvent(_ bytes: [UInt8]) throws(EventRejection) -> NotificationEvent {
        try withBytes(bytes) { buffer throws(EventRejection) in try notificationEvent(buffer) }
    }

    /// Decodes from an array of bytes.
    public static func notificationRequest(_ bytes: [UInt8]) throws(EventRejection) -> NotificationRequest {
        try withBytes(bytes) { buffer throws(EventRejection) in try notificationRequest(buffer) }
    }

    /// Decodes from an array of bytes.
    public static func trackMetadata(_ bytes: [UInt8]) throws(EventRejection) -> TrackMetadata {
        try withBytes(bytes) { buffer throws(EventRejection) in try trackMetadata(buffer) }
    }

    private static func withBytes<T>(
        _ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(EventRejection) -> T
    ) throws(EventRejection) -> T {
        let result: Result<T, EventRejection> = bytes.withUnsafeBytes { buffer in
            do throws(EventRejection) { return .success(try body(buffer)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    // MARK: Validation

    @inline(__always) private static func checkSize(_ bytes: UnsafeRawBufferPointer) throws(EventRejection) {
        if bytes.count > maximumMessageBytes {
            throw EventRejection(.tooLarge, detail: "\(bytes.count) bytes exceed the \(maximumMessageBytes)-byte limit")
        }
    }

    @inline(__always) private static func checkIdentifier(_ value: String, field: StaticString) throws(EventRejection) {
        if value.isEmpty { throw EventRejection(.invalidValue(field.description), detail: "\(field) is empty") }
    }

    @inline(__always) private static func checkTimestamp(_ value: Int64, field: StaticString) throws(EventRejection) {
        if value < 0 || value > maximumTimestampMs {
            throw EventRejection(
                .invalidValue(field.description),
                detail: "\(field) \(value) is outside 0...\(maximumTimestampMs) (epoch milliseconds, before 2100)"
            )
        }
    }

    private static func missing(_ field: String) -> EventRejection {
        EventRejection(.missingField(field), detail: "required field \(field) is missing")
    }
}
