import EncoreCore
import EncorePipeline
@testable import EncoreStages
import Testing

@Suite struct RuleBaselineTests {
    private let noon: Int64 = 1_767_571_200_000 + 12 * 3_600_000  // 2026-01-05 12:00 UTC
    private let hour: Int64 = 3_600_000

    private func request(_ id: String, at time: Int64, expires: Int64? = nil) -> NotificationRequest {
        NotificationRequest(
            requestID: RequestID(id), userID: UserID("u"), notificationID: NotificationID("n-\(id)"), timestampMs: time,
            expiresMs: expires
        )
    }

    @Test func sendsNowWhenNoRuleApplies() {
        let rules = RuleBaseline(settings: .init())
        let decision = rules.decide(request("a", at: noon), user: 0)
        #expect(decision.action == .send)
        #expect(decision.sendAtMs == noon)
        #expect(decision.decisionID == RuleBaseline.decisionID(for: RequestID("a")))
        #expect(decision.model == "rules@1")
        #expect(abs(decision.pOpen - 0.1) < 1e-12, "Beta(1, 9) prior before any feedback")
    }

    @Test func delaysOutOfQuietHoursToTheirEnd() {
        let rules = RuleBaseline(settings: .init())
        let lateEvening = noon + 11 * hour  // 23:00
        let decision = rules.decide(request("a", at: lateEvening), user: 0)
        #expect(decision.action == .delay)
        #expect(decision.sendAtMs == noon + 20 * hour)  // 08:00 next day
        #expect(decision.reason.contains("quiet hours"))
    }

    @Test func respectsTheLocalOffset() {
        var settings = RuleBaseline.Settings()
        settings.utcOffsetHours = 9  // 12:00 UTC is 21:00 local: fine; 14:00 UTC is 23:00 local: quiet
        let rules = RuleBaseline(settings: settings)
        #expect(rules.decide(request("a", at: noon), user: 0).action == .send)
        let quiet = rules.decide(request("b", at: noon + 2 * hour), user: 1)
        #expect(quiet.action == .delay)
        #expect(quiet.sendAtMs == noon + 11 * hour)  // 08:00 local = 23:00 UTC
    }

    @Test func theDailyCapAndTheGapMoveSendsLater() {
        var settings = RuleBaseline.Settings()
        settings.quietStartHour = 0
        settings.quietEndHour = 0  // no quiet hours
        settings.dailyCap = 2
        settings.minimumGap = .seconds(3600)
        let rules = RuleBaseline(settings: settings)
        #expect(rules.decide(request("a", at: noon), user: 0).sendAtMs == noon)
        let gap = rules.decide(request("b", at: noon + hour / 2), user: 0)
        #expect(gap.action == .delay)
        #expect(gap.sendAtMs == noon + hour)
        #expect(gap.reason.contains("minimum gap"))
        let capped = rules.decide(request("c", at: noon + 3 * hour), user: 0)
        #expect(capped.action == .delay)
        #expect(capped.sendAtMs == noon + 24 * hour)  // when the first send leaves the 24-hour window
        #expect(capped.reason.contains("daily cap"))
    }

    @Test func suppressesWhatCannotBeSentBeforeExpiry() {
        let rules = RuleBaseline(settings: .init())
        let lateEvening = noon + 11 * hour
        let decision = rules.decide(request("a", at: lateEvening, expires: lateEvening + 2 * hour), user: 0)
        #expect(decision.action == .suppress)
        #expect(decision.sendAtMs == nil)
        #expect(decision.reason.contains("expiry"))
    }

