import EncoreCore
import GRDB
import Synchronization

/// A stable map from external string ids to dense `Int32` indices, backed by a store table.
///
/// Indices are handed out in order of first sight and written to SQLite before anything that
/// uses them (``resolve(_:)`` commits new ids in their own small transaction), so a crash or a
/// restart never renumbers an id: the map is loaded back exactly. An index assigned for a batch
/// that later fails stays assigned, which is harmless (an id without interactions).
///
/// Thread-safe; several pipelines can share one map.
public final class IdentifierMap: Sendable {
    /// Which table the map lives in.
    public enum Kind: String, Sendable {
        case users
        case tracks

        var table: String { rawValue }
        var indexColumn: String { self == .users ? "user_index" : "item_index" }
        var idColumn: String { self == .users ? "user_id" : "track_id" }
    }

    private struct State {
        var indexByID: [String: Int32] = [:]
        var idByIndex: [String] = []
    }

    public let kind: Kind
    private let store: EncoreStore
    private let state = Mutex(State())
    /// Serialises assignment so that two resolvers never hand out the same index.
    private let assignment = Mutex(())

    /// Loads every known id of `kind` from `store`.
    public init(kind: Kind, store: EncoreStore) throws(StoreError) {
        self.kind = kind
        self.store = store
        let rows = try store.read { db in
            try Row.fetchAll(db, sql: "SELECT \(kind.indexColumn), \(kind.idColumn) FROM \(kind.table) ORDER BY 1")
        }
        var loaded = State()
        loaded.idByIndex.reserveCapacity(rows.count)
        for (position, row) in rows.enumerated() {
            let index: Int32 = row[0]
            let id: String = row[1]
            guard index == Int32(position) else {
                throw StoreError(.corrupt, "\(kind.table) has a gap at index \(position) (found \(index))")
            }
            loaded.indexByID[id] = index
            loaded.idByIndex.append(id)
        }
        state.withLock { $0 = loaded }
    }

    /// The number of ids known.
    public var count: Int { state.withLock { $0.idByIndex.count } }

    /// The index of a known id, or `nil`.
    public func index(of id: String) -> Int32? { state.withLock { $0.indexByID[id] } }

    /// The id at `index`, or `nil` if out of range.
    public func id(at index: Int32) -> String? {
        state.withLock { index >= 0 && Int(index) < $0.idByIndex.count ? $0.idByIndex[Int(index)] : nil }
    }

    /// The ids at several indices under one lock (`nil` for an index out of range).
    public func ids(at indices: [Int32]) -> [String?] {
        state.withLock { current in
            indices.map { $0 >= 0 && Int($0) < current.idByIndex.count ? current.idByIndex[Int($0)] : nil }
        }
    }

    /// A snapshot of all ids in index order.
    public func allIDs() -> [String] { state.withLock { $0.idByIndex } }

    /// The indices of `ids`, assigning and durably storing new ones first.
    ///
    /// - Returns: one index per input id, in order.
    /// - Throws: ``StoreError`` if the new ids cannot be stored (nothing is assigned then).
    public func resolve(_ ids: [String]) throws(StoreError) -> [Int32] {
        if let known = lookUpAll(ids) { return known }
        return try assignment.withLock { _ throws(StoreError) -> [Int32] in
            // Collect unknown ids (first occurrence order) and their proposed indices.
            var fresh: [String] = []
            var proposed: [String: Int32] = [:]
            let base = Int32(count)
            state.withLock { current in
                for id in ids where current.indexByID[id] == nil && proposed[id] == nil {
                    proposed[id] = base + Int32(fresh.count)
                    fresh.append(id)
                }
            }
            if !fresh.isEmpty {
                try store.write { db in
                    let statement = try db.cachedStatement(
                        sql: "INSERT INTO \(kind.table) (\(kind.indexColumn), \(kind.idColumn)) VALUES (?, ?)"
                    )
                    for (offset, id) in fresh.enumerated() {
                        try statement.execute(arguments: [base + Int32(offset), id])
                    }
                }
                state.withLock { current in
                    for id in fresh {
                        current.indexByID[id] = Int32(current.idByIndex.count)
                        current.idByIndex.append(id)
                    }
                }
            }
            return state.withLock { current in ids.map { current.indexByID[$0]! } }
        }
    }

    private func lookUpAll(_ ids: [String]) -> [Int32]? {
        state.withLock { current in
            var result: [Int32] = []
            result.reserveCapacity(ids.count)
            for id in ids {
                guard let index = current.indexByID[id] else { return nil }
                result.append(index)
            }
            return result
        }
    }
}
