import EncoreEvaluation
import EncoreModels

/// Lets the evaluator score any ``BatchRecommender`` (models and evaluation stay apart).
public struct ModelRankingScorer<Model: BatchRecommender>: RankingScorer {
    /// The scored model.
    public let model: Model

    /// Wraps a model.
    public init(model: Model) { self.model = model }

    /// Items the model scores.
    public var itemCount: Int { model.itemCount }

    /// The model's scores of every item for each user, row by row.
    public func scores(users: UnsafeBufferPointer<Int32>, into output: UnsafeMutableBufferPointer<Float>) {
        model.scores(users: users, into: output)
    }
}
