import EncoreCore
import EncorePipeline
import EncoreStore
import Foundation

/// The demo's findings, printable for a person.
public struct DemoReport: Sendable {
    public var produced: SimulationPublisher.Counts
    public var statuses: [PipelineStatus]
    public var storeCounts: StoreCounts
    public var deadLetterReasons: [String: Int]
    public var produceSeconds: Double
    public var consumeSeconds: Double
    public var totalSeconds: Double
    public var sampleRecommendations: [Recommendation]
    public var sampleDecisions: [NotificationDecision]
    public var recommendationQuality: BaselineEvaluation.RecommendationQuality
    public var decisionQuality: BaselineEvaluation.DecisionQuality
    public var dailyCap: Int
    /// The rule baseline replayed offline on the same requests (when C-3PO decided in the pipeline).
    public var ruleQuality: BaselineEvaluation.DecisionQuality? = nil
    /// How the C-3PO predictor was obtained.
    public var c3poTraining: String? = nil
    /// Decisions per model name (`c3po@N`, the fallback, `rules@1`).
    public var decisionModels: [String: Int] = [:]
    /// Recommendation quality per serving model (`popularity@1` before the first generation, `rnn@N`).
    public var recommendationQualityByModel: [String: BaselineEvaluation.RecommendationQuality] = [:]
    /// The retrain cycles of the run, in order.
    public var retrainOutcomes: [RetrainOutcome] = []

    public var recommendationsProduced: Int { statuses.reduce(0) { $0 + $1.recommendations } }
    public var consumed: Int { statuses.reduce(0) { $0 + $1.appliedRecords + $1.deadLetters } }

