import EncoreNumerics

/// The symmetric-normalised bipartite adjacency Ã = D^{-1/2} [[0, R], [Rᵀ, 0]] D^{-1/2}.
///
/// Node order: users `0..<M`, then items `M..<M+N`. Each stored value is 1/√(deg(u)·deg(i));
/// there are no self-loops, and a node of degree 0 has an empty row. Built directly as CSR
/// from R and Rᵀ, never through a dense or dictionary form.
public enum NormalizedAdjacency {
    /// Builds Ã from a binary user × item matrix R.
    ///
    /// - Parameter interactions: R (stored values are ignored; entries count as 1).
    /// - Returns: The (M+N) × (M+N) normalised adjacency.
    public static func build(interactions r: SparseMatrix) -> SparseMatrix {
        let m = r.rows, n = r.columns
        let rt = r.transposed()
        let nodes = m + n
        var degree = [Float](repeating: 0, count: nodes)
        for u in 0..<m { degree[u] = Float(r.rowLength(u)) }
        for i in 0..<n { degree[m + i] = Float(rt.rowLength(i)) }
        let inverseRoot = degree.map { $0 > 0 ? 1 / $0.squareRoot() : 0 }
        var offsets = [Int](repeating: 0, count: nodes + 1)
        var columns = [Int32]()
        var values = [Float]()
        columns.reserveCapacity(2 * r.nonzeroCount)
        values.reserveCapacity(2 * r.nonzeroCount)
        for u in 0..<m {
            for item in r.columns(inRow: u) {
                let node = m + Int(item)
                columns.append(Int32(node))
                values.append(inverseRoot[u] * inverseRoot[node])
            }
            offsets[u + 1] = columns.count
        }
        for i in 0..<n {
            for user in rt.columns(inRow: i) {
                columns.append(user)
                values.append(inverseRoot[Int(user)] * inverseRoot[m + i])
            }
            offsets[m + i + 1] = columns.count
        }
        return SparseMatrix(rows: nodes, columns: nodes, rowOffsets: offsets, columnIndices: columns, values: values)
    }
}
