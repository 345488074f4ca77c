import EncoreNumerics

/// What a training run reports after each epoch.
public struct TrainingProgress: Sendable, Equatable {
    /// The epoch just finished (1-based, counting warm-started epochs from zero).
    public var epoch: Int
    /// Total epochs planned.
    public var epochCount: Int
    /// Mean training loss over the epoch's batches.
    public var loss: Double
    /// Wall seconds spent in the epoch.
    public var seconds: Double
    /// Training examples (e.g. BPR triplets) processed in the epoch.
    public var examples: Int

    /// Creates a report.
    public init(epoch: Int, epochCount: Int, loss: Double, seconds: Double, examples: Int) {
        self.epoch = epoch
        self.epochCount = epochCount
        self.loss = loss
        self.seconds = seconds
        self.examples = examples
    }
}

/// What an epoch observer tells the training loop.
public enum TrainingDecision: Sendable {
    /// Keep training.
    case proceed
    /// Stop after this epoch (early stopping, budget exhausted).
    case stop
}

/// The protocol every batch-trained recommender implements (LightGCN now; DCCF, GTE, sheaf and
/// Bayesian models later).
///
/// A model is an immutable value: ``fit(interactions:configuration:warmStart:observer:)``
/// produces one, scoring reads it, ``artifact(metrics:)`` / ``init(artifact:)`` persist it. The
/// shared conformance suite in `EncoreModelsTests` checks every conformer.
public protocol BatchRecommender: Sendable {
    /// Hyperparameters, with defaults in one place.
    associatedtype Configuration: Codable & Sendable

    /// The stable name stored in artifacts and used by the CLI (`lightgcn`).
    static var modelName: String { get }

    /// The hyperparameters the model was trained with.
    var configuration: Configuration { get }
    /// Number of users (rows of the training matrix).
    var userCount: Int { get }
    /// Number of items (columns of the training matrix).
    var itemCount: Int { get }

    /// Trains a model.
    ///
    /// - Parameters:
    ///   - interactions: Binary user × item training matrix.
    ///   - configuration: Hyperparameters.
    ///   - warmStart: A previous generation to start from (indices are stable across
    ///     retrains: known rows are copied, new rows initialised fresh), or `nil`.
    ///   - observer: Called after each epoch with the progress and a function producing the
    ///     current model (only call it when needed, e.g. to evaluate); returns whether to go on.
    /// - Throws: ``ModelError`` for unusable data or configuration.
    static func fit(
        interactions: SparseMatrix, configuration: Configuration, warmStart: Self?,
        observer: (TrainingProgress, () -> Self) throws -> TrainingDecision
    ) throws -> Self

    /// Writes the scores of all items for each user, row-major `users.count × itemCount`.
    func scores(users: UnsafeBufferPointer<Int32>, into output: UnsafeMutableBufferPointer<Float>)

    /// The self-describing artifact (metadata JSON + Float32 blob).
    ///
    /// - Parameter metrics: Evaluation results to record in the metadata.
    func artifact(metrics: [String: Double]) throws -> ModelArtifact

    /// Restores a model from ``artifact(metrics:)``.
    ///
    /// - Throws: ``ModelError`` if the artifact is of another model or corrupt.
    init(artifact: ModelArtifact) throws
}

extension BatchRecommender {
    /// Trains without an observer.
    public static func fit(interactions: SparseMatrix, configuration: Configuration, warmStart: Self? = nil) throws
        -> Self
    {
        try fit(interactions: interactions, configuration: configuration, warmStart: warmStart) { _, _ in .proceed }
    }

    /// Scores of all items for the given users, as a `users.count × itemCount` matrix.
    public func scores(users: [Int32]) -> Matrix {
        var result = Matrix(rows: users.count, columns: itemCount)
        users.withUnsafeBufferPointer { u in
            result.storage.withUnsafeMutableBufferPointer { scores(users: u, into: $0) }
        }
        return result
    }

    /// Top-K items for each user, best first, never recommending excluded (e.g. training) items.
    ///
    /// - Parameters:
    ///   - users: User indices.
    ///   - k: Number of items per user.
    ///   - excluding: A user × item matrix whose stored entries are masked, or `nil`.
    public func recommend(users: [Int32], k: Int, excluding: SparseMatrix? = nil) -> [[Int32]] {
        var all = scores(users: users)
        var selector = TopKSelector(k: k)
        var result = [[Int32]]()
        result.reserveCapacity(users.count)
        for (row, user) in users.enumerated() {
            if let excluding {
                for item in excluding.columns(inRow: Int(user)) { all[row, Int(item)] = -.infinity }
            }
            result.append(selector.select(all.row(row)))
        }
        return result
    }
}
