#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What C-3PO remembers about one user, updated incrementally from `encore.notification-events`
/// and `encore.listens` in event time.
///
/// - **Click sequence:** the last ``sequenceLength`` sends, newest last, each with its send time,
///   a 64-bit key of its notification id and its outcome so far (pending, opened, dismissed).
/// - **Decayed histograms** (half-life ``halfLifeMs``, 7 days): sends and opens by the UTC hour
///   and by the UTC weekday of the send (an open counts at its send's hour), listens by UTC hour
///   separately for weekdays and weekends (48 bins).
/// - **Recency:** last send, last open, last listen.
/// - **Send times** of the last 7 days (for sends in the last 24 h / 7 d).
///
/// Decayed values are stored relative to ``decayReferenceMs``: a value read at `t` is worth
/// `stored · 2^(−(t − reference) / halfLife)`. Every update first moves the reference to the
/// event time (events older than the reference are added with their own, larger, decay), so
/// the stored numbers never grow without bound.
public struct TimingFeatureState: Sendable, Equatable {
    /// Outcome of one send in the click sequence.
    public enum Outcome: Int32, Sendable {
        case pending = 0
        case opened = 1
        case dismissed = 2
    }

    /// One send of the click sequence.
    public struct SequenceEntry: Sendable, Equatable {
        public var sentMs: Int64
        public var notificationKey: UInt64
        public var outcome: Outcome
        public init(sentMs: Int64, notificationKey: UInt64, outcome: Outcome) {
            self.sentMs = sentMs
            self.notificationKey = notificationKey
            self.outcome = outcome
        }
    }

    /// Sends kept in the click sequence.
    public static let sequenceLength = 16
    /// Send times kept for the 24 h / 7 d counts (at most this many, within 7 days).
    public static let maximumSendTimes = 64
    /// Half-life of the decayed histograms: 7 days.
    public static let halfLifeMs: Double = 7 * 86_400_000
    static let hourMs: Int64 = 3_600_000
    static let dayMs: Int64 = 86_400_000

    public var sequence: [SequenceEntry] = []
    public var sendTimesMs: [Int64] = []
    /// Decayed sends by UTC hour of the send.
    public var sendsByHour = [Float](repeating: 0, count: 24)
    /// Decayed opens by UTC hour of the send.
    public var opensByHour = [Float](repeating: 0, count: 24)
    /// Decayed sends by UTC weekday (Monday = 0) of the send.
    public var sendsByWeekday = [Float](repeating: 0, count: 7)
    /// Decayed opens by UTC weekday of the send.
    public var opensByWeekday = [Float](repeating: 0, count: 7)
    /// Decayed listens by UTC hour, weekdays in 0..<24, weekends in 24..<48.
    public var listensByHour = [Float](repeating: 0, count: 48)
    public var decayReferenceMs: Int64?
    public var lastSendMs: Int64?
    public var lastOpenMs: Int64?
    public var lastListenMs: Int64?

    public init() {}

    // MARK: Calendar (UTC)

    /// UTC hour of day, 0…23.
    @inline(__always)
    public static func hour(_ ms: Int64) -> Int { Int(floorModulo(ms, dayMs) / hourMs) }

    /// UTC weekday, Monday = 0 (1970-01-01 was a Thursday).
    @inline(__always)
    public static func weekday(_ ms: Int64) -> Int { Int(floorModulo(floorDivide(ms, dayMs) + 3, 7)) }

    @inline(__always)
    static func floorModulo(_ value: Int64, _ modulus: Int64) -> Int64 {
        let remainder = value % modulus
        return remainder < 0 ? remainder + modulus : remainder
    }

