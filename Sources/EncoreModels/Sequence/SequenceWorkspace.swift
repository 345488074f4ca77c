/// Preallocated temporaries of ``SequenceModel/step(states:inputs:count:workspace:)`` and
/// ``SequenceModel/userVectors(states:count:head:into:workspace:)`` for up to `maximumCount`
/// users at once, so the per-event path never allocates.
public struct SequenceWorkspace {
    /// The most users one call may process.
    public let maximumCount: Int
    let gateWidth: Int
    /// [W·x (count × 3H) | U·h (count × 3H)].
    var storage: [Float]

    /// Creates buffers for `maximumCount` users of `model`.
    public init(model: SequenceModel, maximumCount: Int) {
        precondition(maximumCount > 0, "workspace needs room for at least one user")
        self.maximumCount = maximumCount
        self.gateWidth = 3 * model.hiddenSize
        self.storage = [Float](repeating: 0, count: 2 * maximumCount * max(gateWidth, model.vectorWidth))
    }
}
