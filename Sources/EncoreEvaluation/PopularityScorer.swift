import EncoreNumerics

/// The popularity baseline: every user gets the items ordered by training degree.
///
/// The reference point every quality claim is compared with in the same run.
public struct PopularityScorer: RankingScorer {
    /// Training interaction count per item.
    public let itemDegrees: [Float]

    /// Counts item degrees in the training matrix.
    public init(train: SparseMatrix) {
        var degrees = [Float](repeating: 0, count: train.columns)
        for item in train.columnIndices { degrees[Int(item)] += 1 }
        itemDegrees = degrees
    }

    public var itemCount: Int { itemDegrees.count }

    public func scores(users: UnsafeBufferPointer<Int32>, into output: UnsafeMutableBufferPointer<Float>) {
        itemDegrees.withUnsafeBufferPointer { degrees in
            for row in 0..<users.count {
                (output.baseAddress! + row * itemCount).update(from: degrees.baseAddress!, count: itemCount)
            }
        }
    }
}
