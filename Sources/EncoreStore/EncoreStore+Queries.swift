import EncoreCore
import Foundation
import GRDB

extension EncoreStore {
    /// The stored `next_offset` of each partition of `group` (all topics).
    public func nextOffsets(group: String) throws(StoreError) -> [OffsetRow] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT topic, partition, next_offset FROM consumed_offsets WHERE group_id = ?",
                arguments: [group]
            ).map { OffsetRow(topic: $0[0], partition: $0[1], nextOffset: $0[2]) }
        }
    }

    /// A user's stored state for one stage, or `nil`.
    public func userState(_ user: UserIndex, kind: String) throws(StoreError) -> UserStateRow? {
        try read { db in
            try Row.fetchOne(
                db, sql: "SELECT generation, updated_ts_ms, state FROM user_states WHERE user_index = ? AND kind = ?",
                arguments: [user.rawValue, kind]
            ).map {
                UserStateRow(
                    user: user, kind: kind, generation: $0[0], updatedTimestampMs: $0[1], state: [UInt8]($0[2] as Data)
                )
            }
        }
    }

    /// Every stored state of one stage, for warming a cache at start-up.
    public func userStates(kind: String) throws(StoreError) -> [UserStateRow] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT user_index, generation, updated_ts_ms, state FROM user_states WHERE kind = ?",
                arguments: [kind]
            ).map {
                UserStateRow(
                    user: UserIndex($0[0] as Int32), kind: kind, generation: $0[1], updatedTimestampMs: $0[2],
                    state: [UInt8]($0[3] as Data)
                )
            }
        }
    }

    /// Row counts of the history tables (operations, tests and the demo report).
    public func counts() throws(StoreError) -> StoreCounts {
        try read { db in
            StoreCounts(
                users: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM users") ?? 0,
                tracks: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tracks") ?? 0,
                listens: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM listens") ?? 0,
                notificationEvents: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM notification_events") ?? 0,
                decisions: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM notification_decisions") ?? 0,
                deadLetters: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM dead_letters") ?? 0
            )
        }
    }

    /// Listens in time order (per user, then time), for training and for rebuilding state.
    ///
    /// - Parameter sinceMs: only listens at or after this event time.
    public func listens(sinceMs: Int64 = 0) throws(StoreError) -> [StoredListen] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT user_index, item_index, ts_ms, skipped, src_partition, src_offset,
                           ms_played, duration_ms, device, source FROM listens
                    WHERE ts_ms >= ? ORDER BY user_index, ts_ms, id
                    """,
                arguments: [sinceMs]
            ).map {
                StoredListen(
                    user: UserIndex($0[0] as Int32), item: ItemIndex($0[1] as Int32), timestampMs: $0[2],
                    skipped: $0[3], position: SourcePosition(partition: $0[4], offset: $0[5]), msPlayed: $0[6],
                    durationMs: $0[7], device: $0[8], source: $0[9]
                )
            }
        }
    }

    /// The dead-letter log, oldest first.
    public func deadLetters(limit: Int = 1000) throws(StoreError) -> [DeadLetterRow] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT dead_letter_id, topic, partition, "offset", reason, detail, message_key, message_value
                    FROM dead_letters ORDER BY id LIMIT ?
                    """,
                arguments: [limit]
            ).map {
                DeadLetterRow(
                    deadLetterID: $0[0], topic: $0[1], position: SourcePosition(partition: $0[2], offset: $0[3]),
                    reason: $0[4], detail: $0[5], key: ($0[6] as Data?).map { [UInt8]($0) },
                    value: [UInt8]($0[7] as Data)
                )
            }
        }
    }
}

/// Row counts of the main tables.
public struct StoreCounts: Sendable, Equatable {
    public var users: Int
    public var tracks: Int
    public var listens: Int
    public var notificationEvents: Int
    public var decisions: Int
    public var deadLetters: Int
}

extension EncoreStore {
    /// How many listens the history holds, in O(log n): the history is append-only, so the
    /// largest row id is the count (the retrain scheduler asks twice a second).
    public func listenCount() throws(StoreError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT MAX(id) FROM listens") ?? 0 }
    }
}

