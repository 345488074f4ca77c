/// The sends a notification policy has scheduled for one user, ascending by time: what the daily
/// cap and the minimum gap are checked against (the rule baseline and C-3PO keep one each).
public enum ScheduledSends {
    /// How long a scheduled send is remembered (the cap looks back 24 hours; a week is ample).
    public static let retention: Int64 = 7 * 86_400_000
    /// The most sends remembered per user.
    public static let maximumCount = 1000

    /// Inserts `sendAtMs` in order and forgets sends older than ``retention`` before `nowMs`, and
    /// the oldest beyond ``maximumCount``.
    public static func insert(_ sendAtMs: Int64, nowMs: Int64, into sends: inout [Int64]) {
        let index = sends.firstIndex { $0 > sendAtMs } ?? sends.endIndex
        sends.insert(sendAtMs, at: index)
        let horizon = nowMs - retention
        if let first = sends.first, first < horizon { sends.removeAll { $0 < horizon } }
        if sends.count > maximumCount { sends.removeFirst(sends.count - maximumCount) }
    }
}
