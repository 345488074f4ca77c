/// A request to send a notification to a user, to be decided by Encore
/// (`encore.notification-requests`).
///
/// Required: `request_id`, `user_id`, `notification_id`, `ts_ms`. Optional: `kind`,
/// `expires_ts_ms`, `priority`.
public struct NotificationRequest: Sendable, Equatable {
    public var requestID: RequestID
    public var userID: UserID
    public var notificationID: NotificationID
    /// Request time in milliseconds since the Unix epoch.
    public var timestampMs: Int64
    public var kind: String?
    /// After this time the notification is worthless and must not be sent.
    public var expiresMs: Int64?
    public var priority: Int64?

    public init(
        requestID: RequestID, userID: UserID, notificationID: NotificationID, timestampMs: Int64,
        kind: String? = nil, expiresMs: Int64? = nil, priority: Int64? = nil
    ) {
        self.requestID = requestID
        self.userID = userID
        self.notificationID = notificationID
        self.timestampMs = timestampMs
        self.kind = kind
        self.expiresMs = expiresMs
        self.priority = priority
    }
}
