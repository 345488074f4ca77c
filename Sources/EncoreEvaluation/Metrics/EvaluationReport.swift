import Foundation

/// The mean full-ranking metrics over the evaluated users.
public struct EvaluationReport: Sendable, Equatable, Codable {
    /// The cut-off K.
    public var k: Int
    /// Mean recall@K.
    public var recall: Double
    /// Mean NDCG@K.
    public var ndcg: Double
    /// Mean precision@K.
    public var precision: Double
    /// Number of users averaged over (users with at least one test item).
    public var userCount: Int

    /// Creates a report.
    public init(k: Int, recall: Double, ndcg: Double, precision: Double, userCount: Int) {
        self.k = k
        self.recall = recall
        self.ndcg = ndcg
        self.precision = precision
        self.userCount = userCount
    }

    /// The metrics keyed `recall@K`, `ndcg@K`, `precision@K`.
    public var dictionary: [String: Double] {
        ["recall@\(k)": recall, "ndcg@\(k)": ndcg, "precision@\(k)": precision]
    }

    /// `recall@20 0.2151 ndcg@20 0.1612 precision@20 0.0610`.
    public var line: String {
        func f(_ x: Double) -> String { String(format: "%.4f", x) }
        return "recall@\(k) \(f(recall)) ndcg@\(k) \(f(ndcg)) precision@\(k) \(f(precision))"
    }
}
