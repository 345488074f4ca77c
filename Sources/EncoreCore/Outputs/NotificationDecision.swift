/// The decision on one notification request (`encore.notification-decisions`).
///
/// `decisionID` is derived deterministically from the request id, so a replay after a crash
/// emits the same decision under the same id and consumers can de-duplicate.
public struct NotificationDecision: Sendable, Equatable {
    public var decisionID: String
    public var requestID: RequestID
    public var userID: UserID
    public var notificationID: NotificationID
    public var action: DecisionAction
    /// When to send (the request time for `send`, later for `delay`); `nil` for `suppress`.
    public var sendAtMs: Int64?
    /// The predicted probability that the notification is opened at `sendAtMs`.
    public var pOpen: Double
    /// `name@version` of the model or rule set that decided.
    public var model: String
    public var reason: String

    public init(
        decisionID: String, requestID: RequestID, userID: UserID, notificationID: NotificationID,
        action: DecisionAction, sendAtMs: Int64?, pOpen: Double, model: String, reason: String
    ) {
        self.decisionID = decisionID
        self.requestID = requestID
        self.userID = userID
        self.notificationID = notificationID
        self.action = action
        self.sendAtMs = sendAtMs
        self.pOpen = pOpen
        self.model = model
        self.reason = reason
    }
}

/// What to do with a notification request.
public enum DecisionAction: String, Sendable, CaseIterable, Equatable {
    case send
    case delay
    case suppress
}
