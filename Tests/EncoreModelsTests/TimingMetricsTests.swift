import EncoreEvaluation
import Testing

/// The hand-computed metric tables (docs/design/notification-timing.md §10.2).
@Suite struct TimingMetricsTests {
    @Test func aucFromAverageRanks() {
        #expect(abs(BinaryClassificationMetrics.auc(scores: [0.9, 0.8, 0.7, 0.6], labels: [true, false, true, false]) - 0.75) < 1e-12)
        #expect(BinaryClassificationMetrics.auc(scores: [0.5, 0.5], labels: [true, false]) == 0.5)
        #expect(BinaryClassificationMetrics.auc(scores: [0.1, 0.9], labels: [false, true]) == 1)
    }

    @Test func logLossAndObservedOverExpected() {
        #expect(abs(BinaryClassificationMetrics.logLoss(probabilities: [0.8], labels: [true]) - 0.223144) < 1e-6)
        #expect(abs(BinaryClassificationMetrics.observedOverExpected(probabilities: [0.5, 0.5, 0.5], labels: [true, false, true]) - 4.0 / 3) < 1e-12)
    }

    @Test func calibrationBinsHaveEqualCounts() {
        let p = (0..<100).map { Double($0) / 100 }
        let y = p.map { $0 >= 0.5 }
        let bins = BinaryClassificationMetrics.calibration(probabilities: p, labels: y)
        #expect(bins.count == 10 && bins.allSatisfy { $0.count == 10 })
        #expect(bins[0].observedRate == 0 && bins[9].observedRate == 1)
        #expect(abs(bins[9].meanPredicted - 0.945) < 1e-12)
    }
}
