/// C-3PO's decision policy: choose the send slot with the highest predicted open probability
/// among the slots that break no rule, or suppress.
///
/// Candidate slots: slot 0 is the request time itself, slots 1…23 the starts of the next 23
/// UTC hours. A slot is **eligible** when it is
/// - not after the request's expiry nor after `maximumDelay`,
/// - outside quiet hours in the user's local time (UTC + offset hours),
/// - at least `minimumGap` away from every send already scheduled for the user,
/// - within the daily cap: no 24-hour window containing it would hold more than `dailyCap` sends.
///
/// Then (docs/design/notification-timing.md §6): s* = argmax p over eligible slots (ties →
/// earliest); suppress when p(s*) < `suppressThreshold`; send now when slot 0 is eligible and p(0)
/// ≥ (1 − δ)·p(s*), δ = `sendNowTolerance`; otherwise delay to s*. Exploration and jitter are not
/// implemented.
public struct TimingPolicy: Sendable, Equatable {
    /// The rules and thresholds.
    public struct Settings: Sendable, Equatable {
        /// Quiet hours start (inclusive) and end (exclusive), local hours; equal = none.
        public var quietStartHour = 22
        public var quietEndHour = 8
        /// Default local offset from UTC when the user's time zone is unknown.
        public var utcOffsetHours = 0
        /// Sends in any 24 hours.
        public var dailyCap = 3
        public var minimumGap: Duration = .seconds(3600)
        public var maximumDelay: Duration = .seconds(86_400)
        /// Suppress when the best eligible slot's p(open) is below this.
        public var suppressThreshold = 0.04
        /// δ: send now when p(now) ≥ (1 − δ) · p(best).
        public var sendNowTolerance = 0.1
        public init() {}
    }

    /// What the policy chose.
    public struct Choice: Sendable, Equatable {
        public enum Action: Sendable, Equatable {
            case send
            case delay
            case suppress
        }
        public var action: Action
        /// The chosen slot (nil when suppressed for lack of an eligible slot).
        public var slot: Int?
        /// Send time (nil when suppressed).
        public var sendAtMs: Int64?
        /// p(open) at the chosen slot, or at the best eligible slot / now when suppressed.
        public var pOpen: Double
        public var reason: String
    }

    public static let slotCount = 24
    static let hourMs: Int64 = 3_600_000
    static let dayMs: Int64 = 86_400_000

    public var settings: Settings

    public init(settings: Settings) { self.settings = settings }

    /// The 24 candidate slot times of a request at `nowMs`.
    public static func slotTimes(nowMs: Int64, into times: inout [Int64]) {
        times.removeAll(keepingCapacity: true)
        times.append(nowMs)
        let hourStart = nowMs - TimingFeatureState.floorModulo(nowMs, hourMs)
        for k in 1..<slotCount { times.append(hourStart + Int64(k) * hourMs) }
    }

    /// Whether `timeMs` falls in quiet hours at local offset `utcOffsetHours`.
    public func isQuiet(_ timeMs: Int64, utcOffsetHours: Int) -> Bool {
        let start = settings.quietStartHour, end = settings.quietEndHour
        guard start != end else { return false }
        let hour = TimingFeatureState.hour(timeMs + Int64(utcOffsetHours) * Self.hourMs)
        return start < end ? (hour >= start && hour < end) : (hour >= start || hour < end)
    }

    /// Whether a send at `timeMs` keeps every 24-hour window at or under `cap` sends.
    ///
    /// - Parameter scheduled: the user's scheduled sends, ascending.
    public static func capAllows(_ timeMs: Int64, scheduled: [Int64], cap: Int) -> Bool {
        // The fullest window containing t ends at t or at a later send within 24 h.
        var ends: [Int64] = [timeMs]
        for send in scheduled where send > timeMs && send < timeMs + dayMs { ends.append(send) }
        for end in ends {
            var count = 1  // the new send
            for send in scheduled where send > end - dayMs && send <= end { count += 1 }
            if count > cap { return false }
        }
        return true
    }

    /// Whether a send at `timeMs` is at least `minimumGap` from every scheduled send.
    public func gapAllows(_ timeMs: Int64, scheduled: [Int64]) -> Bool {
        let gapMs = Int64(settings.minimumGap.components.seconds) * 1000
        guard gapMs > 0 else { return true }
        for send in scheduled where abs(send - timeMs) < gapMs { return false }
        return true
    }

