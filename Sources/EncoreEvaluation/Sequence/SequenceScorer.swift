/// A next-item scorer the ``SequenceEvaluator`` drives wave by wave over a group of users.
///
/// The evaluator calls ``begin(users:)`` with a group of users sorted by decreasing history
/// length, so at wave `w` the users that still have events are the lanes `0..<activeCount`.
/// Before applying wave `w` it asks for scores of the lanes that have an evaluation point
/// there (the prediction may use events `0..<w` only), then lets the scorer consume the events.
public protocol SequenceScorer {
    /// Number of candidate items N.
    var itemCount: Int { get }
    /// Starts a group: lane `k` follows user `users[k]`, from an empty state.
    mutating func begin(users: UnsafeBufferPointer<Int32>)
    /// Scores of all N items for each of `lanes` (sorted ascending), lanes.count × N.
    mutating func score(lanes: UnsafeBufferPointer<Int32>, into output: UnsafeMutableBufferPointer<Float>)
    /// Consumes event number `wave` of the users in lanes `0..<activeCount`.
    mutating func advance(wave: Int, activeCount: Int)
}
