import EncoreCore
import Testing

@testable import EncoreSimulation

@Suite struct NotificationOutcomeTests {
    @Test func observedOpensMatchTheGroundTruth() throws {
        let run = try SimulationFixture.run.get()
        var all = RateSummary()
        for send in run.sends { all.add(opened: send.opened, probability: run.probability(of: send)) }
        #expect(all.count > 2_000)
        // The outcomes are Bernoulli(p) draws: the gap is within 4 standard errors.
        #expect(abs(all.observedRate - all.meanPredicted) < 4 * all.standardError)
        #expect(all.observedRate > 0.05 && all.observedRate < 0.6)
    }

    @Test func sendsInActiveHoursOpenMoreOften() throws {
        let run = try SimulationFixture.run.get()
        let truth = run.simulator.groundTruth
        var active = RateSummary()
        var inactive = RateSummary()
        for send in run.sends {
            let probability = run.probability(of: send)
            if truth.users[send.userIndex].isActiveHour(atMs: send.timestampMs) {
                active.add(opened: send.opened, probability: probability)
            } else {
                inactive.add(opened: send.opened, probability: probability)
            }
        }
        #expect(active.count > 300 && inactive.count > 300)
        // The difference must exceed 4 standard errors of the difference.
        let gapError = (active.standardError * active.standardError + inactive.standardError * inactive.standardError)
            .squareRoot()
        #expect(active.observedRate - inactive.observedRate > 4 * gapError)
        #expect(active.observedRate > 1.5 * inactive.observedRate)
        for group in [active, inactive] {
            #expect(abs(group.observedRate - group.meanPredicted) < 4 * group.standardError)
        }
    }

    @Test func fatigueLowersOpens() throws {
        let run = try SimulationFixture.run.get()
        var rested = RateSummary()
        var fatigued = RateSummary()
        for send in run.sends {
            let lastDay = send.earlierSendsMs.filter { send.timestampMs - $0 <= SimulationConfiguration.dayMs }.count
            let probability = run.probability(of: send)
            if lastDay == 0 { rested.add(opened: send.opened, probability: probability) }
            if lastDay >= 2 { fatigued.add(opened: send.opened, probability: probability) }
        }
        #expect(rested.count > 300 && fatigued.count > 200)
        let gapError = (rested.standardError * rested.standardError + fatigued.standardError * fatigued.standardError)
            .squareRoot()
        #expect(rested.meanPredicted > fatigued.meanPredicted)
        #expect(rested.observedRate - fatigued.observedRate > 2 * gapError)
        for group in [rested, fatigued] {
            #expect(abs(group.observedRate - group.meanPredicted) < 4 * group.standardError)
        }
    }

    @Test func openProbabilityIsAPureFunctionThatScoresOtherPolicies() throws {
        let run = try SimulationFixture.run.get()
        let truth = run.simulator.groundTruth
        let user = truth.users[3]
        let noon = SimulationFixture.configuration.startMs + 2 * SimulationConfiguration.dayMs + 12 * 3_600_000
        let once = truth.openProbability(user: user.userID, atMs: noon, recentSendTimesMs: [])
        #expect(once == truth.openProbability(user: user.userID, atMs: noon, recentSendTimesMs: []))
        // Sends after the scored time, or more than 7 days before it, do not count.
        let ignored = [noon + 1, noon - 8 * SimulationConfiguration.dayMs]
        #expect(once == truth.openProbability(user: user.userID, atMs: noon, recentSendTimesMs: ignored))
        // More recent sends lower it: first through the 24 h term, then only the 7-day term.
        let tired = truth.openProbability(user: user.userID, atMs: noon, recentSendTimesMs: [noon - 3_600_000])
        let lessTired = truth.openProbability(
            user: user.userID, atMs: noon, recentSendTimesMs: [noon - 3 * SimulationConfiguration.dayMs]
        )
        #expect(tired < lessTired && lessTired < once)
        // Across a day the best hour is an active hour of the user and beats the worst by far.
        let hours = (0..<24).map { noon - 12 * 3_600_000 + Int64($0) * 3_600_000 + 1_800_000 }
        let probabilities = hours.map { truth.openProbability(userIndex: 3, atMs: $0, recentSendTimesMs: []) }
        let best = try #require(probabilities.indices.max { probabilities[$0] < probabilities[$1] })
        #expect(user.isActiveHour(atMs: hours[best]))
        #expect(probabilities[best] > 2 * (probabilities.min() ?? 1))
    }

    @Test func recencyRaisesOpens() throws {
        let model = OpenProbabilityModel()
        let idle = model.probability(
            baseOpenRate: 0.2, activity: 0.5, hoursSinceLastSession: nil, sendsLastDay: 0, sendsLastWeek: 0
        )
        let justListened = model.probability(
            baseOpenRate: 0.2, activity: 0.5, hoursSinceLastSession: 0.1, sendsLastDay: 0, sendsLastWeek: 0
        )
        let longAgo = model.probability(
            baseOpenRate: 0.2, activity: 0.5, hoursSinceLastSession: 30, sendsLastDay: 0, sendsLastWeek: 0
        )
        #expect(abs(idle - 0.2) < 1e-12)  // b_u is the rate at a half-active hour, idle and rested.
        #expect(justListened > longAgo && longAgo > idle)
        let run = try SimulationFixture.run.get()
        let truth = run.simulator.groundTruth
        // A planned session start is found again, and is the latest one before the given time.
        let starts = truth.sessionStartsMs(userIndex: 5, day: 1)
        let first = try #require(starts.first)
        #expect(truth.lastSessionStartMs(userIndex: 5, atOrBeforeMs: first) == first)
        #expect(truth.lastSessionStartMs(userIndex: 5, atOrBeforeMs: first - 1) != first)
    }
}
