import EncoreCore
import Foundation
import GRDB

/// Notification feedback as read back from the history.
public struct StoredNotificationEvent: Sendable, Equatable {
    public var user: UserIndex
    public var notificationID: String
    public var action: NotificationAction
    public var timestampMs: Int64
}

extension EncoreStore {
    /// Every stored notification event, per user then in time order (training C-3PO).
    public func notificationEvents() throws(StoreError) -> [StoredNotificationEvent] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT user_index, notification_id, action, ts_ms FROM notification_events
                    ORDER BY user_index, ts_ms, id
                    """
            ).compactMap { row in
                guard let action = NotificationAction(rawValue: row[2]) else { return nil }
                return StoredNotificationEvent(
                    user: UserIndex(row[0] as Int32), notificationID: row[1], action: action, timestampMs: row[3])
            }
        }
    }
}
