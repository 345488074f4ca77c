import EncoreCore
import EncoreEvaluation
import EncoreNumerics
import Foundation
import Testing

@testable import EncoreModels

/// The shared conformance suite every ``BatchRecommender`` must pass: fit, score, recommend,
/// batch recommend, save/load round trip through a file, warm start, and wrong-artifact rejection,
/// on a seeded synthetic data set where the model must beat popularity.
enum BatchRecommenderConformance {
    /// Seeded synthetic data with structure: users and items in 4 communities, 90 % of a
    /// user's interactions inside their community.
    static func syntheticData(users: Int = 120, items: Int = 80, perUser: Int = 12, seed: UInt64 = 11) throws
        -> InteractionDataset
    {
        var rng = SeededGenerator(seed: seed)
        var interactions = [Interaction]()
        for u in 0..<users {
            let community = u % 4
            var seen = Set<Int>()
            while seen.count < perUser {
                let inside = rng.nextUniform() < 0.9
                let item = inside ? community + 4 * rng.nextInt(below: items / 4) : rng.nextInt(below: items)
                if seen.insert(item).inserted {
                    interactions.append(Interaction(user: Int32(u), item: Int32(item), timestamp: Int64(seen.count)))
                }
            }
        }
        return try InteractionSplitter(order: .random(seed: seed), testFraction: 0.25).split(
            interactions, userCount: users, itemCount: items)
    }

    struct Scorer<Model: BatchRecommender>: RankingScorer {
        let model: Model
        var itemCount: Int { model.itemCount }
        func scores(users: UnsafeBufferPointer<Int32>, into output: UnsafeMutableBufferPointer<Float>) {
            model.scores(users: users, into: output)
        }
    }

    static func check<Model: BatchRecommender>(_: Model.Type, configuration: Model.Configuration) throws {
        let data = try syntheticData()
        var epochsSeen = 0
        let model = try Model.fit(interactions: data.train, configuration: configuration, warmStart: nil) {
            progress, _ in
            epochsSeen += 1
            #expect(progress.loss.isFinite)
            return .proceed
        }
        #expect(epochsSeen > 0)
        #expect(model.userCount == data.userCount && model.itemCount == data.itemCount)

        // Scores: right shape, finite; batch equals one-by-one.
        let users: [Int32] = [0, 5, 17, 119]
        let batch = model.scores(users: users)
        #expect(batch.rows == 4 && batch.columns == data.itemCount)
        #expect(batch.storage.allSatisfy { $0.isFinite })
        // To OpenBLAS's rounding: its kernels may block a lone row differently (BLASRounding).
        for (row, user) in users.enumerated() { #expect(BLASRounding.agree(model.scores(users: [user]).row(0), batch.row(row))) }

        // Recommend: k items, distinct, never a training item; batch equals single.
        let lists = model.recommend(users: users, k: 10, excluding: data.train)
        for (row, user) in users.enumerated() {
            #expect(lists[row].count == 10 && Set(lists[row]).count == 10)
            #expect(lists[row].allSatisfy { !data.train.contains(row: Int(user), column: $0) })
            #expect(model.recommend(users: [user], k: 10, excluding: data.train)[0] == lists[row])
        }

        // Quality: beats popularity on this community-structured data.
        let evaluator = FullRankingEvaluator(k: 10, threads: 2)
        let ours = evaluator.evaluate(scorer: Scorer(model: model), train: data.train, test: data.test)
        let popularity = evaluator.evaluate(
            scorer: PopularityScorer(train: data.train), train: data.train, test: data.test)
        #expect(ours.recall > popularity.recall)

        // Save/load through a file: identical scores, metadata carries name, fingerprint, metrics.
        let artifact = try model.artifact(metrics: ["recall@10": ours.recall])
        let path = NSTemporaryDirectory() + "encore-conformance-\(UUID().uuidString).model"
        try artifact.write(to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reread = try ModelArtifact(contentsOf: path)
        #expect(reread == artifact)
        let header = try reread.header()
        #expect(header.modelName == Model.modelName)
        #expect(header.dataFingerprint == data.train.fingerprint())
        #expect(header.metrics["recall@10"] == ours.recall)
        let loaded = try Model(artifact: reread)
        #expect(loaded.scores(users: users) == batch)

        // A corrupted or foreign artifact is rejected.
        var foreign = artifact
        foreign.metadataJSON = foreign.metadataJSON.replacingOccurrences(
            of: "\"\(Model.modelName)\"", with: "\"other\"")
        #expect(throws: ModelError.self) { try Model(artifact: foreign) }
        var truncated = artifact
        truncated.blob.removeLast()
        #expect(throws: ModelError.self) { try Model(artifact: truncated) }
        #expect(throws: ModelError.self) { try ModelArtifact(serialized: artifact.serialized().dropLast(3)) }

        // Warm start from the previous generation on data with one more user and item.
        let grown = SparseMatrix(
            rows: data.userCount + 1, columns: data.itemCount + 1,
            rowIndices: (0..<data.userCount).flatMap { u in Array(repeating: Int32(u), count: data.train.rowLength(u)) }
                + [Int32(data.userCount)],
            columnIndices: data.train.columnIndices + [Int32(data.itemCount)])
        let warm = try Model.fit(interactions: grown, configuration: configuration, warmStart: model)
        #expect(warm.userCount == data.userCount + 1 && warm.itemCount == data.itemCount + 1)
        #expect(warm.scores(users: [Int32(data.userCount)]).storage.allSatisfy { $0.isFinite })
    }
}

@Suite struct LightGCNConformanceTests {
    @Test func lightGCNPassesTheConformanceSuite() throws {
        var configuration = LightGCNConfiguration()
        configuration.embeddingDimension = 16
        configuration.epochs = 40
        configuration.batchSize = 256
        configuration.learningRate = 0.01
        configuration.threads = 2
        try BatchRecommenderConformance.check(LightGCN.self, configuration: configuration)
    }
}
