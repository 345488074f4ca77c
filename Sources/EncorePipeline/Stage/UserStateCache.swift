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
public struct UserStateCache<State: StoredUserState> {
    public private(set) var states: [Int32: State] = [:]
    public private(set) var touched: [Int32] = []
    private var touchedMarks: Set<Int32> = []

    public init() {}

    /// Replaces everything with the stored states.
    public mutating func reload(from store: EncoreStore) throws(StoreError) {
        states.removeAll(keepingCapacity: true)
        touched.removeAll(keepingCapacity: true)
        touchedMarks.removeAll(keepingCapacity: true)
        for row in try store.userStates(kind: State.kind) {
            guard let state = State(decoding: row.state) else {
                throw StoreError(.corrupt, "state \(State.kind) of user \(row.user) cannot be decoded")
            }
            states[row.user.rawValue] = state
        }
    }

    /// Mutates a user's state (created empty on first sight) and marks it touched.
    @inline(__always)
    public mutating func update<R>(_ user: Int32, _ body: (inout State) -> R) -> R {
        if touchedMarks.insert(user).inserted { touched.append(user) }
        return body(&states[user, default: State()])
    }

    public func state(of user: Int32) -> State? { states[user] }

    /// Appends the touched users' encoded states to the batch.
    /// - Parameter generation: recorded for every state instead of the state's own, when given.
    public func write(into batch: inout BatchWrite, updatedMs: Int64, generation: Int64? = nil) {
        for user in touched {
            guard let state = states[user] else { continue }
            batch.userStates.append(UserStateRow(
                user: UserIndex(user), kind: State.kind, generation: generation ?? state.generation, updatedTimestampMs: updatedMs,
                state: state.encoded()
            ))
        }
    }

    public mutating func clearTouched() {
        touched.removeAll(keepingCapacity: true)
        touchedMarks.removeAll(keepingCapacity: true)
    }

    public var count: Int { states.count }
}