    /// Decides one request.
    ///
    /// - Parameters:
    ///   - nowMs: the request time.
    ///   - expiresMs: the request's expiry, if any.
    ///   - slotTimes: the 24 slot times (``slotTimes(nowMs:into:)``).
    ///   - probabilities: p(open) per slot.
    ///   - scheduled: the user's scheduled sends, ascending.
    ///   - utcOffsetHours: the user's local offset when known, else the settings' default.
    public func decide(
        nowMs: Int64, expiresMs: Int64?, slotTimes: [Int64], probabilities: UnsafeBufferPointer<Float>,
        scheduled: [Int64], utcOffsetHours: Int?
    ) -> Choice {
        precondition(slotTimes.count == Self.slotCount && probabilities.count == Self.slotCount)
        if let expiresMs, expiresMs <= nowMs {
            return Choice(action: .suppress, slot: nil, sendAtMs: nil, pOpen: Double(probabilities[0]),
                          reason: "suppressed: expired before it could be sent")
        }
        let offset = utcOffsetHours ?? settings.utcOffsetHours
        let deadline = min(expiresMs ?? Int64.max, nowMs + Int64(settings.maximumDelay.components.seconds) * 1000)
        var best = -1
        var blockedQuiet = false, blockedCap = false, blockedGap = false
        for slot in 0..<Self.slotCount {
            let time = slotTimes[slot]
            if time > deadline { break }
            if isQuiet(time, utcOffsetHours: offset) {
                blockedQuiet = true
                continue
            }
            if !gapAllows(time, scheduled: scheduled) {
                blockedGap = true
                continue
            }
            if !Self.capAllows(time, scheduled: scheduled, cap: settings.dailyCap) {
                blockedCap = true
                continue
            }
            if best < 0 || probabilities[slot] > probabilities[best] { best = slot }
        }
        guard best >= 0 else {
            var rules: [String] = []
            if blockedQuiet { rules.append("quiet hours") }
            if blockedCap { rules.append("daily cap of \(settings.dailyCap)") }
            if blockedGap { rules.append("minimum gap") }
            let why = rules.isEmpty ? "no slot" : rules.joined(separator: ", ")
            let limit = expiresMs.map { $0 <= nowMs + Int64(settings.maximumDelay.components.seconds) * 1000 } == true
                ? "before expiry" : "within the maximum delay"
            return Choice(action: .suppress, slot: nil, sendAtMs: nil, pOpen: Double(probabilities[0]),
                          reason: "suppressed: no eligible hour \(limit) (\(why))")
        }
        let pBest = Double(probabilities[best])
        if pBest < settings.suppressThreshold {
            return Choice(action: .suppress, slot: best, sendAtMs: nil, pOpen: pBest,
                          reason: "suppressed: best eligible p_open \(Self.format(pBest)) below threshold \(Self.format(settings.suppressThreshold))")
        }
        let nowEligible = slotTimes[0] <= deadline && !isQuiet(nowMs, utcOffsetHours: offset)
            && gapAllows(nowMs, scheduled: scheduled) && Self.capAllows(nowMs, scheduled: scheduled, cap: settings.dailyCap)
        let pNow = Double(probabilities[0])
        if nowEligible, pNow >= (1 - settings.sendNowTolerance) * pBest {
            return Choice(action: .send, slot: 0, sendAtMs: nowMs, pOpen: pNow,
                          reason: best == 0 ? "now is the best eligible hour"
                            : "now is within \(Int(settings.sendNowTolerance * 100))% of the best eligible hour")
        }
        var why = "best eligible hour: p_open \(Self.format(pBest))"
        why += nowEligible ? " vs \(Self.format(pNow)) now" : (blockedQuiet && isQuiet(nowMs, utcOffsetHours: offset) ? ", now is in quiet hours" : ", now is blocked by the cap or gap")
        return Choice(action: .delay, slot: best, sendAtMs: slotTimes[best], pOpen: pBest, reason: "delayed: " + why)
    }

    static func format(_ value: Double) -> String {
        let scaled = Int((value * 1000).rounded())
        let fraction = String(scaled % 1000)
        return "\(scaled / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
