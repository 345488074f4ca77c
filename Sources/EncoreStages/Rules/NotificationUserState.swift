import EncoreModels
import EncorePipeline

/// What the rule baseline remembers per user: the sends it scheduled (for the daily cap and the
/// minimum gap) and the user's notification feedback (for the open-rate estimate).
public struct NotificationUserState: StoredUserState, Equatable {
    /// Scheduled send times (event time, ms) of the last seven days, ascending.
    public var scheduledSendsMs: [Int64] = []
    public var sentCount: Int64 = 0
    public var openedCount: Int64 = 0
    public var dismissedCount: Int64 = 0
    public var lastOpenMs: Int64?

    public init() {}

    public static let kind = "notifications.rules"
    /// Adds a scheduled send and forgets old ones (``ScheduledSends``).
    mutating func schedule(_ sendAtMs: Int64, now: Int64) {
        ScheduledSends.insert(sendAtMs, nowMs: now, into: &scheduledSendsMs)
    }

    public func encoded() -> [UInt8] {
        var writer = StateWriter(version: 1, capacity: 48 + 8 * scheduledSendsMs.count)
        writer.append(sentCount)
        writer.append(openedCount)
        writer.append(dismissedCount)
        writer.append(lastOpenMs ?? Int64.min)
        writer.append(count: scheduledSendsMs.count)
        for time in scheduledSendsMs { writer.append(time) }
        return writer.bytes
    }

    public init?(decoding bytes: [UInt8]) {
        var reader = StateReader(bytes)
        guard reader.version == 1, let sent = reader.int64(), let opened = reader.int64(),
            let dismissed = reader.int64(), let lastOpen = reader.int64(),
            let count = reader.count(atMost: ScheduledSends.maximumCount)
        else { return nil }
        sentCount = sent
        openedCount = opened
        dismissedCount = dismissed
        lastOpenMs = lastOpen == Int64.min ? nil : lastOpen
        for _ in 0..<count {
            guard let time = reader.int64() else { return nil }
            scheduledSendsMs.append(time)
        }
        guard reader.isAtEnd else { return nil }
    }
}
