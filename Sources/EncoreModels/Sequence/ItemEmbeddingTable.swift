import EncoreNumerics

/// Frozen, L2-normalised item vectors (itemCount × d, row-major) plus where they came from.
///
/// Rows that are zero (items without an embedding, e.g. below the co-occurrence minimum count
/// or new since the last graph generation) stay zero: they score 0 against every user vector
/// and enter the RNN as an "unknown" track.
public struct ItemEmbeddingTable: Sendable, Equatable {
    /// Number of items N.
    public let itemCount: Int
    /// Embedding size d.
    public let dimension: Int
    /// Normalised rows, N × d.
    public let vectors: [Float]
    /// Where the vectors came from, e.g. `lightgcn@3` or `cooccurrence`.
    public let source: String

    /// Creates a table from raw rows, normalising each non-zero row to unit length.
    ///
    /// - Precondition: `vectors.count == itemCount * dimension`.
    public init(vectors: [Float], itemCount: Int, dimension: Int, source: String) {
        precondition(vectors.count == itemCount * dimension, "embedding table shape mismatch")
        var normalised = vectors
        for row in 0..<itemCount {
            var sum: Float = 0
            for k in 0..<dimension { sum += normalised[row * dimension + k] * normalised[row * dimension + k] }
            guard sum > 0 else { continue }
            let scale = 1 / sum.squareRoot()
            for k in 0..<dimension { normalised[row * dimension + k] *= scale }
        }
        self.init(normalizedVectors: normalised, itemCount: itemCount, dimension: dimension, source: source)
    }

    /// Wraps rows that are already normalised (artifact loading: bit-exact).
    init(normalizedVectors: [Float], itemCount: Int, dimension: Int, source: String) {
        self.itemCount = itemCount
        self.dimension = dimension
        self.vectors = normalizedVectors
        self.source = source
    }

    /// The propagated item embeddings of a LightGCN generation (rows of E for the items).
    public init(lightGCN: LightGCN, source: String) {
        let table = lightGCN.itemEmbeddings
        self.init(vectors: table.storage, itemCount: table.rows, dimension: table.columns, source: source)
    }

    /// Whether item `item` has a (non-zero) vector.
    public func contains(_ item: Int32) -> Bool {
        guard item >= 0, Int(item) < itemCount else { return false }
        let base = Int(item) * dimension
        for k in 0..<dimension where vectors[base + k] != 0 { return true }
        return false
    }
}
