extension SparseMatrix {
    /// The symmetric relabelling P·A·Pᵀ of a square matrix: entry (r, c) moves to
    /// (newIndex[r], newIndex[c]).
    ///
    /// Used to put high-degree graph nodes next to each other so that SpMM gathers hit fewer
    /// pages and cache sets.
    ///
    /// - Precondition: square, and `newIndex` is a permutation of `0..<rows`.
    public func symmetricallyPermuted(newIndex: [Int32]) -> SparseMatrix {
        precondition(rows == columns && newIndex.count == rows, "symmetric permutation needs a square matrix")
        var oldIndex = [Int](repeating: -1, count: rows)
        for (old, new) in newIndex.enumerated() {
            precondition(oldIndex[Int(new)] == -1, "newIndex is not a permutation")
            oldIndex[Int(new)] = old
        }
        var offsets = [Int](repeating: 0, count: rows + 1)
        var outColumns = [Int32]()
        var outValues = [Float]()
        outColumns.reserveCapacity(nonzeroCount)
        outValues.reserveCapacity(nonzeroCount)
        var scratch = [(Int32, Float)]()
        for newRow in 0..<rows {
            let old = oldIndex[newRow]
            scratch.removeAll(keepingCapacity: true)
            for e in rowOffsets[old]..<rowOffsets[old + 1] {
                scratch.append((newIndex[Int(columnIndices[e])], values[e]))
            }
            scratch.sort { $0.0 < $1.0 }
            for (c, v) in scratch {
                outColumns.append(c)
                outValues.append(v)
            }
            offsets[newRow + 1] = outColumns.count
        }
        return SparseMatrix(
            rows: rows, columns: columns, rowOffsets: offsets, columnIndices: outColumns, values: outValues)
    }

    /// A relabelling that orders rows by descending entry count (ties by index).
    public func degreeDescendingOrder() -> [Int32] {
        let order = (0..<rows).sorted { rowLength($0) != rowLength($1) ? rowLength($0) > rowLength($1) : $0 < $1 }
        var newIndex = [Int32](repeating: 0, count: rows)
        for (new, old) in order.enumerated() { newIndex[old] = Int32(new) }
        return newIndex
    }
}
