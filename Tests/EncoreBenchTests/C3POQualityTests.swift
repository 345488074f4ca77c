import EncoreBench
import Testing

/// Quality in one run on a small seeded simulation: the DNN against the three baselines on the
/// held-out later days, and the policy replay scored with the simulator's ground truth.
@Suite struct C3POQualityTests {
    @Test func theDNNBeatsItsBaselinesAndThePolicyKeepsTheRules() throws {
        var options = TimingEvaluation.Options()
        options.seed = 7
        options.users = 200
        options.days = 10
        options.testDays = 3
        options.epochs = 15
        let result = try TimingEvaluation.run(options) { _ in }
        #expect(result.testExamples > 500)
        for (name, scores) in result.baselines where name != "truth" {
            #expect(result.c3po.auc > scores.auc, "AUC vs \(name): \(result.c3po.auc) vs \(scores.auc)")
            #expect(result.c3po.logLoss < scores.logLoss, "log loss vs \(name): \(result.c3po.logLoss) vs \(scores.logLoss)")
        }
        #expect(Set(result.baselines.map(\.name)) == ["global_hour", "user_hour", "logistic_regression", "truth"])
        let policies = Dictionary(uniqueKeysWithValues: result.policies.map { ($0.name, $0.figures) })
        let c3po = try #require(policies["c3po"]), immediate = try #require(policies["send_immediately"])
        let rules = try #require(policies["rules"])
        #expect(c3po.capViolations == 0 && c3po.quietHourViolations == 0 && rules.capViolations == 0)
        #expect(immediate.capViolations > 0, "the check can fail")
        #expect(c3po.opensPerSend > immediate.opensPerSend && c3po.opensPerSend > rules.opensPerSend)
        #expect(result.jsonLine.hasPrefix("{\"model\":\"c3po\",\"auc\":"))
    }
}
