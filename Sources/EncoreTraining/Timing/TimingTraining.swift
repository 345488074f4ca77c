import EncoreCore
import EncoreEvaluation
import EncoreModels
import EncoreStore
import Foundation

/// Batch training of the C-3PO predictor from a store's history, callable as a library function
/// (the CLI and, later, the retrain scheduler).
///
/// The history (notification events and listens) is replayed per user in event time through
/// ``TimingExampleBuilder``; the latest `validationFraction` of the examples by time is held out
/// for early stopping and the reported metrics.
public enum TimingTraining {
    /// Figures of a training run.
    public struct Report: Sendable {
        public var trainExamples: Int
        public var validationExamples: Int
        public var epochs: Int
        public var validationAUC: Double
        public var validationLogLoss: Double
        public var metrics: [String: Double] {
            ["auc": validationAUC, "logloss": validationLogLoss, "examples": Double(trainExamples)]
        }
    }

    /// The labelled examples of everything the store holds.
    public static func examples(store: EncoreStore) throws -> TimingExamples {
        let listens = try store.listens()
        let events = try store.notificationEvents()
        var builder = TimingExampleBuilder()
        var listenPosition = 0
        var eventPosition = 0
        // Both lists are ordered by user, then time: merge them user by user.
        while listenPosition < listens.count || eventPosition < events.count {
            let takeListen: Bool
            if listenPosition == listens.count {
                takeListen = false
            } else if eventPosition == events.count {
                takeListen = true
            } else {
                let listen = listens[listenPosition], event = events[eventPosition]
                takeListen = (listen.user.rawValue, listen.timestampMs) < (event.user.rawValue, event.timestampMs)
            }
            if takeListen {
                let listen = listens[listenPosition]
                builder.listen(user: listen.user.rawValue, atMs: listen.timestampMs)
                listenPosition += 1
            } else {
                let event = events[eventPosition]
                let key = TimingFeatureState.notificationKey(event.notificationID)
                switch event.action {
                case .sent: builder.sent(user: event.user.rawValue, notificationKey: key, atMs: event.timestampMs)
                case .opened: builder.opened(user: event.user.rawValue, notificationKey: key, atMs: event.timestampMs)
                case .dismissed: builder.dismissed(user: event.user.rawValue, notificationKey: key, atMs: event.timestampMs)
                }
                eventPosition += 1
            }
        }
        return builder.examples
    }

    /// Trains a predictor on the store's history.
    ///
    /// - Throws: ``StoreError`` when the history cannot be read; ``ModelError`` when there are
    ///   too few labelled sends.
    public static func train(
        store: EncoreStore, options: TimingTrainer.Options = TimingTrainer.Options(), validationFraction: Double = 0.15,
        progress: (TimingTrainer.Progress) -> Void = { _ in }
    ) throws -> (predictor: TimingPredictor, report: Report) {
        try train(examples: examples(store: store), options: options, validationFraction: validationFraction, progress: progress)
    }

    /// Trains on given examples, holding out the latest `validationFraction` by time.
    public static func train(
        examples: TimingExamples, options: TimingTrainer.Options = TimingTrainer.Options(),
        validationFraction: Double = 0.15, progress: (TimingTrainer.Progress) -> Void = { _ in }
    ) throws -> (predictor: TimingPredictor, report: Report) {
        guard examples.count >= 20 else {
            throw ModelError(.invalidInput, "only \(examples.count) labelled sends in the history; c3po needs at least 20")
        }
        let times = examples.timestampMs.sorted()
        let split = times[min(times.count - 1, Int(Double(times.count) * (1 - validationFraction)))]
        let (train, validation) = examples.split(atMs: split)
        let trainer = TimingTrainer(options: options)
        let (predictor, epochs) = trainer.train(train, validation: validation.count > 0 ? validation : nil, progress: progress)
        let predicted = predictor.predict(validation).map(Double.init)
        let labels = validation.label.map { $0 > 0.5 }
        let report = Report(
            trainExamples: train.count, validationExamples: validation.count, epochs: epochs,
            validationAUC: BinaryClassificationMetrics.auc(scores: predicted, labels: labels),
            validationLogLoss: BinaryClassificationMetrics.logLoss(probabilities: predicted, labels: labels))
        return (predictor, report)
    }

    /// Saves a predictor as the next `c3po` generation of the store's registry.
    ///
    /// - Returns: the version number.
    @discardableResult
    public static func save(
        _ predictor: TimingPredictor, to store: EncoreStore, metrics: [String: Double], epochs: Int,
        status: ModelStatus = .promoted, createdMs: Int64 = Int64(Date().timeIntervalSince1970 * 1000)
    ) throws -> Int {
        let artifact = try predictor.artifact(metrics: metrics, trainedEpochs: epochs, dataFingerprint: "", users: 0)
        return try ModelRegistry(store: store).save(
            name: TimingPredictor.modelName, metadataJSON: artifact.metadataJSON, blob: artifact.blob,
            createdMs: createdMs, status: status)
    }
}