    @inline(__always)
    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        (value - floorModulo(value, divisor)) / divisor
    }

    /// 2^(−Δ / halfLife) for Δ = `toMs − fromMs` (> 1 when `toMs` is earlier).
    @inline(__always)
    static func decay(from fromMs: Int64, to toMs: Int64) -> Float {
        Float(exp2(-Double(toMs - fromMs) / halfLifeMs))
    }

    /// The factor that turns a stored decayed value into its worth at `atMs`.
    @inline(__always)
    public func decayFactor(at atMs: Int64) -> Float {
        guard let decayReferenceMs else { return 1 }
        return Self.decay(from: decayReferenceMs, to: atMs)
    }

    /// Moves the decay reference forward to `ms` (never backward) and returns the weight of an
    /// event at `ms` relative to the reference.
    private mutating func advanceReference(to ms: Int64) -> Float {
        guard let reference = decayReferenceMs else {
            decayReferenceMs = ms
            return 1
        }
        // An event before the reference is worth less at the reference time.
        if ms <= reference { return Self.decay(from: ms, to: reference) }
        let factor = Self.decay(from: reference, to: ms)
        for index in 0..<24 {
            sendsByHour[index] *= factor
            opensByHour[index] *= factor
        }
        for index in 0..<7 {
            sendsByWeekday[index] *= factor
            opensByWeekday[index] *= factor
        }
        for index in 0..<48 { listensByHour[index] *= factor }
        decayReferenceMs = ms
        return 1
    }

    // MARK: Updates

    /// A notification was sent at `ms`.
    public mutating func recordSent(notificationKey: UInt64, atMs ms: Int64) {
        let weight = advanceReference(to: ms)
        sendsByHour[Self.hour(ms)] += weight
        sendsByWeekday[Self.weekday(ms)] += weight
        lastSendMs = max(lastSendMs ?? ms, ms)
        sequence.append(SequenceEntry(sentMs: ms, notificationKey: notificationKey, outcome: .pending))
        if sequence.count > Self.sequenceLength { sequence.removeFirst(sequence.count - Self.sequenceLength) }
        sendTimesMs.append(ms)
        let horizon = (lastSendMs ?? ms) - 7 * Self.dayMs
        if let first = sendTimesMs.first, first < horizon { sendTimesMs.removeAll { $0 < horizon } }
        if sendTimesMs.count > Self.maximumSendTimes { sendTimesMs.removeFirst(sendTimesMs.count - Self.maximumSendTimes) }
    }

    /// A notification was opened at `ms`; counted at its send's hour and weekday when the send
    /// is still in the click sequence (otherwise at the open's own hour).
    public mutating func recordOpened(notificationKey: UInt64, atMs ms: Int64) {
        let weight = advanceReference(to: ms)
        lastOpenMs = max(lastOpenMs ?? ms, ms)
        var sentMs = ms
        if let index = sequence.lastIndex(where: { $0.notificationKey == notificationKey }) {
            if sequence[index].outcome == .opened { return }  // a repeated open counts once
            sequence[index].outcome = .opened
            sentMs = sequence[index].sentMs
        }
        opensByHour[Self.hour(sentMs)] += weight
        opensByWeekday[Self.weekday(sentMs)] += weight
    }

    /// A notification was dismissed at `ms`.
    public mutating func recordDismissed(notificationKey: UInt64, atMs ms: Int64) {
        if let index = sequence.lastIndex(where: { $0.notificationKey == notificationKey }),
            sequence[index].outcome == .pending
        {
            sequence[index].outcome = .dismissed
        }
    }

    /// The user played something at `ms`.
    public mutating func recordListen(atMs ms: Int64) {
        let weight = advanceReference(to: ms)
        let weekend = Self.weekday(ms) >= 5
        listensByHour[(weekend ? 24 : 0) + Self.hour(ms)] += weight
        lastListenMs = max(lastListenMs ?? ms, ms)
    }

    // MARK: Reads

    /// Sends in `(atMs − window, atMs)`, counting logged sends.
    public func sends(before atMs: Int64, window: Int64) -> Int {
        var count = 0
        for time in sendTimesMs where time < atMs && time > atMs - window { count += 1 }
        return count
    }

    /// Sum of the decayed send histogram at `atMs`.
    public func decayedSends(at atMs: Int64) -> Float { sendsByHour.reduce(0, +) * decayFactor(at: atMs) }

    /// Sum of the decayed open histogram at `atMs`.
    public func decayedOpens(at atMs: Int64) -> Float { opensByHour.reduce(0, +) * decayFactor(at: atMs) }

    /// A stable 64-bit key of a notification id (FNV-1a of its UTF-8 bytes).
    public static func notificationKey(_ id: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in id.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}
