#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns a ``TimingFeatureState`` into the predictor's inputs as of a decision time: one user
/// row, the click sequence, and for each candidate send slot its hour, weekday and slot row.
///
/// Everything is computed from the state *as of* the decision time (no event after it), so the
/// same function serves training (a logged send is the slot) and serving (24 hourly slots).
///
/// User row (``userWidth`` values): never-sent bit and log1p(hours since the last send) / 5;
/// the same for the last open and the last listen; log1p of the sends in the last 24 h and 7 d;
/// log1p of the decayed sends and opens; the smoothed overall open rate
/// `(opens + 2·p̄) / (sends + 2)` with the prior p̄ = ``priorOpenRate``; log1p(decayed listens) / 3.
///
/// Click-sequence entry (``eventWidth`` values, newest first, ``TimingFeatureState/sequenceLength``
/// entries, zeros when absent): opened, dismissed, sin and cos of the send hour,
/// log1p(age in hours) / 5, presence.
///
/// Slot row (``slotWidth`` values): log1p(hours ahead) / 3; the user's smoothed open rate at the
/// slot hour `(opens_h + 2 r_u) / (sends_h + 2)`; log1p(decayed sends at that hour); the share of
/// the user's listening at the slot hour for the slot's day type (×24/4, so 0.25 is average),
/// the same averaged over the neighbouring hours, and over both day types; log1p(hours from the
/// last listen to the slot) / 5; log1p(sends in the 24 h before the slot); the smoothed open rate
/// of the slot's weekday; a weekend flag.
public enum TimingFeaturizer {
    public static let userWidth = 12
    public static let eventWidth = 6
    public static let sequenceLength = TimingFeatureState.sequenceLength
    public static let sequenceWidth = sequenceLength * eventWidth
    public static let slotWidth = 10
    /// Prior open rate used for smoothing.
    public static let priorOpenRate: Float = 0.2

    @inline(__always)
    static func hours(_ ms: Int64) -> Float { Float(Double(max(0, ms)) / 3_600_000) }

    /// Writes the user row and the click sequence at `nowMs`.
    public static func writeUser(
        _ state: TimingFeatureState, nowMs: Int64, user: UnsafeMutablePointer<Float>,
        sequence: UnsafeMutablePointer<Float>
    ) {
        func recency(_ last: Int64?, _ at: Int) {
            if let last {
                user[at] = 0
                user[at + 1] = log1pf(hours(nowMs - last)) / 5
            } else {
                user[at] = 1
                user[at + 1] = 0
            }
        }
        recency(state.lastSendMs, 0)
        recency(state.lastOpenMs, 2)
        recency(state.lastListenMs, 4)
        user[6] = log1pf(Float(state.sends(before: nowMs + 1, window: 86_400_000 + 1)))
        user[7] = log1pf(Float(state.sends(before: nowMs + 1, window: 7 * 86_400_000 + 1)))
        let factor = state.decayFactor(at: nowMs)
        let sends = state.sendsByHour.reduce(0, +) * factor
        let opens = state.opensByHour.reduce(0, +) * factor
        user[8] = log1pf(sends)
        user[9] = log1pf(opens)
        user[10] = (opens + 2 * priorOpenRate) / (sends + 2)
        user[11] = log1pf(state.listensByHour.reduce(0, +) * factor) / 3

        for index in 0..<sequenceWidth { sequence[index] = 0 }
        var slot = 0
        for entry in state.sequence.reversed() where entry.sentMs <= nowMs {
            let row = sequence + slot * eventWidth
            row[0] = entry.outcome == .opened ? 1 : 0
            row[1] = entry.outcome == .dismissed ? 1 : 0
            let angle = Float(TimingFeatureState.hour(entry.sentMs)) * (2 * Float.pi / 24)
            row[2] = sinf(angle)
            row[3] = cosf(angle)
            row[4] = log1pf(hours(nowMs - entry.sentMs)) / 5
            row[5] = 1
            slot += 1
            if slot == sequenceLength { break }
        }
    }

    /// Writes the slot row for a send at `slotMs`, decided at `nowMs`.
    ///
    /// - Parameter scheduledSendsInDay: sends the policy already scheduled in the 24 h before the
    ///   slot (the larger of this and the logged count is used).
    public static func writeSlot(
        _ state: TimingFeatureState, nowMs: Int64, slotMs: Int64, scheduledSendsInDay: Int = 0,
        slot: UnsafeMutablePointer<Float>
    ) {
        let hour = TimingFeatureState.hour(slotMs)
        let weekday = TimingFeatureState.weekday(slotMs)
        let weekend = weekday >= 5
        let factor = state.decayFactor(at: nowMs)
        let sends = state.sendsByHour.reduce(0, +) * factor
        let opens = state.opensByHour.reduce(0, +) * factor
        let userRate = (opens + 2 * priorOpenRate) / (sends + 2)
        slot[0] = log1pf(hours(slotMs - nowMs)) / 3
        let sendsAtHour = state.sendsByHour[hour] * factor
        slot[1] = (state.opensByHour[hour] * factor + 2 * userRate) / (sendsAtHour + 2)
        slot[2] = log1pf(sendsAtHour)
        let base = weekend ? 24 : 0
        var typeTotal: Float = 0
        var allTotal: Float = 0
        for index in 0..<24 {
            typeTotal += state.listensByHour[base + index]
            allTotal += state.listensByHour[index] + state.listensByHour[24 + index]
        }
        if typeTotal > 0 {
            let scale = 24 / (4 * typeTotal)
            slot[3] = state.listensByHour[base + hour] * scale
            let before = state.listensByHour[base + (hour + 23) % 24]
            let after = state.listensByHour[base + (hour + 1) % 24]
            slot[4] = (before + state.listensByHour[base + hour] + after) / 3 * scale
        } else {
            slot[3] = 0
            slot[4] = 0
        }
        slot[5] = allTotal > 0 ? (state.listensByHour[hour] + state.listensByHour[24 + hour]) * 24 / (4 * allTotal) : 0
        if let last = state.lastListenMs {
            slot[6] = log1pf(min(hours(slotMs - last), 24 * 30)) / 5
        } else {
            slot[6] = log1pf(24 * 30) / 5
        }
        let logged = state.sends(before: slotMs, window: 86_400_000)
        slot[7] = log1pf(Float(max(logged, scheduledSendsInDay)))
        let weekdaySends = state.sendsByWeekday[weekday] * factor
        slot[8] = (state.opensByWeekday[weekday] * factor + 2 * userRate) / (weekdaySends + 2)
        slot[9] = weekend ? 1 : 0
    }
}
