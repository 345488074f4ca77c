import EncoreModels
import Foundation
import Testing

/// The incremental timing features against values computed by hand.
@Suite struct TimingFeatureTests {
    static let monday: Int64 = 1_767_571_200_000  // 2026-01-05T00:00Z, a Monday
    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000

    @Test func calendarIsUTCWithMondayZero() {
        #expect(TimingFeatureState.weekday(Self.monday) == 0)
        #expect(TimingFeatureState.weekday(Self.monday + 5 * Self.day + 1) == 5)
        #expect(TimingFeatureState.hour(Self.monday + 9 * Self.hour + 59 * 60_000) == 9)
        #expect(TimingFeatureState.hour(-1) == 23)
    }

    @Test func decayedHistogramsAndRecencyMatchHandComputedValues() {
        var state = TimingFeatureState()
        let t0 = Self.monday + 9 * Self.hour + 15 * 60_000  // Monday 09:15
        let a = TimingFeatureState.notificationKey("a")
        let b = TimingFeatureState.notificationKey("b")
        state.recordSent(notificationKey: a, atMs: t0)
        state.recordOpened(notificationKey: a, atMs: t0 + 10 * 60_000)
        state.recordListen(atMs: t0 + Self.hour)  // Monday 10:15, a weekday
        state.recordListen(atMs: t0 + 5 * Self.day + Self.hour)  // Saturday 10:15
        let t1 = t0 + 7 * Self.day  // next Monday 09:15
        state.recordSent(notificationKey: b, atMs: t1)
        state.recordDismissed(notificationKey: b, atMs: t1 + 30 * 60_000)

        let factor = Double(state.decayFactor(at: t1))
        // Sends at hour 9: one a week old (half weight) and one now.
        #expect(abs(Double(state.sendsByHour[9]) * factor - 1.5) < 1e-5)
        #expect(abs(Double(state.sendsByWeekday[0]) * factor - 1.5) < 1e-5)
        // The open counts at the send's hour, from 10 minutes after t0.
        let openWorth = pow(2, -Double(7 * Self.day - 10 * 60_000) / TimingFeatureState.halfLifeMs)
        #expect(abs(Double(state.opensByHour[9]) * factor - openWorth) < 1e-5)
        #expect(state.opensByHour[10] == 0)
        // Listens: weekday bin 10, weekend bin 24 + 10, each decayed from its own time.
        let weekdayListen = pow(2, -Double(7 * Self.day - Self.hour) / TimingFeatureState.halfLifeMs)
        let weekendListen = pow(2, -Double(2 * Self.day - Self.hour) / TimingFeatureState.halfLifeMs)
        #expect(abs(Double(state.listensByHour[10]) * factor - weekdayListen) < 1e-5)
        #expect(abs(Double(state.listensByHour[34]) * factor - weekendListen) < 1e-5)
        #expect(state.sequence.map(\.outcome) == [.opened, .dismissed])
        #expect(state.lastOpenMs == t0 + 10 * 60_000)
        #expect(state.lastSendMs == t1)
        #expect(state.lastListenMs == t0 + 5 * Self.day + Self.hour)
        #expect(state.sends(before: t1 + 1, window: Self.day) == 1)
        #expect(state.sends(before: t1 + 1, window: 8 * Self.day) == 2)

        // The user row at t1 + 1 h.
        let now = t1 + Self.hour
        var user = [Float](repeating: -1, count: TimingFeaturizer.userWidth)
        var sequence = [Float](repeating: -1, count: TimingFeaturizer.sequenceWidth)
        user.withUnsafeMutableBufferPointer { u in
            sequence.withUnsafeMutableBufferPointer { s in
                TimingFeaturizer.writeUser(state, nowMs: now, user: u.baseAddress!, sequence: s.baseAddress!)
            }
        }
        #expect(user[0] == 0)
        #expect(abs(user[1] - Float(log1p(1.0) / 5)) < 1e-6)  // one hour since the last send
        #expect(abs(user[3] - Float(log1p(7 * 24 + 1 - 10.0 / 60) / 5)) < 1e-5)
        #expect(abs(user[6] - Float(log1p(1.0))) < 1e-6)  // one send in the last 24 h
        #expect(abs(user[7] - Float(log1p(1.0))) < 1e-6)  // the other is 7 days + 1 h old
        // Newest first: the dismissed send, then the opened one.
        #expect(Array(sequence[0..<2]) == [0, 1])
        #expect(Array(sequence[6..<8]) == [1, 0])
        #expect(sequence[5] == 1 && sequence[11] == 1 && sequence[17] == 0)

        // The slot row for Monday 10:00 (weekday, hour 10): all weekday listening is at hour 10.
        var slot = [Float](repeating: -1, count: TimingFeaturizer.slotWidth)
        slot.withUnsafeMutableBufferPointer {
            TimingFeaturizer.writeSlot(state, nowMs: now, slotMs: t1 + 45 * 60_000, slot: $0.baseAddress!)
        }
        #expect(abs(slot[3] - 6) < 1e-5)  // 24 · share 1 / 4
        #expect(slot[9] == 0)
        #expect(abs(slot[7] - Float(log1p(1.0))) < 1e-6)
    }

    @Test func decayedValuesDoNotDependOnArrivalOrder() {
        let times: [Int64] = [0, 5, 2, 30, 1, 29].map { Self.monday + $0 * Self.hour }
        var shuffled = TimingFeatureState(), ordered = TimingFeatureState()
        for time in times { shuffled.recordListen(atMs: time) }
        for time in times.sorted() { ordered.recordListen(atMs: time) }
        let at = Self.monday + 3 * Self.day
        let expected = times.reduce(0.0) { $0 + pow(2, -Double(at - $1) / TimingFeatureState.halfLifeMs) }
        for state in [shuffled, ordered] {
            let total = Double(state.listensByHour.reduce(0, +) * state.decayFactor(at: at))
            #expect(abs(total - expected) < 1e-5, "\(total) vs \(expected)")
        }
    }

    @Test func aRepeatedOpenCountsOnce() {
        var state = TimingFeatureState()
        let key = TimingFeatureState.notificationKey("n")
        state.recordSent(notificationKey: key, atMs: Self.monday)
        state.recordOpened(notificationKey: key, atMs: Self.monday + 1000)
        state.recordOpened(notificationKey: key, atMs: Self.monday + 2000)
        #expect(abs(state.decayedOpens(at: Self.monday + 2000) - 1) < 1e-4)
    }

    @Test func labelsJoinOpensWithinTwoHours() {
        var builder = TimingExampleBuilder()
        let a = TimingFeatureState.notificationKey("a"), b = TimingFeatureState.notificationKey("b")
        let c = TimingFeatureState.notificationKey("c")
        builder.sent(user: 0, notificationKey: a, atMs: Self.monday)
        builder.opened(user: 0, notificationKey: a, atMs: Self.monday + Self.hour)
        builder.sent(user: 0, notificationKey: b, atMs: Self.monday + 3 * Self.hour)
        builder.opened(user: 0, notificationKey: b, atMs: Self.monday + 6 * Self.hour)  // late
        builder.sent(user: 1, notificationKey: c, atMs: Self.monday + 3 * Self.hour)
        builder.dismissed(user: 1, notificationKey: c, atMs: Self.monday + 4 * Self.hour)
        #expect(builder.examples.label == [1, 0, 0])
        #expect(builder.lateOpens == 1)
        // The second send's features are as of its time: one earlier send, opened.
        #expect(builder.examples.sequence[TimingFeaturizer.sequenceWidth] == 1)
    }
}
