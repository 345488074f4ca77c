import EncoreCore
import EncoreStore
import Foundation
import GRDB
import Testing

@Suite struct EncoreStoreTests {
    private func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("encore-store-\(UUID().uuidString).sqlite").path
    }

    private func listen(_ user: String, _ track: String, _ ts: Int64) -> ListenEvent {
        ListenEvent(userID: UserID(user), trackID: TrackID(track), timestampMs: ts)
    }

    @Test func migratesAnEmptyAndAnExistingDatabase() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = try EncoreStore(path: path)
        let migrations = try first.appliedMigrations()
        #expect(!migrations.isEmpty)
        let users = try IdentifierMap(kind: .users, store: first)
        _ = try users.resolve(["alice"])
        // Reopening an existing, populated database applies nothing new and keeps the data.
        let second = try EncoreStore(path: path)
        #expect(try second.appliedMigrations() == migrations)
        #expect(try second.counts().users == 1)
    }

    @Test func identifierMapsAreStableAcrossRestarts() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try EncoreStore(path: path)
        let map = try IdentifierMap(kind: .tracks, store: store)
        #expect(try map.resolve(["b", "a", "b", "c"]) == [0, 1, 0, 2])
        #expect(try map.resolve(["c", "d"]) == [2, 3])
        let reopened = try IdentifierMap(kind: .tracks, store: EncoreStore(path: path))
        #expect(reopened.count == 4)
        #expect(reopened.allIDs() == ["b", "a", "c", "d"])
        #expect(try reopened.resolve(["d", "e", "a"]) == [3, 4, 1])
        #expect(reopened.id(at: 4) == "e")
    }

    @Test func concurrentResolversNeverShareAnIndex() async throws {
        let store = try EncoreStore(path: nil)
        let map = try IdentifierMap(kind: .users, store: store)
        let results = await withTaskGroup(of: [Int32].self) { group in
            for worker in 0..<4 {
                group.addTask { (try? map.resolve((0..<200).map { "user-\(($0 * 7 + worker * 13) % 300)" })) ?? [] }
            }
            return await group.reduce(into: [[Int32]]()) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0.count == 200 })
        #expect(map.count == Set(results.flatMap { $0 }).count)
        for id in map.allIDs() { #expect(map.id(at: map.index(of: id)!) == id) }
    }

    @Test func aBatchIsStoredWithItsOffsets() throws {
        let store = try EncoreStore(path: nil)
        var batch = BatchWrite(groupID: "g")
        batch.listens = [
            ListenRow(user: UserIndex(0), item: ItemIndex(0), event: listen("u", "t", 10), position: .init(partition: 0, offset: 5))
        ]
        batch.userStates = [UserStateRow(user: UserIndex(0), kind: "k", generation: 1, updatedTimestampMs: 10, state: [1, 2, 3])]
        batch.offsets = [OffsetRow(topic: "encore.listens", partition: 0, nextOffset: 6)]
        try store.commit(batch)
        #expect(try store.counts().listens == 1)
        #expect(try store.nextOffsets(group: "g") == [OffsetRow(topic: "encore.listens", partition: 0, nextOffset: 6)])
        #expect(try store.nextOffsets(group: "other").isEmpty)
        #expect(try store.userState(UserIndex(0), kind: "k")?.state == [1, 2, 3])
        // A later batch advances the offset and replaces the state.
        batch.listens = []
        batch.userStates[0].state = [9]
        batch.offsets[0].nextOffset = 7
        try store.commit(batch)
        #expect(try store.nextOffsets(group: "g").first?.nextOffset == 7)
        #expect(try store.userStates(kind: "k").map(\.state) == [[9]])
    }

    @Test func aFailedBatchLeavesNothingBehind() throws {
        let store = try EncoreStore(path: nil)
        // Make the offsets write fail after the listens were inserted in the same transaction.
        try store.database.write { db in try db.execute(sql: "DROP TABLE consumed_offsets") }
        var batch = BatchWrite(groupID: "g")
        batch.listens = [
            ListenRow(user: UserIndex(0), item: ItemIndex(0), event: listen("u", "t", 10), position: .init(partition: 0, offset: 0))
        ]
        batch.offsets = [OffsetRow(topic: "t", partition: 0, nextOffset: 1)]
        #expect(throws: StoreError.self) { try store.commit(batch) }
        #expect(try store.counts().listens == 0)
    }

    @Test func deadLettersKeepTheOriginalBytes() throws {
        let store = try EncoreStore(path: nil)
        var batch = BatchWrite(groupID: "g")
        let original: [UInt8] = [0x7B, 0xFF, 0x00, 0x22]
        batch.deadLetters = [
            DeadLetterRow(
                deadLetterID: "x", topic: "encore.listens", position: .init(partition: 3, offset: 9),
                reason: "invalid_json", detail: "d", key: nil, value: original
            )
        ]
        try store.commit(batch)
        let stored = try store.deadLetters()
        #expect(stored.count == 1)
        #expect(stored.first?.value == original)
        #expect(stored.first?.key == nil)
        #expect(stored.first?.position == SourcePosition(partition: 3, offset: 9))
    }

    @Test func registryRoundTripsFloatsAndVersions() throws {
        let store = try EncoreStore(path: nil)
        let registry = ModelRegistry(store: store)
        let blob: [Float] = [0, -1.5, .pi, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -0.0]
        let first = try registry.save(name: "lightgcn", metadataJSON: #"{"dim":2}"#, blob: blob, createdMs: 1)
        let second = try registry.save(name: "lightgcn", metadataJSON: #"{"dim":3}"#, blob: [1], createdMs: 2)
        #expect(first == 1)
        #expect(second == 2)
        let loaded = try registry.load(name: "lightgcn", version: 1)
        #expect(loaded.blob.map(\.bitPattern) == blob.map(\.bitPattern))
        #expect(loaded.entry.metadataJSON == #"{"dim":2}"#)
        #expect(try registry.load(name: "lightgcn").entry.version == 2)
        try registry.setStatus(name: "lightgcn", version: 2, status: .promoted)
        #expect(try registry.list().map(\.status) == [.promoted, .candidate])
        #expect(throws: StoreError.self) { try registry.load(name: "missing") }
    }

    @Test func registryRejectsAnUnknownStoredStatus() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("encore-status-\(UUID()).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let registry = ModelRegistry(store: try EncoreStore(path: path))
        _ = try registry.save(name: "lightgcn", metadataJSON: "{}", blob: [1], createdMs: 1)
        // The column is text: a status written by something else than this enum must not pass silently.
        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: "UPDATE model_registry SET status = 'serving' WHERE name = 'lightgcn'")
        }
        let reads: [() throws -> Void] = [{ _ = try registry.list() }, { _ = try registry.load(name: "lightgcn") }]
        for read in reads {
            let error = #expect(throws: StoreError.self) { try read() }
            #expect(error?.code == .corrupt)
            #expect(error?.reason.contains("'serving'") == true)
        }
    }
}

