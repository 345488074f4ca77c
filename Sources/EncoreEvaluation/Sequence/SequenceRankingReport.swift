/// Hit rate and MRR at several cut-offs over next-item evaluation points, with standard and
/// conservative ranks (docs/design/sequence-model.md §5).
///
/// ```
/// rank (standard)      = 1 + #{items scoring strictly above the target}
/// rank (conservative)  = #{items scoring ≥ the target}
/// HR@K  = share of points with rank ≤ K
/// MRR@K = mean of 1/rank, 0 when rank > K
/// ```
/// Averages are over points (micro); ``userHitRate(at:)`` averages per user first.
public struct SequenceRankingReport: Sendable, Equatable {
    /// The cut-offs reported.
    public let cutoffs: [Int]
    /// Points counted.
    public private(set) var points = 0
    /// Points skipped because their target is outside the training vocabulary.
    public internal(set) var skippedOutOfVocabulary = 0
    var hits: [Int]
    var reciprocal: [Double]
    var conservativeHits: [Int]
    var conservativeReciprocal: [Double]
    var userPoints: [Int32: Int] = [:]
    var userHits: [Int32: Int] = [:]

    /// An empty report for the given cut-offs.
    public init(cutoffs: [Int] = [1, 5, 10, 20]) {
        self.cutoffs = cutoffs
        hits = [Int](repeating: 0, count: cutoffs.count)
        reciprocal = [Double](repeating: 0, count: cutoffs.count)
        conservativeHits = hits
        conservativeReciprocal = reciprocal
    }

    /// The standard and conservative rank of `target` among `scores`.
    public static func ranks(scores: UnsafeBufferPointer<Float>, target: Int) -> (standard: Int, conservative: Int) {
        let value = scores[target]
        var above = 0, atLeast = 0
        for score in scores {
            above &+= score > value ? 1 : 0
            atLeast &+= score >= value ? 1 : 0
        }
        return (above + 1, atLeast)
    }

    /// Counts one point with the given ranks.
    public mutating func add(standardRank: Int, conservativeRank: Int, user: Int32 = 0) {
        points += 1
        for (index, k) in cutoffs.enumerated() {
            if standardRank <= k {
                hits[index] += 1
                reciprocal[index] += 1 / Double(standardRank)
            }
            if conservativeRank <= k {
                conservativeHits[index] += 1
                conservativeReciprocal[index] += 1 / Double(conservativeRank)
            }
        }
        userPoints[user, default: 0] += 1
        if let last = cutoffs.last, standardRank <= last { userHits[user, default: 0] += 1 }
    }

    func index(of k: Int) -> Int {
        guard let index = cutoffs.firstIndex(of: k) else { preconditionFailure("cut-off \(k) not tracked") }
        return index
    }

    /// HR@K with standard ranks.
    public func hitRate(at k: Int) -> Double { points > 0 ? Double(hits[index(of: k)]) / Double(points) : 0 }
    /// MRR@K with standard ranks.
    public func meanReciprocalRank(at k: Int) -> Double { points > 0 ? reciprocal[index(of: k)] / Double(points) : 0 }
    /// HR@K with conservative ranks.
    public func conservativeHitRate(at k: Int) -> Double {
        points > 0 ? Double(conservativeHits[index(of: k)]) / Double(points) : 0
    }
    /// MRR@K with conservative ranks.
    public func conservativeMeanReciprocalRank(at k: Int) -> Double {
        points > 0 ? conservativeReciprocal[index(of: k)] / Double(points) : 0
    }
    /// HR at the largest cut-off, averaged per user (macro).
    public var userHitRate: Double {
        guard !userPoints.isEmpty else { return 0 }
        var sum = 0.0
        for (user, count) in userPoints { sum += Double(userHits[user, default: 0]) / Double(count) }
        return sum / Double(userPoints.count)
    }

    /// One line: `hr@1 … mrr@20 …`.
    public var line: String {
        var parts = [String]()
        for k in cutoffs { parts.append("hr@\(k) " + String(format4(hitRate(at: k)))) }
        for k in cutoffs { parts.append("mrr@\(k) " + String(format4(meanReciprocalRank(at: k)))) }
        return parts.joined(separator: " ") + " (\(points) points)"
    }

    func format4(_ value: Double) -> String {
        let scaled = (value * 10_000).rounded()
        let whole = Int(scaled) / 10_000, fraction = Int(scaled) % 10_000
        let digits = String(fraction)
        return "\(whole)." + String(repeating: "0", count: 4 - digits.count) + digits
    }
}
