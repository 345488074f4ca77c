/// Decodes Encore's own output messages, for the consumers of its topics, the demo report and
/// tests. Same strictness as ``EventDecoder``.
public enum OutputDecoder {
    /// Decodes an `encore.recommendations` message.
    public static func recommendation(_ bytes: [UInt8]) throws(EventRejection) -> Recommendation {
        try decode(bytes) { scanner throws(EventRejection) in
            var result = Recommendation(userID: UserID(""), timestampMs: 0, model: "", items: [], reason: "")
            var seen = (user: false, time: false)
            if try !scanner.beginObject() {
                repeat {
                    let key = try scanner.readKey()
                    if key.equals("user_id") {
                        result.userID = UserID(try scanner.readString(field: "user_id"))
                        seen.user = true
                    } else if key.equals("ts_ms") {
                        result.timestampMs = try scanner.readInteger(field: "ts_ms")
                        seen.time = true
                    } else if key.equals("model") {
                        result.model = try scanner.readString(field: "model")
                    } else if key.equals("reason") {
                        result.reason = try scanner.readString(field: "reason")
                    } else if key.equals("items") {
                        try scanner.readArray(field: "items") { item throws(EventRejection) in
                            var track: String?
                            var score = 0.0
                            guard try !item.beginObject() else { return }
                            repeat {
                                let member = try item.readKey()
                                if member.equals("track_id") {
                                    track = try item.readString(field: "items.track_id")
                                } else if member.equals("score") {
                                    score = try item.readDouble(field: "items.score")
                                } else {
                                    try item.skipValue(depth: 2)
                                }
                            } while try !item.endOfMember()
                            guard let track else {
                                throw EventRejection(.missingField("items.track_id"), detail: "an item has no track_id")
                            }
                            result.items.append(ScoredTrack(trackID: TrackID(track), score: Float(score)))
                        }
                    } else {
                        try scanner.skipValue(depth: 1)
                    }
                } while try !scanner.endOfMember()
            }
            guard seen.user else { throw EventRejection(.missingField("user_id"), detail: "user_id is missing") }
            guard seen.time else { throw EventRejection(.missingField("ts_ms"), detail: "ts_ms is missing") }
            return result
        }
    }

    /// Decodes an `encore.notification-decisions` message.
    public static func decision(_ bytes: [UInt8]) throws(EventRejection) -> NotificationDecision {
        try decode(bytes) { scanner throws(EventRejection) in
            var decisionID: String?
            var requestID: String?
            var userID: String?
            var notificationID: String?
            var action: String?
            var sendAt: Int64?
            var pOpen = 0.0
            var model = ""
            var reason = ""
            if try !scanner.beginObject() {
                repeat {
                    let key = try scanner.readKey()
                    if key.equals("decision_id") {
                        decisionID = try scanner.readString(field: "decision_id")
                    } else if key.equals("request_id") {
                        requestID = try scanner.readString(field: "request_id")
                    } else if key.equals("user_id") {
                        userID = try scanner.readString(field: "user_id")
                    } else if key.equals("notification_id") {
                        notificationID = try scanner.readString(field: "notification_id")
                    } else if key.equals("action") {
                        action = try scanner.readString(field: "action")
                    } else if key.equals("send_at_ms") {
                        sendAt = try scanner.consumeNull() ? nil : try scanner.readInteger(field: "send_at_ms")
                    } else if key.equals("p_open") {
                        pOpen = try scanner.readDouble(field: "p_open")
                    } else if key.equals("model") {
                        model = try scanner.readString(field: "model")
                    } else if key.equals("reason") {
                        reason = try scanner.readString(field: "reason")
                    } else {
                        try scanner.skipValue(depth: 1)
                    }
                } while try !scanner.endOfMember()
            }
            guard let decisionID, let requestID, let userID, let notificationID, let action else {
                throw EventRejection(.missingField("decision"), detail: "a required decision field is missing")
            }
            guard let parsed = DecisionAction(rawValue: action) else {
                throw EventRejection(.invalidValue("action"), detail: "unknown action \(action)")
            }
            return NotificationDecision(
                decisionID: decisionID, requestID: RequestID(requestID), userID: UserID(userID),
                notificationID: NotificationID(notificationID), action: parsed, sendAtMs: sendAt, pOpen: pOpen,
                model: model, reason: reason
            )
        }
    }

    private static func decode<T>(
        _ bytes: [UInt8], _ body: (inout JSONScanner) throws(EventRejection) -> T
    ) throws(EventRejection) -> T {
        let result: Result<T, EventRejection> = bytes.withUnsafeBytes { buffer in
            var scanner = JSONScanner(buffer)
            do throws(EventRejection) {
                let value = try body(&scanner)
                try scanner.finish()
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}