@Suite struct BatchCommitColumnTests {
    @Test func listenColumnsRoundTripIncludingNullsAndEmptyStrings() throws {
        let store = try EncoreStore(path: nil)
        var batch = BatchWrite(groupID: "g")
        let full = ListenEvent(
            userID: UserID("u"), trackID: TrackID("t"), timestampMs: 42, msPlayed: 7, durationMs: 9, skipped: true,
            context: ListenContext(device: "", source: "radio ✓")
        )
        let bare = ListenEvent(userID: UserID("u"), trackID: TrackID("t"), timestampMs: 43)
        batch.listens = [
            ListenRow(user: UserIndex(3), item: ItemIndex(4), event: full, position: .init(partition: 1, offset: 2)),
            ListenRow(user: UserIndex(3), item: ItemIndex(5), event: bare, position: .init(partition: 1, offset: 3)),
        ]
        try store.commit(batch)
        let rows = try store.database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM listens ORDER BY id")
        }
        #expect(rows.count == 2)
        #expect(rows[0]["user_index"] as Int64 == 3)
        #expect(rows[0]["item_index"] as Int64 == 4)
        #expect(rows[0]["ms_played"] as Int64? == 7)
        #expect(rows[0]["skipped"] as Bool? == true)
        #expect(rows[0]["device"] as String? == "")
        #expect(rows[0]["source"] as String? == "radio ✓")
        #expect(rows[1]["ms_played"] as Int64? == nil)
        #expect(rows[1]["device"] as String? == nil)
        #expect(rows[1]["src_offset"] as Int64 == 3)
    }
}
