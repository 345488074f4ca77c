import EncoreCore
import EncoreModels
import EncoreNumerics
import Testing

/// The decision policy: hard rules never broken under seeded random inputs, and its table cases.
@Suite struct TimingPolicyTests {
    static let start: Int64 = 1_767_571_200_000
    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000

    func decide(
        _ policy: TimingPolicy, now: Int64, expires: Int64?, p: [Float], scheduled: [Int64], offset: Int? = nil
    ) -> TimingPolicy.Choice {
        var times: [Int64] = []
        TimingPolicy.slotTimes(nowMs: now, into: &times)
        return p.withUnsafeBufferPointer {
            policy.decide(nowMs: now, expiresMs: expires, slotTimes: times, probabilities: $0, scheduled: scheduled, utcOffsetHours: offset)
        }
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func hardRulesHoldUnderRandomInputs(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        var settings = TimingPolicy.Settings()
        settings.dailyCap = 1 + generator.nextInt(below: 3)
        settings.minimumGap = .seconds(Int64(60 * generator.nextInt(below: 240)))
        settings.quietStartHour = 20 + generator.nextInt(below: 4)
        settings.quietEndHour = 6 + generator.nextInt(below: 3)
        settings.suppressThreshold = 0.05
        let policy = TimingPolicy(settings: settings)
        var sends = 0, suppressed = 0
        for _ in 0..<40 {  // users
            let offset = generator.nextInt(below: 27) - 12
            var scheduled: [Int64] = []
            var now = Self.start + Int64(generator.nextInt(below: Int(Self.day)))
            for _ in 0..<30 {  // requests of this user, in time order
                now += Int64(generator.nextInt(below: Int(8 * Self.hour)))
                let expires: Int64? = generator.nextUniform() < 0.2 ? nil : now + Int64(generator.nextInt(below: Int(30 * Self.hour))) - Self.hour
                let p = (0..<24).map { _ in generator.nextUniform() * 0.4 }
                let choice = decide(policy, now: now, expires: expires, p: p, scheduled: scheduled, offset: offset)
                guard let sendAt = choice.sendAtMs else {
                    #expect(choice.action == .suppress)
                    suppressed += 1
                    continue
                }
                sends += 1
                #expect(sendAt >= now && sendAt <= now + Self.day)
                if let expires { #expect(sendAt <= expires, "never after expiry") }
                #expect(!policy.isQuiet(sendAt, utcOffsetHours: offset), "never in local quiet hours")
                #expect(policy.gapAllows(sendAt, scheduled: scheduled), "minimum gap")
                #expect(TimingPolicy.capAllows(sendAt, scheduled: scheduled, cap: settings.dailyCap))
                #expect(Double(p[choice.slot!]) == choice.pOpen && choice.pOpen >= settings.suppressThreshold)
                let index = scheduled.firstIndex { $0 > sendAt } ?? scheduled.endIndex
                scheduled.insert(sendAt, at: index)
            }
            // No 24-hour window of this user holds more than the cap.
            for (index, send) in scheduled.enumerated() {
                let window = scheduled[index...].prefix { $0 < send + Self.day }.count
                #expect(window <= settings.dailyCap)
            }
        }
        #expect(sends > 100 && suppressed > 10, "both outcomes occur (\(sends) sends, \(suppressed) suppressed)")
    }

    @Test func tableCases() {
        let policy = TimingPolicy(settings: TimingPolicy.Settings())
        let night = Self.start + 23 * Self.hour + 30 * 60_000  // 23:30 UTC
        var p = [Float](repeating: 0.2, count: 24)
        // Quiet hours: delayed to 08:00 local (slot starts are whole hours).
        let delayed = decide(policy, now: night, expires: nil, p: p, scheduled: [])
        #expect(delayed.action == .delay && delayed.sendAtMs == Self.start + Self.day + 8 * Self.hour)
        // ... or suppressed when the request expires first.
        let expiring = decide(policy, now: night, expires: night + 2 * Self.hour, p: p, scheduled: [])
        #expect(expiring.action == .suppress && expiring.reason.contains("quiet hours"))
        // Local time: 23:30 UTC is 09:30 at UTC+10, so it can go now.
        #expect(decide(policy, now: night, expires: nil, p: p, scheduled: [], offset: 10).action == .send)
        // Expired.
        #expect(decide(policy, now: night, expires: night, p: p, scheduled: []).reason.contains("expired"))
        // Threshold.
        let noon = Self.start + 12 * Self.hour
        #expect(decide(policy, now: noon, expires: nil, p: [Float](repeating: 0.01, count: 24), scheduled: []).action == .suppress)
        // Send-now tolerance: now within 10% of the best → send; far below → delay to the best.
        p = [Float](repeating: 0.1, count: 24)
        p[0] = 0.19
        p[5] = 0.2
        #expect(decide(policy, now: noon, expires: nil, p: p, scheduled: []).action == .send)
        p[0] = 0.1
        let best = decide(policy, now: noon, expires: nil, p: p, scheduled: [])
        #expect(best.action == .delay && best.sendAtMs == noon + 5 * Self.hour && best.pOpen == Double(p[5]))
        // Minimum gap and cap push the choice away from already scheduled sends.
        let gapped = decide(policy, now: noon, expires: nil, p: [Float](repeating: 0.2, count: 24), scheduled: [noon - 30 * 60_000])
        #expect(gapped.sendAtMs == noon + Self.hour)
        let capped = decide(policy, now: noon, expires: noon + 6 * Self.hour, p: [Float](repeating: 0.2, count: 24),
                            scheduled: [noon - 5 * Self.hour, noon - 4 * Self.hour, noon - 3 * Self.hour])
        #expect(capped.action == .suppress && capped.reason.contains("daily cap"))
    }
}
