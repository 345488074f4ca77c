import EncoreNumerics

/// The item co-occurrence C = RᵀR of a binary interaction matrix, built row by row in CSR.
///
/// Row i of C is Σ_{u ∈ users(i)} R_u: one dense accumulator of N floats plus a list of touched
/// columns per worker, so the cost is Σ_u deg(u)² scatter-adds and the memory is nnz(C) entries
/// (never N × N). Rows are split into fixed chunks; each chunk is written by one worker, so the
/// result does not depend on the thread count.
enum GTECooccurrence {
    static func build(_ r: SparseMatrix, threads: Int) -> SparseMatrix {
        let n = r.columns
        let rt = r.transposed()
        let chunks = max(1, min(n, threads <= 1 ? 1 : threads * 8))
        var parts = [(rows: [Int], columns: [Int32], values: [Float])](repeating: ([], [], []), count: chunks)
        parts.withUnsafeMutableBufferPointer { partBuffer in
            let box = UncheckedSendableBox(partBuffer)
            parallelChunks(chunkCount: chunks, threads: threads) { chunk in
                let start = n * chunk / chunks, end = n * (chunk + 1) / chunks
                var accumulator = [Float](repeating: 0, count: n)
                var touched = [Int32]()
                var lengths = [Int]()
                var columns = [Int32]()
                var values = [Float]()
                lengths.reserveCapacity(end - start)
                r.rowOffsets.withUnsafeBufferPointer { offsets in
                    r.columnIndices.withUnsafeBufferPointer { items in
                        accumulator.withUnsafeMutableBufferPointer { acc in
                            for i in start..<end {
                                for user in rt.columns(inRow: i) {
                                    for e in offsets[Int(user)]..<offsets[Int(user) + 1] {
                                        let j = Int(items[e])
                                        if acc[j] == 0 { touched.append(Int32(j)) }
                                        acc[j] += 1
                                    }
                                }
                                touched.sort()
                                for j in touched {
                                    columns.append(j)
                                    values.append(acc[Int(j)])
                                    acc[Int(j)] = 0
                                }
                                lengths.append(touched.count)
                                touched.removeAll(keepingCapacity: true)
                            }
                        }
                    }
                }
                box.value[chunk] = (lengths, columns, values)
            }
        }
        var offsets = [Int](repeating: 0, count: n + 1)
        var columns = [Int32](), values = [Float]()
        let total = parts.reduce(0) { $0 + $1.columns.count }
        columns.reserveCapacity(total)
        values.reserveCapacity(total)
        var row = 0
        for part in parts {
            for length in part.rows {
                offsets[row + 1] = offsets[row] + length
                row += 1
            }
            columns.append(contentsOf: part.columns)
            values.append(contentsOf: part.values)
        }
        return SparseMatrix(rows: n, columns: n, rowOffsets: offsets, columnIndices: columns, values: values)
    }
}
