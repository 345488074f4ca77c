import EncoreNumerics

/// Anything that can score all items for a block of users.
///
/// The evaluator is kept apart from models: a model hands it a scorer.
public protocol RankingScorer: Sendable {
    /// Number of items scored per user.
    var itemCount: Int { get }
    /// Writes `users.count × itemCount` scores, row-major, one row per user.
    func scores(users: UnsafeBufferPointer<Int32>, into output: UnsafeMutableBufferPointer<Float>)
}

/// Dot-product scores ŷ(u, i) = e_uᵀ e_i from user and item embedding tables, via `sgemm`.
public struct EmbeddingScorer: RankingScorer {
    /// User embeddings, one row per user.
    public let userEmbeddings: Matrix
    /// Item embeddings, one row per item.
    public let itemEmbeddings: Matrix

    /// Creates a scorer.
    ///
    /// - Precondition: both tables have the same number of columns.
    public init(userEmbeddings: Matrix, itemEmbeddings: Matrix) {
        precondition(userEmbeddings.columns == itemEmbeddings.columns, "embedding widths differ")
        self.userEmbeddings = userEmbeddings
        self.itemEmbeddings = itemEmbeddings
    }

    public var itemCount: Int { itemEmbeddings.rows }

    public func scores(users: UnsafeBufferPointer<Int32>, into output: UnsafeMutableBufferPointer<Float>) {
        let d = userEmbeddings.columns
        precondition(output.count >= users.count * itemCount, "score buffer too small")
        guard !users.isEmpty, itemCount > 0 else { return }
        withUnsafeTemporaryAllocation(of: Float.self, capacity: max(1, users.count * d)) { block in
            userEmbeddings.storage.withUnsafeBufferPointer { table in
                for (row, user) in users.enumerated() {
                    let source = table.baseAddress! + Int(user) * d
                    (block.baseAddress! + row * d).update(from: source, count: d)
                }
            }
            itemEmbeddings.storage.withUnsafeBufferPointer { items in
                BLAS.sgemm(
                    transposeA: false, transposeB: true, m: users.count, n: itemCount, k: d, alpha: 1,
                    a: block.baseAddress!, lda: d, b: items.baseAddress!, ldb: d, beta: 0,
                    c: output.baseAddress!, ldc: itemCount)
            }
        }
    }
}
