import Foundation
import GRDB

/// The model registry: immutable model generations (metadata JSON + one Float32 blob) by name
/// and version, with a ``ModelStatus`` (`candidate`, `promoted`, `retired`).
///
/// Versions count up per name from 1. The blob is stored as little-endian Float32, so a model
/// written on one machine loads on any other.
public struct ModelRegistry: Sendable {
    public let store: EncoreStore

    public init(store: EncoreStore) { self.store = store }

    /// A stored generation without its blob.
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var version: Int
        public var createdMs: Int64
        public var status: ModelStatus
        public var metadataJSON: String
        public var floatCount: Int
    }

    /// Saves a new version of `name` and returns its version number.
    public func save(name: String, metadataJSON: String, blob: [Float], createdMs: Int64, status: ModelStatus = .candidate)
        throws(StoreError) -> Int
    {
        let data = blob.withUnsafeBufferPointer { buffer in
            var bytes = Data(capacity: buffer.count * 4)
            for value in buffer {
                withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
            }
            return bytes
        }
        return try store.write { db in
            let version = (try Int.fetchOne(db, sql: "SELECT MAX(version) FROM model_registry WHERE name = ?",
                                            arguments: [name]) ?? 0) + 1
            try db.execute(
                sql: """
                    INSERT INTO model_registry (name, version, created_ms, status, metadata_json, blob)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [name, version, createdMs, status.rawValue, metadataJSON, data]
            )
            return version
        }
    }

    /// Loads a generation's metadata and blob; the latest version when `version` is nil.
    public func load(name: String, version: Int? = nil) throws(StoreError) -> (entry: Entry, blob: [Float]) {
        let row = try store.read { db in
            if let version {
                return try Row.fetchOne(
                    db, sql: "SELECT * FROM model_registry WHERE name = ? AND version = ?", arguments: [name, version])
            }
            return try Row.fetchOne(
                db, sql: "SELECT * FROM model_registry WHERE name = ? ORDER BY version DESC LIMIT 1", arguments: [name])
        }
        guard let row else {
            throw StoreError(.notFound, "no model \(name)\(version.map { "@\($0)" } ?? "") in the registry")
        }
        let data: Data = row["blob"]
        guard data.count % 4 == 0 else { throw StoreError(.corrupt, "blob of \(name) is not a whole number of floats") }
        var blob = [Float](repeating: 0, count: data.count / 4)
        data.withUnsafeBytes { raw in
            for index in blob.indices {
                let bits = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self))
                blob[index] = Float(bitPattern: bits)
            }
        }
        let entryName: String = row["name"], entryVersion: Int = row["version"]
        let entry = Entry(
            name: entryName, version: entryVersion, createdMs: row["created_ms"],
            status: try Self.status(row["status"], of: entryName, version: entryVersion),
            metadataJSON: row["metadata_json"], floatCount: blob.count
        )
        return (entry, blob)
    }

    /// All generations, newest first.
    ///
    /// - Throws: ``StoreError`` `corrupt` when a stored status is not a ``ModelStatus``.
    public func list(name: String? = nil) throws(StoreError) -> [Entry] {
        let rows = try store.read { db in
            let sql = """
                SELECT name, version, created_ms, status, metadata_json, length(blob) / 4 FROM model_registry
                \(name == nil ? "" : "WHERE name = ?") ORDER BY created_ms DESC, name, version DESC
                """
            return try Row.fetchAll(db, sql: sql, arguments: name.map { [$0] } ?? [])
        }
        var entries: [Entry] = []
        entries.reserveCapacity(rows.count)
        for row in rows {
            let entryName: String = row[0], entryVersion: Int = row[1]
            entries.append(
                Entry(
                    name: entryName, version: entryVersion, createdMs: row[2],
                    status: try Self.status(row[3], of: entryName, version: entryVersion), metadataJSON: row[4],
                    floatCount: row[5]))
        }
        return entries
    }

    /// The ``ModelStatus`` of a stored status text.
    ///
    /// - Throws: ``StoreError`` `corrupt` naming the generation and the unknown text.
    static func status(_ text: String, of name: String, version: Int) throws(StoreError) -> ModelStatus {
        guard let status = ModelStatus(rawValue: text) else {
            throw StoreError(
                .corrupt,
                "model \(name)@\(version) has unknown status '\(text)' (expected "
                    + ModelStatus.allCases.map(\.rawValue).joined(separator: ", ") + ")")
        }
        return status
    }

    /// Sets the status of one generation.
    public func setStatus(name: String, version: Int, status: ModelStatus) throws(StoreError) {
        let changed = try store.write { db in
            try db.execute(
                sql: "UPDATE model_registry SET status = ? WHERE name = ? AND version = ?",
                arguments: [status.rawValue, name, version])
            return db.changesCount
        }
        if changed == 0 { throw StoreError(.notFound, "no model \(name)@\(version) in the registry") }
    }

    /// The promoted generation of `name`, or `nil` when none is.
    public func promoted(name: String) throws(StoreError) -> Entry? {
        try list(name: name).first { $0.status == .promoted }
    }

    /// Promotes `name@version`: the generation serving until now (if another) becomes `retired`,
    /// and the promotion is logged so that ``rollback(name:atMs:)`` can undo it. Promoting the
    /// generation already promoted changes nothing.
    ///
    /// - Returns: the version that was promoted before, if any.
    /// - Throws: ``StoreError`` `notFound` when there is no such generation.
    @discardableResult
    public func promote(name: String, version: Int, atMs: Int64) throws(StoreError) -> Int? {
        try store.write { db in
            guard try Bool.fetchOne(
                db, sql: "SELECT 1 FROM model_registry WHERE name = ? AND version = ?", arguments: [name, version]
            ) != nil else {
                throw StoreError(.notFound, "no model \(name)@\(version) in the registry")
            }
            let previous = try Int.fetchOne(
                db,
                sql: "SELECT version FROM model_registry WHERE name = ? AND status = ? ORDER BY version DESC LIMIT 1",
                arguments: [name, ModelStatus.promoted.rawValue]
            )
            if previous == version { return previous }
            try db.execute(
                sql: "UPDATE model_registry SET status = ? WHERE name = ? AND status = ?",
                arguments: [ModelStatus.retired.rawValue, name, ModelStatus.promoted.rawValue]
            )
            try db.execute(
                sql: "UPDATE model_registry SET status = ? WHERE name = ? AND version = ?",
                arguments: [ModelStatus.promoted.rawValue, name, version]
            )
            try db.execute(
                sql: "INSERT INTO model_promotions (name, version, promoted_ms) VALUES (?, ?, ?)",
                arguments: [name, version, atMs]
            )
            return previous
        }
    }

    /// Undoes the latest promotion of `name`: its generation becomes `retired` and the generation
    /// promoted before it is promoted again. Rolling back twice goes two promotions back.
    ///
    /// - Returns: the version rolled back from and the version serving now.
    /// - Throws: ``StoreError`` `notFound` when fewer than two promotions of `name` are left to
    ///   go back through.
    @discardableResult
    public func rollback(name: String, atMs: Int64) throws(StoreError) -> (from: Int, to: Int) {
        try store.write { db in
            let stack = try Row.fetchAll(
                db,
                sql: """
                    SELECT id, version FROM model_promotions WHERE name = ? AND rolled_back_ms IS NULL
                    ORDER BY id DESC LIMIT 2
                    """,
                arguments: [name]
            )
            guard stack.count == 2 else {
                throw StoreError(.notFound, "no earlier promotion of \(name) to roll back to")
            }
            let undone: Int64 = stack[0]["id"]
            let from: Int = stack[0]["version"]
            let to: Int = stack[1]["version"]
            try db.execute(
                sql: "UPDATE model_promotions SET rolled_back_ms = ? WHERE id = ?", arguments: [atMs, undone]
            )
            try db.execute(
                sql: "UPDATE model_registry SET status = ? WHERE name = ? AND status = ?",
                arguments: [ModelStatus.retired.rawValue, name, ModelStatus.promoted.rawValue]
            )
            try db.execute(
                sql: "UPDATE model_registry SET status = ? WHERE name = ? AND version = ?",
                arguments: [ModelStatus.promoted.rawValue, name, to]
            )
            return (from, to)
        }
    }

    /// One promotion of the log, newest first in ``promotions(name:)``.
    public struct Promotion: Sendable, Equatable {
        public var name: String
        public var version: Int
        public var promotedMs: Int64
        /// When a rollback undid it, or `nil` while it stands.
        public var rolledBackMs: Int64?
    }

    /// The promotion log of `name`, newest first.
    public func promotions(name: String) throws(StoreError) -> [Promotion] {
        try store.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT name, version, promoted_ms, rolled_back_ms FROM model_promotions WHERE name = ?
                    ORDER BY id DESC
                    """,
                arguments: [name]
            ).map { Promotion(name: $0[0], version: $0[1], promotedMs: $0[2], rolledBackMs: $0[3]) }
        }
    }
}
