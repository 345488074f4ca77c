import EncoreEvaluation
import EncoreModels
import EncoreNumerics
import EncorePipeline
import EncoreStore
import EncoreTraining
import Foundation

/// A retrain cycle's step for a graph model of the zoo other than LightGCN (`retrain.graph_model:
/// gte | dccf | sheaf | peco`): fit it on the training interactions (warm-started from its
/// promoted artifact when the model supports it), judge it against that promoted artifact by
/// full-ranking recall@20 on the held-out interactions, and promote it only if it is not worse.
///
/// These models do not hand item embeddings to the RNN (not all of them have any); the music
/// generation then embeds the items by co-occurrence.
struct GraphRetrainStep: Sendable {
    let kind: GraphModelKind
    let store: EncoreStore
    let epochs: Int
    let threads: Int
    let promoteMargin: Double

    struct Outcome {
        var promoted: Bool
        var reason: String
        var metrics: [String: Double]
    }

    func run(train: SparseMatrix, holdout: SparseMatrix, progress: (String) -> Void, isCancelled: () -> Bool) throws
        -> Outcome
    {
        var options = GraphTrainingOptions(dataDirectory: "store")
        options.model = kind.name
        options.epochs = epochs
        options.threads = threads
        let registry = ArtifactRegistry(store: store)
        let promoted = try registry.registry.list(name: kind.name).first { $0.status == .promoted }
        let previous = try promoted.map { try registry.load(name: kind.name, version: $0.version) }
        let candidate = try kind.fit(interactions: train, options: options, warmStart: nil) { progress_, _ in
            progress(String(format: "%@ epoch %d/%d loss %.4f %.1fs", kind.name, progress_.epoch, progress_.epochCount,
                            progress_.loss, progress_.seconds))
            return isCancelled() ? .stop : .proceed
        }
        if isCancelled() { return Outcome(promoted: false, reason: "\(kind.name): cancelled", metrics: [:]) }
        let evaluator = FullRankingEvaluator(k: 20, threads: threads)
        let candidateRecall = evaluator.evaluate(scorer: candidate.scorer, train: train, test: holdout).recall
        var metrics = ["\(kind.name)_recall@20": candidateRecall]
        if let previous, let model = try? kind.load(previous), model.itemCount <= train.columns,
            model.userCount <= train.rows
        {
            // The previous generation knows fewer users and items: score only what it knows.
            let servingRecall = evaluator.evaluate(
                scorer: PaddedRankingScorer(inner: model.scorer, itemCount: train.columns, userCount: model.userCount),
                train: train, test: holdout
            ).recall
            metrics["\(kind.name)_serving_recall@20"] = servingRecall
            if candidateRecall < servingRecall * (1 - promoteMargin) {
                return Outcome(
                    promoted: false,
                    reason: String(format: "%@ kept (recall@20 %.4f vs %.4f)", kind.name, candidateRecall, servingRecall),
                    metrics: metrics)
            }
        }
        let name = try registry.save(candidate.artifact(metrics: metrics))
        if let version = Int(name.split(separator: "@").last ?? "") {
            try registry.registry.promote(name: kind.name, version: version, atMs: Int64(Date().timeIntervalSince1970 * 1000))
        }
        return Outcome(promoted: true, reason: String(format: "%@ promoted (recall@20 %.4f)", name, candidateRecall), metrics: metrics)
    }
}

/// An older model's scores widened to the current item count (unknown items −∞) and limited to
/// the users it knows (unknown users score −∞ everywhere).
struct PaddedRankingScorer: RankingScorer {
    let inner: any RankingScorer
    let itemCount: Int
    let userCount: Int

    func scores(users: UnsafeBufferPointer<Int32>, into output: UnsafeMutableBufferPointer<Float>) {
        let known = inner.itemCount
        for index in 0..<(users.count * itemCount) { output[index] = -.infinity }
        let knownUsers = users.filter { Int($0) < userCount }
        guard !knownUsers.isEmpty else { return }
        var block = [Float](repeating: 0, count: knownUsers.count * known)
        knownUsers.withUnsafeBufferPointer { ids in
            block.withUnsafeMutableBufferPointer { inner.scores(users: ids, into: $0) }
        }
        var row = 0
        for (position, user) in users.enumerated() where Int(user) < userCount {
            for item in 0..<min(known, itemCount) { output[position * itemCount + item] = block[row * known + item] }
            row += 1
        }
    }
}
