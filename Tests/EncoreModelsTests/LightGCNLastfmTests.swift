import EncoreEvaluation
import EncoreNumerics
import EncoreTestData
import Foundation
import Testing

@testable import EncoreModels

/// A short real-data run (docs/design/lightgcn.md §11.8, reduced): LightGCN on the Last.fm split in
/// `data/lastfm` beats the popularity baseline computed in the same run. The long parity runs are
/// in BENCHMARKS.md.
@Suite struct LightGCNLastfmTests {
    @Test func beatsPopularityAfterAFewEpochs() throws {
        let directory = try RepositoryData.directory("lastfm", containing: "train.tsv")
        let data = try DatasetLoader.load(directory: directory, format: .tsv)
        var configuration = LightGCNConfiguration()
        configuration.epochs = 3
        configuration.batchSize = 8192
        configuration.learningRate = 0.008
        configuration.threads = 2
        let model = try LightGCN.fit(interactions: data.train, configuration: configuration)
        let evaluator = FullRankingEvaluator(k: 20, threads: 2)
        let ours = evaluator.evaluate(
            scorer: EmbeddingScorer(userEmbeddings: model.userEmbeddings, itemEmbeddings: model.itemEmbeddings),
            train: data.train, test: data.test)
        let popularity = evaluator.evaluate(
            scorer: PopularityScorer(train: data.train), train: data.train, test: data.test)
        #expect(ours.userCount == popularity.userCount)
        #expect(ours.recall > 1.5 * popularity.recall)
        #expect(ours.ndcg > 1.5 * popularity.ndcg)
    }
}