    @Test func neverExceedsTheCapInAnyWindow() {
        var settings = RuleBaseline.Settings()
        settings.dailyCap = 3
        let rules = RuleBaseline(settings: settings)
        var sends: [Int64] = []
        for index in 0..<300 {
            // Bursty requests: several an hour, around the clock, for one user.
            let time = noon + Int64(index) * 17 * 60_000
            let decision = rules.decide(request("r\(index)", at: time, expires: time + 36 * hour), user: 7)
            if let sendAt = decision.sendAtMs { sends.append(sendAt) }
            if decision.action != .suppress { #expect(decision.sendAtMs! >= time) }
        }
        sends.sort()
        #expect(sends.count > 10)
        for (index, time) in sends.enumerated() {
            let window = sends[...index].filter { time - $0 < 24 * hour }.count
            #expect(window <= 3)
            if index > 0 { #expect(time - sends[index - 1] >= hour) }
        }
    }

    @Test func feedbackMovesTheOpenEstimate() {
        let rules = RuleBaseline(settings: .init())
        for _ in 0..<10 {
            rules.observe(user: 0, action: .sent, timestampMs: noon)
            rules.observe(user: 0, action: .opened, timestampMs: noon)
        }
        #expect(abs(rules.decide(request("a", at: noon), user: 0).pOpen - 11.0 / 20.0) < 1e-12)
    }

    @Test func stateRoundTrips() throws {
        var state = NotificationUserState()
        state.sentCount = 5
        state.openedCount = 2
        state.lastOpenMs = noon
        state.schedule(noon + hour, now: noon)
        state.schedule(noon, now: noon)
        #expect(state.scheduledSendsMs == [noon, noon + hour])
        let decoded = try #require(NotificationUserState(decoding: state.encoded()))
        #expect(decoded == state)
        #expect(NotificationUserState(decoding: Array(state.encoded().dropLast())) == nil)
    }
}

@Suite struct PopularityBaselineTests {
    private let start: Int64 = 1_767_571_200_000
    private let hour: Int64 = 3_600_000

    private func baseline(topK: Int = 3, debounceSeconds: Int64 = 0, exclude: Int = 2) -> PopularityBaseline {
        var settings = PopularityBaseline.Settings()
        settings.topK = topK
        settings.debounce = .seconds(debounceSeconds)
        settings.excludeRecent = exclude
        settings.halfLifeHours = 24
        return PopularityBaseline(settings: settings)
    }

    @Test func recommendsThePopularExceptWhatTheUserJustPlayed() throws {
        let popularity = baseline()
        // Item 0 is played 5 times, 1 four times, 2 three times, 3 twice, by other users.
        var time = start
        for (item, plays) in [(0, 5), (1, 4), (2, 3), (3, 2)] {
            for play in 0..<plays {
                _ = popularity.observe(user: Int32(100 + play), item: Int32(item), timestampMs: time)
                time += 1
            }
        }
        let result = try #require(popularity.observe(user: 1, item: 1, timestampMs: time))
        #expect(result.items.map(\.0) == [0, 2, 3])
        #expect(result.items[0].1 > result.items[1].1)
    }

    @Test func debouncesPerUserInEventTime() {
        let popularity = baseline(debounceSeconds: 600)
        _ = popularity.observe(user: 9, item: 5, timestampMs: start)
        #expect(popularity.observe(user: 1, item: 0, timestampMs: start) != nil)
        #expect(popularity.observe(user: 1, item: 1, timestampMs: start + 599_000) == nil)
        #expect(popularity.observe(user: 2, item: 1, timestampMs: start + 599_000) != nil, "debounce is per user")
        #expect(popularity.observe(user: 1, item: 2, timestampMs: start + 600_000) != nil)
    }

    @Test func oldPlaysDecay() throws {
        let popularity = baseline(topK: 1, exclude: 0)
        for index in 0..<8 { _ = popularity.observe(user: 100, item: 0, timestampMs: start + Int64(index)) }
        // Three days (three half-lives) later, three plays of item 1 outweigh eight old plays of item 0.
        let later = start + 72 * hour
        for index in 0..<3 { _ = popularity.observe(user: 101, item: 1, timestampMs: later + Int64(index)) }
        #expect(abs(popularity.score(of: 0, at: later) - 1.0) < 0.01)
        let result = try #require(popularity.observe(user: 2, item: 2, timestampMs: later + 10))
        #expect(result.items.map(\.0) == [1])
    }

    @Test func stateRoundTrips() throws {
        var state = MusicUserState()
        for item in 0..<30 { state.record(item: Int32(item), timestampMs: start + Int64(item), window: 20) }
        state.lastRecommendationMs = start
        #expect(state.recentItems == Array(10..<30).map(Int32.init))
        #expect(state.listenCount == 30)
        #expect(state.encoded().count < 4096)
        #expect(MusicUserState(decoding: state.encoded()) == state)
        #expect(MusicUserState(decoding: [2] + state.encoded().dropFirst()) == nil, "unknown versions are refused")
    }
}

@Suite struct TopSelectionTests {
    @Test func matchesAFullSortOnRandomInputs() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let count = Int.random(in: 0...300, using: &generator)
            let values = (0..<count).map { _ in Double(Int.random(in: 0...40, using: &generator)) }
            let k = Int.random(in: 0...50, using: &generator)
            let expected = values.indices.sorted { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }
                .prefix(k).map(Int32.init)
            #expect(TopSelection.largest(k, of: values) == Array(expected))
        }
    }
}
