/// Feedback on a push notification, as carried by `encore.notification-events`.
///
/// Required: `user_id`, `notification_id`, `action` (`sent`, `opened`, `dismissed`), `ts_ms`.
/// Optional: `event_id`, `kind`.
public struct NotificationEvent: Sendable, Equatable {
    public var userID: UserID
    public var notificationID: NotificationID
    public var action: NotificationAction
    /// Event time in milliseconds since the Unix epoch.
    public var timestampMs: Int64
    public var eventID: String?
    public var kind: String?

    public init(
        userID: UserID, notificationID: NotificationID, action: NotificationAction, timestampMs: Int64,
        eventID: String? = nil, kind: String? = nil
    ) {
        self.userID = userID
        self.notificationID = notificationID
        self.action = action
        self.timestampMs = timestampMs
        self.eventID = eventID
        self.kind = kind
    }
}

/// What happened to a notification.
public enum NotificationAction: String, Sendable, CaseIterable, Equatable {
    case sent
    case opened
    case dismissed
}
