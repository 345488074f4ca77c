import GRDB

/// Encore's state store: one SQLite file per instance (WAL), or an in-memory database in tests.
///
/// Holds the stable id → dense index maps, the append-only interaction history, per-user state
/// rows, consumed offsets, the dead-letter log and the model registry. The pipeline writes
/// everything a consumed batch changed, together with the offsets that batch consumed, in one
/// transaction (``commit(_:)``), which is what makes state exactly-once.
public final class EncoreStore: Sendable {
    /// The GRDB connection: a `DatabasePool` (WAL, concurrent reads) for files, a `DatabaseQueue`
    /// in memory.
    public let database: any DatabaseWriter
    /// The file path, or `nil` in memory.
    public let path: String?

    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    ///
    /// - Parameter path: a file path, or `nil` for a private in-memory database.
    /// - Throws: ``StoreError`` with code `open` or `migration`.
    public init(path: String?) throws(StoreError) {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // WAL + NORMAL is durable across process crashes (the case exactly-once state is
            // about); only an OS crash or power loss may lose the last transactions.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            if let path {
                database = try DatabasePool(path: path, configuration: configuration)
            } else {
                database = try DatabaseQueue(configuration: configuration)
            }
        } catch {
            throw StoreError(.open, "cannot open the database at \(path ?? ":memory:")", underlying: error)
        }
        do {
            try StoreMigrations.migrator.migrate(database)
        } catch {
            // Another process may have been migrating the same file at the same moment (the
            // migrator's check and apply are separate transactions): look again once.
            do {
                try StoreMigrations.migrator.migrate(database)
            } catch {
                throw StoreError(.migration, "cannot migrate \(path ?? ":memory:")", underlying: error)
            }
        }
    }

    /// The identifiers of the migrations applied, oldest first.
    public func appliedMigrations() throws(StoreError) -> [String] {
        try read { db in try StoreMigrations.migrator.appliedMigrations(db) }
    }

    /// Runs a read, translating errors.
    func read<T>(location: String = #function, _ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try database.read(body)
        } catch {
            throw StoreError(.read, "read failed", underlying: error, location: location, isRetriable: Self.isBusy(error))
        }
    }

    /// Runs a write transaction, translating errors.
    func write<T>(location: String = #function, _ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try database.write(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.write, "write failed", underlying: error, location: location, isRetriable: Self.isBusy(error))
        }
    }

    static func isBusy(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        return error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
    }
}
