import Foundation

/// Recall, NDCG and precision at K for one ranked list, as the LightGCN protocol defines them.
///
/// ```
/// hits      = |topK ∩ T|
/// recall    = hits / |T|                       (not min(K, |T|))
/// precision = hits / K
/// DCG       = Σ_{r=1..K} 1[item at r ∈ T] / log₂(r + 1)
/// IDCG      = Σ_{r=1..min(K,|T|)} 1 / log₂(r + 1)
/// ndcg      = DCG / IDCG
/// ```
public struct RankingMetrics: Sendable, Equatable {
    /// Recall@K.
    public var recall: Double
    /// NDCG@K.
    public var ndcg: Double
    /// Precision@K.
    public var precision: Double

    /// Creates a metric triple.
    public init(recall: Double, ndcg: Double, precision: Double) {
        self.recall = recall
        self.ndcg = ndcg
        self.precision = precision
    }

    /// Scores one ranked list against a user's test items.
    ///
    /// - Parameters:
    ///   - ranked: Recommended items, best first (only the first `k` count; may be shorter).
    ///   - relevant: The user's test items, sorted ascending (non-empty).
    ///   - k: The cut-off.
    public static func compute<C: Collection<Int32>>(ranked: C, relevant: ArraySlice<Int32>, k: Int) -> RankingMetrics {
        precondition(k > 0 && !relevant.isEmpty, "need k > 0 and at least one relevant item")
        var hits = 0
        var dcg = 0.0
        for (position, item) in ranked.prefix(k).enumerated() where binarySearch(relevant, item) {
            hits += 1
            dcg += 1 / log2(Double(position) + 2)
        }
        var idcg = 0.0
        for position in 0..<min(k, relevant.count) { idcg += 1 / log2(Double(position) + 2) }
        return RankingMetrics(
            recall: Double(hits) / Double(relevant.count), ndcg: dcg / idcg, precision: Double(hits) / Double(k))
    }

    static func binarySearch(_ sorted: ArraySlice<Int32>, _ value: Int32) -> Bool {
        var low = sorted.startIndex, high = sorted.endIndex
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] == value { return true }
            if sorted[middle] < value { low = middle + 1 } else { high = middle }
        }
        return false
    }
}
