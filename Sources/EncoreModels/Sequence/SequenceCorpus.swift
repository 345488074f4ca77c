/// Users' time-ordered listening histories: one contiguous run of events per user.
///
/// User `u`'s events are `events[offsets[u]..<offsets[u + 1]]`, oldest first. The trainer
/// reads it in parallel lanes; the evaluator walks it wave by wave.
public struct SequenceCorpus: Sendable {
    /// All events, grouped by user, each group in time order.
    public let events: [SequenceEvent]
    /// userCount + 1 offsets into ``events``.
    public let offsets: [Int]

    /// Wraps grouped events.
    ///
    /// - Precondition: offsets start at 0, never decrease and end at `events.count`.
    public init(events: [SequenceEvent], offsets: [Int]) {
        precondition(offsets.first == 0 && offsets.last == events.count, "offsets must cover the events")
        self.events = events
        self.offsets = offsets
    }

    /// Groups per-user histories (each already in time order).
    public init(users: [[SequenceEvent]]) {
        var events = [SequenceEvent]()
        var offsets = [0]
        offsets.reserveCapacity(users.count + 1)
        for history in users {
            events.append(contentsOf: history)
            offsets.append(events.count)
        }
        self.init(events: events, offsets: offsets)
    }

    /// Number of users.
    public var userCount: Int { offsets.count - 1 }

    /// Number of events of user `user`.
    @inlinable
    public func length(ofUser user: Int) -> Int { offsets[user + 1] - offsets[user] }

    /// The corpus restricted to events before `cutoffMs` (users keep their index; some become empty).
    public func prefix(beforeMs cutoffMs: Int64) -> SequenceCorpus {
        var kept = [SequenceEvent]()
        var newOffsets = [0]
        newOffsets.reserveCapacity(offsets.count)
        for user in 0..<userCount {
            for index in offsets[user]..<offsets[user + 1] where events[index].timestampMs < cutoffMs {
                kept.append(events[index])
            }
            newOffsets.append(kept.count)
        }
        return SequenceCorpus(events: kept, offsets: newOffsets)
    }

    /// Listening sessions: each user's item runs cut wherever two plays are more than `gapMs` apart.
    public func sessions(gapMs: Int64 = 30 * 60 * 1000) -> [[Int32]] {
        var result = [[Int32]]()
        for user in 0..<userCount {
            var session = [Int32]()
            var last: Int64 = .min
            for index in offsets[user]..<offsets[user + 1] {
                let event = events[index]
                if !session.isEmpty && event.timestampMs - last > gapMs {
                    result.append(session)
                    session.removeAll(keepingCapacity: true)
                }
                session.append(event.item)
                last = event.timestampMs
            }
            if !session.isEmpty { result.append(session) }
        }
        return result
    }
}
