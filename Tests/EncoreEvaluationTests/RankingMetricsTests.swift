import Testing

@testable import EncoreEvaluation

@Suite struct RankingMetricsTests {
    // a = 0, b = 1, x = 2: T_u = {a, b}, ranked [a, x, b] (docs/design/lightgcn.md §11.7).
    @Test func handTableAtThree() {
        let m = RankingMetrics.compute(ranked: [0, 2, 1], relevant: [0, 1], k: 3)
        #expect(m.recall == 1)
        #expect(abs(m.precision - 0.6666667) < 1e-6)
        #expect(abs(m.ndcg - 0.9197208) < 1e-6)  // 1.5 / 1.6309298
    }

    @Test func handTableAtTwo() {
        let m = RankingMetrics.compute(ranked: [0, 2, 1], relevant: [0, 1], k: 2)
        #expect(m.recall == 0.5)
        #expect(m.precision == 0.5)
        #expect(abs(m.ndcg - 0.6131472) < 1e-6)  // 1 / 1.6309298
    }

    /// The recall denominator is |T|, not min(K, |T|); IDCG stops at min(K, |T|).
    @Test func denominatorsWithManyTestItems() {
        let m = RankingMetrics.compute(ranked: [5], relevant: [1, 2, 3, 4, 5], k: 1)
        #expect(m.recall == 0.2)
        #expect(m.precision == 1)
        #expect(m.ndcg == 1)
    }

    @Test func missesScoreZero() {
        let m = RankingMetrics.compute(ranked: [7, 8], relevant: [1], k: 2)
        #expect(m == RankingMetrics(recall: 0, ndcg: 0, precision: 0))
    }
}
