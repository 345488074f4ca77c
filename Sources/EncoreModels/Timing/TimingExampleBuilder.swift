/// Replays notification feedback and listens in event time and turns every `sent` into a
/// labelled example whose features are those *as of the send* (no later event leaks in).
///
/// Label join (docs/design/notification-timing.md §3): an `opened` of the same notification within
/// ``labelWindowMs`` (2 h) of the send makes the example positive; a dismissal, a later open or no
/// open leaves it negative. Events of one user must arrive in time order; users may interleave.
public struct TimingExampleBuilder: Sendable {
    public private(set) var examples = TimingExamples()
    public var labelWindowMs: Int64 = 7_200_000
    public private(set) var states: [Int32: TimingFeatureState] = [:]
    private var pending: [UInt64: (index: Int, sentMs: Int64)] = [:]
    /// Opens that came after the window (counted, the example stays negative).
    public private(set) var lateOpens = 0

    public init() {}

    public mutating func listen(user: Int32, atMs: Int64) {
        states[user, default: TimingFeatureState()].recordListen(atMs: atMs)
    }

    /// A send: appends its example (state before the send), then records it.
    public mutating func sent(user: Int32, notificationKey: UInt64, atMs: Int64, truth: Double? = nil) {
        let state = states[user] ?? TimingFeatureState()
        examples.append(state: state, nowMs: atMs, slotMs: atMs, label: 0, userIndex: user, truth: truth)
        pending[notificationKey] = (examples.count - 1, atMs)
        states[user, default: TimingFeatureState()].recordSent(notificationKey: notificationKey, atMs: atMs)
    }

    public mutating func opened(user: Int32, notificationKey: UInt64, atMs: Int64) {
        if let entry = pending.removeValue(forKey: notificationKey) {
            if atMs - entry.sentMs <= labelWindowMs { examples.setLabel(entry.index, 1) } else { lateOpens += 1 }
        }
        states[user, default: TimingFeatureState()].recordOpened(notificationKey: notificationKey, atMs: atMs)
    }

    public mutating func dismissed(user: Int32, notificationKey: UInt64, atMs: Int64) {
        pending.removeValue(forKey: notificationKey)
        states[user, default: TimingFeatureState()].recordDismissed(notificationKey: notificationKey, atMs: atMs)
    }
}
