import EncoreEvaluation
import EncoreModels

/// Lets the evaluator score any ``BatchRecommender`` (models and evaluation stay apart).
struct ModelRankingScorer<Model: BatchRecommender>: RankingScorer {
    let model: Model
    var itemCount: Int { model.itemCount }
    func scores(users: UnsafeBufferPointer<Int32>, into output: UnsafeMutableBufferPointer<Float>) {
        model.scores(users: users, into: output)
    }
}
