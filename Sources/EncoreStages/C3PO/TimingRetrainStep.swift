import EncoreEvaluation
import EncoreModels
import EncorePipeline
import EncoreStore
import EncoreTraining
import Foundation

/// The C-3PO stage's retrain step: retrain the open predictor on the store's notification history
/// and listens, judge it against the serving predictor on the latest sends (log loss and AUC on
/// the same held-out examples), and promote it only if it is not worse. The cycle installs what
/// was promoted (docs/ARCHITECTURE.md, "The path of one retrain cycle").
public struct TimingRetrainStep: RetrainStep {
    public let store: EncoreStore
    public let generations: ModelGenerations
    public let holdoutFraction: Double
    public let promoteMargin: Double
    public var modelName: String { TimingPredictor.modelName }

    public init(store: EncoreStore, generations: ModelGenerations, holdoutFraction: Double, promoteMargin: Double) {
        self.store = store
        self.generations = generations
        self.holdoutFraction = holdoutFraction
        self.promoteMargin = promoteMargin
    }

    public func run(_ context: RetrainContext) throws -> RetrainStepOutcome {
        let progress = context.progress, isCancelled = context.isCancelled
        func outcome(_ decision: RetrainStepOutcome.Decision, version: Int? = nil, reason: String, metrics: [String: Double])
            -> RetrainStepOutcome
        {
            RetrainStepOutcome(
                modelName: modelName, decision: decision, version: version.map(Int64.init), reason: reason,
                candidateMetrics: metrics)
        }
        let examples = try TimingTraining.examples(store: store)
        guard examples.count >= 200 else {
            return outcome(
                .skipped, reason: "c3po: only \(examples.count) labelled sends, keeping the serving predictor",
                metrics: [:])
        }
        let times = examples.timestampMs.sorted()
        let cutoff = times[min(times.count - 1, Int(Double(times.count) * (1 - holdoutFraction)))]
        let (train, holdout) = examples.split(atMs: cutoff)
        guard train.count >= 100, holdout.count >= 20 else {
            return outcome(.skipped, reason: "c3po: too few sends to hold out", metrics: [:])
        }
        let (candidate, report) = try TimingTraining.train(examples: train) { step in
            _ = step
        }
        if isCancelled() { return .cancelled(modelName) }
        let labels = holdout.label.map { $0 > 0.5 }
        func judge(_ predictor: TimingPredictor) -> (auc: Double, logLoss: Double) {
            let p = predictor.predict(holdout).map(Double.init)
            return (
                BinaryClassificationMetrics.auc(scores: p, labels: labels),
                BinaryClassificationMetrics.logLoss(probabilities: p, labels: labels)
            )
        }
        let mine = judge(candidate)
        var metrics = ["c3po_auc": mine.auc, "c3po_logloss": mine.logLoss, "c3po_holdout": Double(holdout.count)]
        let serving = try servingPredictor()
        if let serving {
            let theirs = judge(serving.predictor)
            metrics["c3po_serving_auc"] = theirs.auc
            metrics["c3po_serving_logloss"] = theirs.logLoss
            progress(String(
                format: "c3po holdout: candidate auc %.4f logloss %.4f, serving c3po@%d auc %.4f logloss %.4f (%d sends)",
                mine.auc, mine.logLoss, serving.version, theirs.auc, theirs.logLoss, holdout.count))
            if mine.logLoss > theirs.logLoss * (1 + promoteMargin) {
                return outcome(
                    .kept,
                    reason: String(format: "c3po kept @%d (log loss %.4f vs %.4f)", serving.version, mine.logLoss, theirs.logLoss),
                    metrics: metrics)
            }
        }
        let version = try TimingTraining.save(
            candidate, to: store, metrics: metrics.merging(report.metrics) { a, _ in a }, epochs: report.epochs,
            status: .candidate)
        try ModelRegistry(store: store).promote(
            name: TimingPredictor.modelName, version: version, atMs: Int64(Date().timeIntervalSince1970 * 1000))
        metrics["c3po_version"] = Double(version)
        return outcome(
            .promoted, version: version,
            reason: serving == nil
                ? "c3po@\(version) first predictor"
                : String(format: "c3po@%d promoted (log loss %.4f)", version, mine.logLoss),
            metrics: metrics)
    }

    /// The predictor serving now: installed in this process, else the registry's promoted one.
    private func servingPredictor() throws -> (predictor: TimingPredictor, version: Int)? {
        if let current = generations.currentTiming { return (current.predictor, Int(current.version)) }
        guard let promoted = try ModelRegistry(store: store).list(name: TimingPredictor.modelName)
            .first(where: { $0.status == .promoted })
        else { return nil }
        let artifact = try ArtifactRegistry(store: store).load(name: TimingPredictor.modelName, version: promoted.version)
        return (try TimingPredictor(artifact: artifact), promoted.version)
    }
}
