#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Metrics of probabilistic binary predictions (notification opens): AUC, log loss and
/// calibration as observed / expected per decile.
public enum BinaryClassificationMetrics {
    /// Area under the ROC curve: the probability that a random positive scores above a random
    /// negative, ties counting ½, from average ranks:
    /// ```
    /// AUC = (Σ_{positives} rank − n₊(n₊ + 1)/2) / (n₊ n₋)
    /// ```
    /// Returns 0.5 when either class is empty.
    public static func auc(scores: [Double], labels: [Bool]) -> Double {
        precondition(scores.count == labels.count, "scores and labels differ in length")
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0
        var positives = 0
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count, scores[order[end + 1]] == scores[order[start]] { end += 1 }
            let averageRank = Double(start + end) / 2 + 1
            for position in start...end where labels[order[position]] {
                rankSum += averageRank
                positives += 1
            }
            start = end + 1
        }
        let negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return 0.5 }
        let p = Double(positives)
        return (rankSum - p * (p + 1) / 2) / (p * Double(negatives))
    }

    /// Mean log loss, p clipped to [1e-7, 1 − 1e-7].
    public static func logLoss(probabilities: [Double], labels: [Bool]) -> Double {
        precondition(probabilities.count == labels.count, "probabilities and labels differ in length")
        guard !labels.isEmpty else { return 0 }
        var total = 0.0
        for (p, y) in zip(probabilities, labels) {
            let clipped = min(max(p, 1e-7), 1 - 1e-7)
            total -= y ? log(clipped) : log(1 - clipped)
        }
        return total / Double(labels.count)
    }

    /// Observed / expected positives: Σ y / Σ p (1 is perfectly calibrated overall).
    public static func observedOverExpected(probabilities: [Double], labels: [Bool]) -> Double {
        let expected = probabilities.reduce(0, +)
        let observed = Double(labels.filter { $0 }.count)
        return expected > 0 ? observed / expected : .nan
    }

    /// One calibration bin.
    public struct CalibrationBin: Sendable, Equatable {
        public var count: Int
        public var meanPredicted: Double
        public var observedRate: Double
        /// Σ y / Σ p in the bin.
        public var observedOverExpected: Double
    }

    /// Calibration per equal-count bin of the predicted probability (deciles by default).
    public static func calibration(probabilities: [Double], labels: [Bool], bins: Int = 10) -> [CalibrationBin] {
        precondition(probabilities.count == labels.count && bins > 0)
        let order = probabilities.indices.sorted { probabilities[$0] < probabilities[$1] }
        guard !order.isEmpty else { return [] }
        var result: [CalibrationBin] = []
        for bin in 0..<bins {
            let start = bin * order.count / bins
            let end = (bin + 1) * order.count / bins
            guard end > start else { continue }
            var predicted = 0.0, observed = 0.0
            for position in start..<end {
                predicted += probabilities[order[position]]
                if labels[order[position]] { observed += 1 }
            }
            let count = Double(end - start)
            result.append(CalibrationBin(
                count: end - start, meanPredicted: predicted / count, observedRate: observed / count,
                observedOverExpected: predicted > 0 ? observed / predicted : .nan))
        }
        return result
    }
}
