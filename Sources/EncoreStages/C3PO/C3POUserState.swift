import EncoreModels
import EncorePipeline

/// What the C-3PO stage stores per user (kind `notifications.c3po`, version 1): the incremental
/// timing features (``TimingFeatureState``) and the sends the policy scheduled (for the cap and
/// the minimum gap), committed with the consumed offsets in the batch transaction.
public struct C3POUserState: StoredUserState, Equatable {
    public var features = TimingFeatureState()
    /// Scheduled send times (event time, ms) of the last seven days, ascending.
    public var scheduledSendsMs: [Int64] = []
    /// Keys (FNV-1a) of the user's last ``maximumRecentRequests`` decided request ids, so a
    /// repeated request is recognised without a SQLite read per request (only a match reads the
    /// earlier decision back).
    public var recentRequestKeys: [UInt64] = []

    public init() {}

    static let maximumRecentRequests = 32

    /// Remembers a decided request.
    mutating func noteDecided(_ key: UInt64) {
        recentRequestKeys.append(key)
        if recentRequestKeys.count > Self.maximumRecentRequests {
            recentRequestKeys.removeFirst(recentRequestKeys.count - Self.maximumRecentRequests)
        }
    }

    public static let kind = "notifications.c3po"
    /// Adds a scheduled send and forgets old ones (``ScheduledSends``).
    mutating func schedule(_ sendAtMs: Int64, now: Int64) {
        ScheduledSends.insert(sendAtMs, nowMs: now, into: &scheduledSendsMs)
    }

    public func encoded() -> [UInt8] {
        let f = features
        var writer = StateWriter(version: 1, capacity: 640 + 8 * scheduledSendsMs.count)
        writer.append(f.decayReferenceMs ?? Int64.min)
        writer.append(f.lastSendMs ?? Int64.min)
        writer.append(f.lastOpenMs ?? Int64.min)
        writer.append(f.lastListenMs ?? Int64.min)
        for values in [f.sendsByHour, f.opensByHour, f.sendsByWeekday, f.opensByWeekday, f.listensByHour] {
            for value in values { writer.append(Int32(bitPattern: value.bitPattern)) }
        }
        writer.append(count: f.sequence.count)
        for entry in f.sequence {
            writer.append(entry.sentMs)
            writer.append(Int64(bitPattern: entry.notificationKey))
            writer.append(entry.outcome.rawValue)
        }
        writer.append(count: f.sendTimesMs.count)
        for time in f.sendTimesMs { writer.append(time) }
        writer.append(count: scheduledSendsMs.count)
        for time in scheduledSendsMs { writer.append(time) }
        writer.append(count: recentRequestKeys.count)
        for key in recentRequestKeys { writer.append(Int64(bitPattern: key)) }
        return writer.bytes
    }

    public init?(decoding bytes: [UInt8]) {
        var reader = StateReader(bytes)
        guard reader.version == 1, let reference = reader.int64(), let lastSend = reader.int64(),
            let lastOpen = reader.int64(), let lastListen = reader.int64()
        else { return nil }
        func optional(_ value: Int64) -> Int64? { value == Int64.min ? nil : value }
        features.decayReferenceMs = optional(reference)
        features.lastSendMs = optional(lastSend)
        features.lastOpenMs = optional(lastOpen)
        features.lastListenMs = optional(lastListen)
        func floats(_ count: Int) -> [Float]? {
            var values: [Float] = []
            values.reserveCapacity(count)
            for _ in 0..<count {
                guard let bits = reader.int32() else { return nil }
                values.append(Float(bitPattern: UInt32(bitPattern: bits)))
            }
            return values
        }
        guard let sendsByHour = floats(24), let opensByHour = floats(24), let sendsByWeekday = floats(7),
            let opensByWeekday = floats(7), let listensByHour = floats(48)
        else { return nil }
        features.sendsByHour = sendsByHour
        features.opensByHour = opensByHour
        features.sendsByWeekday = sendsByWeekday
        features.opensByWeekday = opensByWeekday
        features.listensByHour = listensByHour
        guard let sequenceCount = reader.count(atMost: TimingFeatureState.sequenceLength) else { return nil }
        for _ in 0..<sequenceCount {
            guard let sent = reader.int64(), let key = reader.int64(), let raw = reader.int32(),
                let outcome = TimingFeatureState.Outcome(rawValue: raw)
            else { return nil }
            features.sequence.append(.init(sentMs: sent, notificationKey: UInt64(bitPattern: key), outcome: outcome))
        }
        guard let sendCount = reader.count(atMost: TimingFeatureState.maximumSendTimes) else { return nil }
        for _ in 0..<sendCount {
            guard let time = reader.int64() else { return nil }
            features.sendTimesMs.append(time)
        }
        guard let scheduledCount = reader.count(atMost: ScheduledSends.maximumCount) else { return nil }
        for _ in 0..<scheduledCount {
            guard let time = reader.int64() else { return nil }
            scheduledSendsMs.append(time)
        }
        guard let requestCount = reader.count(atMost: Self.maximumRecentRequests) else { return nil }
        for _ in 0..<requestCount {
            guard let key = reader.int64() else { return nil }
            recentRequestKeys.append(UInt64(bitPattern: key))
        }
        guard reader.isAtEnd else { return nil }
    }
}
