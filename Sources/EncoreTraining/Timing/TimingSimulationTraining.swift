import EncoreCore
import EncoreModels
import EncoreSimulation
import EncoreStore
import Foundation

/// Trains a C-3PO predictor offline on a seeded simulation and registers it, for `encore demo`
/// (which needs a model before its notification pipeline starts).
///
/// The training population is a *different* simulation (its own seed), so the demo's users are
/// new to the model: it generalises from features, it has no per-user parameters.
public enum TimingSimulationTraining {
    /// Simulates `users` × `days`, trains with early stopping on the latest 15 % of the sends,
    /// and saves the predictor as the next promoted `c3po` generation of `store`.
    ///
    /// - Returns: `c3po@VERSION` and a one-line summary.
    public static func trainAndRegister(
        store: EncoreStore, seed: UInt64, users: Int, days: Int, emit: (String) -> Void
    ) throws -> (model: String, summary: String) {
        let simulator = try MusicSimulator(configuration: SimulationConfiguration(
            users: users, tracks: 2000, artists: 200, days: days, seed: seed))
        let truth = simulator.groundTruth
        var builder = TimingExampleBuilder()
        for event in simulator.makeEventStream() {
            switch event {
            case .listen(let listen):
                if let user = truth.userIndex(of: listen.userID) { builder.listen(user: Int32(user), atMs: listen.timestampMs) }
            case .notification(let notification):
                guard let user = truth.userIndex(of: notification.userID) else { continue }
                let key = TimingFeatureState.notificationKey(notification.notificationID.rawValue)
                switch notification.action {
                case .sent: builder.sent(user: Int32(user), notificationKey: key, atMs: notification.timestampMs)
                case .opened: builder.opened(user: Int32(user), notificationKey: key, atMs: notification.timestampMs)
                case .dismissed: builder.dismissed(user: Int32(user), notificationKey: key, atMs: notification.timestampMs)
                }
            default: break
            }
        }
        var options = TimingTrainer.Options()
        options.epochs = 30
        let (predictor, report) = try TimingTraining.train(examples: builder.examples, options: options) { progress in
            emit("  c3po epoch \(progress.epoch)/\(progress.epochs): train log loss \(format(progress.trainLoss, 4)), validation \(progress.validationLoss.map { format($0, 4) } ?? "-")")
        }
        let version = try TimingTraining.save(predictor, to: store, metrics: report.metrics, epochs: report.epochs)
        let summary = "c3po@\(version) trained offline on a separate simulation (seed \(seed), \(users) users × \(days) days, "
            + "\(report.trainExamples) sends, \(report.epochs) epochs): validation AUC \(format(report.validationAUC)), "
            + "log loss \(format(report.validationLogLoss, 4))"
        return ("c3po@\(version)", summary)
    }

    private static func format(_ value: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", value) }
}
