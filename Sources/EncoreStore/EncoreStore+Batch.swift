import Foundation
import EncoreCore
import GRDB

extension EncoreStore {
    /// Writes a consumed batch's state changes **and** its offsets in one transaction.
    ///
    /// Either everything is stored or nothing is: a crash before the commit leaves the previous
    /// offsets, so the batch is consumed and applied again; a crash after it never re-applies it.
    /// Statements are prepared once per connection and reused (no SQL parsing per row).
    ///
    /// - Throws: ``StoreError`` (`write`); `isRetriable` when the database was busy.
    public func commit(_ batch: BatchWrite) throws(StoreError) {
        try commit([batch])
    }

    /// Writes several consecutive batches in one transaction, in order (group commit: a later
    /// batch's state rows and offsets replace an earlier one's). All or none are stored.
    public func commit(_ batches: [BatchWrite]) throws(StoreError) {
        let batches = batches.filter { !$0.isEmpty }
        if batches.isEmpty { return }
        try write { db in
            for batch in batches { try Self.apply(batch, to: db) }
        }
    }

    private static func apply(_ batch: BatchWrite, to db: Database) throws {
        if !batch.tracks.isEmpty {
            let statement = try db.cachedStatement(sql: """
                UPDATE tracks SET title = ?, artist = ?, album = ?, genres = ?, duration_ms = ?
                WHERE item_index = ?
                """)
            for row in batch.tracks {
                let metadata = row.metadata
                try statement.execute(arguments: [
                    metadata.title, metadata.artist, metadata.album,
                    metadata.genres.isEmpty ? nil : metadata.genres.joined(separator: "\u{1F}"),
                    metadata.durationMs, row.item.rawValue,
                ])
            }
        }
        if !batch.listens.isEmpty {
            let insert = try BoundInsert(db, sql: """
                INSERT INTO listens (user_index, item_index, ts_ms, ms_played, duration_ms, skipped, device, source,
                                     src_partition, src_offset)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for row in batch.listens {
                insert.bind(1, Int64(row.user.rawValue))
                insert.bind(2, Int64(row.item.rawValue))
                insert.bind(3, row.timestampMs)
                insert.bind(4, row.msPlayed)
                insert.bind(5, row.durationMs)
                insert.bind(6, row.skipped)
                insert.bind(7, row.device)
                insert.bind(8, row.source)
                insert.bind(9, Int64(row.position.partition))
                insert.bind(10, row.position.offset)
                try insert.step()
            }
        }
        if !batch.notificationEvents.isEmpty {
            let insert = try BoundInsert(db, sql: """
                INSERT INTO notification_events (user_index, notification_id, action, ts_ms, kind,
                                                 src_partition, src_offset)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            for row in batch.notificationEvents {
                insert.bind(1, Int64(row.user.rawValue))
                insert.bind(2, row.notificationID)
                insert.bind(3, row.action.rawValue)
                insert.bind(4, row.timestampMs)
                insert.bind(5, row.kind)
                insert.bind(6, Int64(row.position.partition))
                insert.bind(7, row.position.offset)
                try insert.step()
            }
        }
        if !batch.decisions.isEmpty {
            // A replay decides the same request again under the same id: keep one row.
            let statement = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO notification_decisions
                    (decision_id, request_id, user_index, notification_id, request_ts_ms, action, send_at_ms,
                     p_open, model, reason)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for row in batch.decisions {
                let decision = row.decision
                try statement.execute(arguments: [
                    decision.decisionID, decision.requestID.rawValue, row.user.rawValue,
                    decision.notificationID.rawValue, row.requestTimestampMs, decision.action.rawValue,
                    decision.sendAtMs, decision.pOpen, decision.model, decision.reason,
                ])
            }
        }
        if !batch.userStates.isEmpty {
            let upsert = try BoundInsert(db, sql: """
                INSERT INTO user_states (user_index, kind, generation, updated_ts_ms, state) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (user_index, kind) DO UPDATE SET
                    generation = excluded.generation, updated_ts_ms = excluded.updated_ts_ms, state = excluded.state
                """)
            for row in batch.userStates {
                upsert.bind(1, Int64(row.user.rawValue))
                upsert.bind(2, row.kind)
                upsert.bind(3, row.generation)
                upsert.bind(4, row.updatedTimestampMs)
                upsert.bind(5, row.state)
                try upsert.step()
            }
        }
        if !batch.deadLetters.isEmpty {
            let statement = try db.cachedStatement(sql: """
                INSERT INTO dead_letters (dead_letter_id, group_id, topic, partition, "offset", reason, detail,
                                          message_key, message_value, recorded_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for row in batch.deadLetters {
                try statement.execute(arguments: [
                    row.deadLetterID, batch.groupID, row.topic, row.position.partition, row.position.offset,
                    row.reason, row.detail, row.key.map { Data($0) }, Data(row.value), batch.recordedMs,
                ])
            }
        }
        if !batch.offsets.isEmpty {
            let statement = try db.cachedStatement(sql: """
                INSERT INTO consumed_offsets (group_id, topic, partition, next_offset, updated_ms)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (group_id, topic, partition) DO UPDATE SET
                    next_offset = excluded.next_offset, updated_ms = excluded.updated_ms
                """)
            for row in batch.offsets {
                try statement.execute(arguments: [
                    batch.groupID, row.topic, row.partition, row.nextOffset, batch.recordedMs,
                ])
            }
        }
    }
}