/// A listen as read back from the history.
public struct StoredListen: Sendable, Equatable {
    public var user: UserIndex
    public var item: ItemIndex
    public var timestampMs: Int64
    public var skipped: Bool?
    public var position: SourcePosition
    public var msPlayed: Int64?
    public var durationMs: Int64?
    public var device: String?
    public var source: String?
}

extension EncoreStore {
    /// Streams every listen's item and event time in insertion order, without materialising the
    /// history (rebuilding popularity at start-up).
    public func forEachListenTime(_ body: (ItemIndex, Int64) -> Void) throws(StoreError) {
        try read { db in
            let cursor = try Row.fetchCursor(db, sql: "SELECT item_index, ts_ms FROM listens ORDER BY id")
            while let row = try cursor.next() { body(ItemIndex(row[0] as Int32), row[1]) }
        }
    }
}

extension EncoreStore {
    /// The stored decision with this id, if the request was decided before.
    ///
    /// - Parameter userID: the external id of the decision's user (the table keeps the index).
    public func decision(id: String, userID: UserID) throws(StoreError) -> NotificationDecision? {
        try read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT request_id, notification_id, action, send_at_ms, p_open, model, reason
                    FROM notification_decisions WHERE decision_id = ?
                    """,
                arguments: [id]
            ).map {
                NotificationDecision(
                    decisionID: id, requestID: RequestID($0[0]), userID: userID, notificationID: NotificationID($0[1]),
                    action: DecisionAction(rawValue: $0[2]) ?? .suppress, sendAtMs: $0[3], pOpen: $0[4], model: $0[5],
                    reason: $0[6]
                )
            }
        }
    }
}

extension EncoreStore {
    /// The most recent decisions, newest first, with the external user id (the status page).
    public func recentDecisions(limit: Int) throws(StoreError) -> [RecordedDecision] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT d.decision_id, d.request_id, u.user_id, d.notification_id, d.action, d.send_at_ms,
                        d.p_open, d.model, d.reason, d.request_ts_ms
                    FROM notification_decisions d JOIN users u ON u.user_index = d.user_index
                    ORDER BY d.rowid DESC LIMIT ?
                    """,
                arguments: [limit]
            ).map {
                RecordedDecision(
                    decision: NotificationDecision(
                        decisionID: $0[0], requestID: RequestID($0[1]), userID: UserID($0[2]),
                        notificationID: NotificationID($0[3]), action: DecisionAction(rawValue: $0[4]) ?? .suppress,
                        sendAtMs: $0[5], pOpen: $0[6], model: $0[7], reason: $0[8]
                    ),
                    requestTimestampMs: $0[9]
                )
            }
        }
    }

    /// A user's most recent listens (item and event time), newest first.
    public func recentListens(
        of user: UserIndex, limit: Int
    ) throws(StoreError) -> [(item: ItemIndex, timestampMs: Int64)] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT item_index, ts_ms FROM listens WHERE user_index = ? ORDER BY ts_ms DESC, id DESC LIMIT ?",
                arguments: [user.rawValue, limit]
            ).map { (ItemIndex($0[0] as Int32), $0[1]) }
        }
    }

    /// Streams the item and event time of every listen stored after row `afterRowID`, in
    /// insertion order, and returns the last row id seen (or `afterRowID` when none): lets a
    /// reader keep an aggregate up to date without reading the history again.
    public func forEachListenTime(
        afterRowID: Int64, _ body: (ItemIndex, Int64) -> Void
    ) throws(StoreError) -> Int64 {
        try read { db in
            var last = afterRowID
            let cursor = try Row.fetchCursor(
                db, sql: "SELECT id, item_index, ts_ms FROM listens WHERE id > ? ORDER BY id", arguments: [afterRowID]
            )
            while let row = try cursor.next() {
                last = row[0]
                body(ItemIndex(row[1] as Int32), row[2])
            }
            return last
        }
    }
}

/// A stored decision with the event time of the request it answered.
public struct RecordedDecision: Sendable, Equatable {
    public var decision: NotificationDecision
    public var requestTimestampMs: Int64
}
