import EncoreCore
import EncoreStore

/// A per-user state that can be stored as a blob under a stage's `kind`.
public protocol StoredUserState: Sendable {
    /// The `kind` column of its rows in `user_states` (`<pipeline area>.<stage>`, e.g. `music.rnn`).
    static var kind: String { get }
    init()
    /// Decodes a stored blob; `nil` when it is not a valid state of this kind.
    init?(decoding bytes: [UInt8])
    func encoded() -> [UInt8]
    /// The model generation the state was computed with (0: none / not model-dependent).
    var generation: Int64 { get }
}

extension StoredUserState {
    public var generation: Int64 { 0 }
}

/// The live states of one stage, mutated in place while a batch is processed, with the set of
/// users the batch touched.
///
/// After a successful commit, ``clearTouched()``; after a failed batch, ``reload(from:)``
/// throws the in-memory values away and reads back what SQLite holds, so nothing of the failed
/// batch survives.
///
/// Stages live in other modules (EncoreStages, tests), so the per-event methods are `@inlinable`:
/// each stage's call is specialised for its state type instead of going through generic
/// metadata on every listen (measured: `encore bench ingest`, BENCHMARKS.md "Stages as plug-ins").
public struct UserStateCache<State: StoredUserState> {
    @usableFromInline var storage: [Int32: State] = [:]
    @usableFromInline var touchedUsers: [Int32] = []
    @usableFromInline var touchedMarks: Set<Int32> = []

    @inlinable public init() {}

    /// Every user's live state.
    @inlinable public var states: [Int32: State] { storage }
    /// The users touched since the last ``clearTouched()``, in first-touch order.
    @inlinable public var touched: [Int32] { touchedUsers }

    /// Replaces everything with the stored states.
    public mutating func reload(from store: EncoreStore) throws(StoreError) {
        storage.removeAll(keepingCapacity: true)
        touchedUsers.removeAll(keepingCapacity: true)
        touchedMarks.removeAll(keepingCapacity: true)
        for row in try store.userStates(kind: State.kind) {
            guard let state = State(decoding: row.state) else {
                throw StoreError(.corrupt, "state \(State.kind) of user \(row.user) cannot be decoded")
            }
            storage[row.user.rawValue] = state
        }
    }

    /// Mutates a user's state (created empty on first sight) and marks it touched.
    @inlinable @inline(__always)
    public mutating func update<R>(_ user: Int32, _ body: (inout State) -> R) -> R {
        if touchedMarks.insert(user).inserted { touchedUsers.append(user) }
        return body(&storage[user, default: State()])
    }

    @inlinable public func state(of user: Int32) -> State? { storage[user] }

    /// Appends the touched users' encoded states to the batch.
    /// - Parameter generation: recorded for every state instead of the state's own, when given.
    @inlinable
    public func write(into batch: inout BatchWrite, updatedMs: Int64, generation: Int64? = nil) {
        for user in touchedUsers {
            guard let state = storage[user] else { continue }
            batch.userStates.append(UserStateRow(
                user: UserIndex(user), kind: State.kind, generation: generation ?? state.generation, updatedTimestampMs: updatedMs,
                state: state.encoded()
            ))
        }
    }

    @inlinable
    public mutating func clearTouched() {
        touchedUsers.removeAll(keepingCapacity: true)
        touchedMarks.removeAll(keepingCapacity: true)
    }

    @inlinable public var count: Int { storage.count }
}