    public var text: String {
        func f(_ value: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", value) }
        var lines: [String] = []
        lines.append("")
        lines.append("Encore demo report")
        lines.append("==================")
        lines.append("events consumed     \(consumed) by the pipelines (\(produced.total) produced; a pipeline reads each of its topics), in \(f(consumeSeconds, 1)) s "
            + "(\(Int(Double(consumed) / max(consumeSeconds, 0.001))) events/s end to end, produce included)")
        for status in statuses {
            lines.append("  \(status.pipeline.padding(toLength: 15, withPad: " ", startingAt: 0)) applied \(status.appliedRecords), "
                + "dead letters \(status.deadLetters), batches \(status.batches), recommendations \(status.recommendations), "
                + "decisions \(status.decisions), failed batch attempts \(status.failedBatchAttempts)")
            let t = status.timing
            lines.append("  \("".padding(toLength: 15, withPad: " ", startingAt: 0)) time: poll \(f(t.poll, 1)) s, process \(f(t.process, 1)) s, "
                + "delivery wait \(f(t.flush, 1)) s, SQLite commit \(f(t.commit, 1)) s")
        }
        lines.append("stored in SQLite    \(storeCounts.users) users, \(storeCounts.tracks) tracks, \(storeCounts.listens) listens, "
            + "\(storeCounts.notificationEvents) notification events, \(storeCounts.decisions) decisions")
        let reasons = deadLetterReasons.sorted { $0.key < $1.key }.map { "\($0.key) × \($0.value)" }.joined(separator: ", ")
        lines.append("dead letters        \(storeCounts.deadLetters) of \(produced.corrupted) corrupted on purpose (\(reasons.isEmpty ? "none" : reasons))")
        lines.append("")
        lines.append("Sample recommendations (\(Set(sampleRecommendations.map(\.model)).sorted().joined(separator: ", ")))")
        for recommendation in sampleRecommendations {
            let items = recommendation.items.prefix(5).map(\.trackID.rawValue).joined(separator: ", ")
            lines.append("  \(recommendation.userID) @ \(Self.time(recommendation.timestampMs)): \(items), …")
        }
        lines.append("Sample decisions (\(decisionModels.keys.sorted().joined(separator: ", ")))")
        for decision in sampleDecisions {
            let when = decision.sendAtMs.map { " at \(Self.time($0))" } ?? ""
            lines.append("  \(decision.requestID) for \(decision.userID): \(decision.action.rawValue)\(when), "
                + "p_open \(f(decision.pOpen, 2)) — \(decision.reason)")
        }
        lines.append("")
        lines.append("Quality against the simulator's ground truth (models beside their baselines)")
        let r = recommendationQuality
        lines.append("  recommendations   \(r.messages) scored (of \(recommendationsProduced) produced; the embedded broker keeps ~4–5 MB per partition); hit rate (user plays a recommended track within 24 h) "
            + "\(f(r.hitRate)) vs \(f(r.randomHitRate)) for random tracks; mean true relevance \(f(r.meanRelevance)) vs \(f(r.randomMeanRelevance))")
        for (model, quality) in recommendationQualityByModel.sorted(by: { $0.key < $1.key }) {
            lines.append("    \(model.padding(toLength: 15, withPad: " ", startingAt: 0)) \(quality.messages) recommendations; hit rate \(f(quality.hitRate)) "
                + "vs \(f(quality.randomHitRate)) random; mean true relevance \(f(quality.meanRelevance)) (different hours of the run: see the holdout below)")
        }
        if !retrainOutcomes.isEmpty {
            lines.append("  retrain cycles    same holdout (the latest listens), same evaluator, one run per cycle:")
            for (index, outcome) in retrainOutcomes.enumerated() {
                let candidate = outcome.candidateMetrics
                let serving = outcome.currentMetrics["hr@20"].map { f($0, 4) } ?? "popularity"
                lines.append("    cycle \(index + 1): rnn hr@20 \(f(candidate["hr@20"] ?? 0, 4)) mrr@20 \(f(candidate["mrr@20"] ?? 0, 4)) "
                    + "vs popularity hr@20 \(f(candidate["popularity_hr@20"] ?? 0, 4)), serving \(serving) → "
                    + "\(outcome.promoted ? "promoted rnn@\(outcome.generation ?? 0)" : "kept") (\(f(outcome.seconds, 1)) s; \(outcome.reason))")
            }
        }
        let d = decisionQuality
        let models = decisionModels.sorted { $0.key < $1.key }.map { "\($0.key) × \($0.value)" }.joined(separator: ", ")
        lines.append("  notifications     \(d.requests) requests: \(d.sends) sent (\(d.delayed) delayed), \(d.suppressed) suppressed; "
            + "expected opens \(f(d.expectedOpens, 1)) (\(f(d.opensPerSend)) per send), cap violations \(d.capViolations) [\(models)]")
        if let rules = ruleQuality {
            lines.append("  rule baseline     \(rules.sends) sent (\(rules.delayed) delayed), \(rules.suppressed) suppressed; "
                + "expected opens \(f(rules.expectedOpens, 1)) (\(f(rules.opensPerSend)) per send), cap violations \(rules.capViolations) "
                + "(same requests and rules, replayed offline)")
            if rules.expectedOpens > 0, rules.sends > 0, d.sends > 0 {
                lines.append("  C-3PO vs rules    expected opens ×\(f(d.expectedOpens / rules.expectedOpens, 2)), opens per send ×\(f(d.opensPerSend / rules.opensPerSend, 2))")
            }
        }

        lines.append("  send immediately  \(d.immediateSends) sent; expected opens \(f(d.immediateExpectedOpens, 1)) "
            + "(\(f(d.immediateOpensPerSend)) per send), cap violations \(d.immediateCapViolations) (cap \(dailyCap)/24 h)")
        if let c3poTraining { lines.append("  c3po model        \(c3poTraining)") }
        lines.append("")
        lines.append("total \(f(totalSeconds, 1)) s")
        return lines.joined(separator: "\n")
    }

    static func time(_ milliseconds: Int64) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000)) + "Z"
    }
}
