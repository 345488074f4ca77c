import EncoreCore
import EncoreNumerics
import Testing

@testable import EncoreEvaluation

/// A scorer from a fixed table (one row per user).
struct TableScorer: RankingScorer {
    let table: [[Float]]
    var itemCount: Int { table[0].count }
    func scores(users: UnsafeBufferPointer<Int32>, into output: UnsafeMutableBufferPointer<Float>) {
        for (row, user) in users.enumerated() {
            for item in 0..<itemCount { output[row * itemCount + item] = table[Int(user)][item] }
        }
    }
}

@Suite struct FullRankingEvaluatorTests {
    /// Two test users and one without test items; hand-computed means.
    @Test func handComputedMeans() throws {
        // user 0: train {3} (highest raw score, must be masked), test {0, 1}; ranking 3 > 0 > 2 > 1 > 4
        // user 1: train {0}, test {4}; ranking 0 > 4 > ... -> after masking 4 is first
        // user 2: no test items (not averaged)
        let scorer = TableScorer(table: [
            [0.9, 0.5, 0.7, 10, 0.1],
            [9, 0.2, 0.3, 0.1, 5],
            [1, 2, 3, 4, 5],
        ])
        let data = try InteractionDataset(
            userCount: 3, itemCount: 5, train: [(0, 3), (1, 0), (2, 1)], test: [(0, 0), (0, 1), (1, 4)])
        let report = FullRankingEvaluator(k: 3, blockSize: 2, threads: 2).evaluate(
            scorer: scorer, train: data.train, test: data.test)
        // user 0: top3 [0, 2, 1] -> recall 1, precision 2/3, ndcg 0.9197208; user 1: top3 [4, 2, 1] -> 1, 1/3, 1.
        #expect(report.userCount == 2)
        #expect(abs(report.recall - 1) < 1e-9)
        #expect(abs(report.precision - 0.5) < 1e-9)
        #expect(abs(report.ndcg - (0.9197208 + 1) / 2) < 1e-6)
    }

    @Test func trainingItemWithHighestScoreNeverRecommended() throws {
        let scorer = TableScorer(table: [[100, 1, 2]])
        let data = try InteractionDataset(userCount: 1, itemCount: 3, train: [(0, 0)], test: [(0, 0)])
        // The only test item is a training item: it is masked, so it can never be a hit.
        let report = FullRankingEvaluator(k: 1).evaluate(scorer: scorer, train: data.train, test: data.test)
        #expect(report.recall == 0)
    }

    /// The embedding scorer (sgemm) and the block/thread split agree with naive dot products.
    @Test func embeddingScorerMatchesNaiveAndThreadsAgree() throws {
        var rng = SeededGenerator(seed: 4)
        let users = Matrix(rows: 50, columns: 8, normalMean: 0, std: 1, using: &rng)
        let items = Matrix(rows: 30, columns: 8, normalMean: 0, std: 1, using: &rng)
        let scorer = EmbeddingScorer(userEmbeddings: users, itemEmbeddings: items)
        var table = [[Float]]()
        for u in 0..<50 {
            table.append((0..<30).map { i in (0..<8).reduce(Float(0)) { $0 + users[u, $1] * items[i, $1] } })
        }
        var train = [(Int32, Int32)](), test = [(Int32, Int32)]()
        for u in 0..<50 {
            for _ in 0..<5 { train.append((Int32(u), Int32(rng.nextInt(below: 30)))) }
            if u % 3 != 0 { test.append((Int32(u), Int32(rng.nextInt(below: 30)))) }
        }
        let data = try InteractionDataset(userCount: 50, itemCount: 30, train: train, test: test)
        let a = FullRankingEvaluator(k: 5, blockSize: 7, threads: 3).evaluate(
            scorer: scorer, train: data.train, test: data.test)
        let b = FullRankingEvaluator(k: 5, blockSize: 64, threads: 1).evaluate(
            scorer: TableScorer(table: table), train: data.train, test: data.test)
        #expect(a.userCount == 33)
        #expect(abs(a.recall - b.recall) < 1e-9 && abs(a.ndcg - b.ndcg) < 1e-9 && abs(a.precision - b.precision) < 1e-9)
    }
}
