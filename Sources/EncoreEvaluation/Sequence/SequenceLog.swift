/// The evaluator's view of users' time-ordered histories: item, time and whether the play was
/// listened (not skipped), one contiguous run per user.
public struct SequenceLog: Sendable {
    /// userCount + 1 offsets into the event arrays.
    public let offsets: [Int]
    /// Dense item index per event.
    public let items: [Int32]
    /// Event time per event, epoch milliseconds.
    public let timestampsMs: [Int64]
    /// Whether each event was listened (skips are never targets).
    public let listened: [Bool]
    /// Number of items N (candidates are `0..<N`).
    public let itemCount: Int

    /// Creates a log.
    ///
    /// - Precondition: the arrays have one entry per event and offsets cover them.
    public init(offsets: [Int], items: [Int32], timestampsMs: [Int64], listened: [Bool], itemCount: Int) {
        precondition(items.count == timestampsMs.count && items.count == listened.count, "event arrays differ in length")
        precondition(offsets.first == 0 && offsets.last == items.count, "offsets must cover the events")
        self.offsets = offsets
        self.items = items
        self.timestampsMs = timestampsMs
        self.listened = listened
        self.itemCount = itemCount
    }

    /// Number of users.
    public var userCount: Int { offsets.count - 1 }

    /// Number of events of `user`.
    @inlinable
    public func length(ofUser user: Int) -> Int { offsets[user + 1] - offsets[user] }

    /// Earliest and latest event time.
    public var timeSpan: (first: Int64, last: Int64) {
        (timestampsMs.min() ?? 0, timestampsMs.max() ?? 0)
    }

    /// Play counts of the events before `cutoffMs` (popularity, the training vocabulary).
    public func counts(beforeMs cutoffMs: Int64) -> [Int] {
        var counts = [Int](repeating: 0, count: itemCount)
        for index in items.indices where timestampsMs[index] < cutoffMs && items[index] >= 0 {
            counts[Int(items[index])] += 1
        }
        return counts
    }

    /// Listening sessions before `cutoffMs`: each user's item runs cut at gaps over `gapMs`.
    public func sessions(beforeMs cutoffMs: Int64, gapMs: Int64 = 30 * 60 * 1000) -> [[Int32]] {
        var result = [[Int32]]()
        for user in 0..<userCount {
            var session = [Int32]()
            var last: Int64 = .min
            for index in offsets[user]..<offsets[user + 1] where timestampsMs[index] < cutoffMs {
                if !session.isEmpty && timestampsMs[index] - last > gapMs {
                    result.append(session)
                    session.removeAll(keepingCapacity: true)
                }
                session.append(items[index])
                last = timestampsMs[index]
            }
            if !session.isEmpty { result.append(session) }
        }
        return result
    }
}
