/// Baseline: every point gets the training play counts as scores (same list for everyone).
public struct SequencePopularityBaseline: SequenceScorer {
    /// Training play count per item.
    public let counts: [Float]

    /// Counts the plays before `cutoffMs`.
    public init(log: SequenceLog, cutoffMs: Int64) {
        counts = log.counts(beforeMs: cutoffMs).map(Float.init)
    }

    public var itemCount: Int { counts.count }
    public mutating func begin(users: UnsafeBufferPointer<Int32>) {}
    public mutating func score(lanes: UnsafeBufferPointer<Int32>, into output: UnsafeMutableBufferPointer<Float>) {
        let n = counts.count
        counts.withUnsafeBufferPointer { source in
            for row in 0..<lanes.count {
                (output.baseAddress! + row * n).update(from: source.baseAddress!, count: n)
            }
        }
    }
    public mutating func advance(wave: Int, activeCount: Int) {}

    /// Popularity scaled into [0, 0.5): the tie-breaker the other baselines add, so items they
    /// cannot tell apart are ranked by popularity rather than all tied.
    static func tieBreaker(_ counts: [Float]) -> [Float] {
        let top = (counts.max() ?? 0) + 1
        return counts.map { 0.5 * $0 / top }
    }
}
