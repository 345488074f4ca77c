import EncoreCore
import Testing

@testable import EncoreNumerics

@Suite struct SparseMatrixTests {
    static func randomSparse(rows: Int, columns: Int, entries: Int, seed: UInt64) -> SparseMatrix {
        var rng = SeededGenerator(seed: seed)
        var r = [Int32](), c = [Int32](), v = [Float]()
        for _ in 0..<entries {
            r.append(Int32(rng.nextInt(below: rows)))
            c.append(Int32(rng.nextInt(below: columns)))
            v.append(rng.nextUniform() * 2 - 1)
        }
        return SparseMatrix(rows: rows, columns: columns, rowIndices: r, columnIndices: c, values: v)
    }

    static func naiveProduct(_ a: Matrix, _ b: Matrix) -> Matrix {
        var c = Matrix(rows: a.rows, columns: b.columns)
        for i in 0..<a.rows {
            for j in 0..<b.columns {
                var s: Double = 0
                for k in 0..<a.columns { s += Double(a[i, k]) * Double(b[k, j]) }
                c[i, j] = Float(s)
            }
        }
        return c
    }

    @Test func cooToCSRSumsDuplicatesAndSortsColumns() {
        let m = SparseMatrix(
            rows: 2, columns: 3, rowIndices: [1, 0, 1, 1], columnIndices: [2, 1, 0, 2], values: [1, 2, 3, 4])
        #expect(m.rowOffsets == [0, 1, 3])
        #expect(m.columnIndices == [1, 0, 2])
        #expect(m.values == [2, 3, 5])
        let kept = SparseMatrix(
            rows: 2, columns: 3, rowIndices: [1, 1], columnIndices: [2, 2], values: [7, 9], duplicates: .keepFirst)
        #expect(kept.values == [7])
        #expect(kept.contains(row: 1, column: 2))
        #expect(!kept.contains(row: 0, column: 2))
    }

    @Test(arguments: [3, 64, 17])
    func spmmMatchesNaiveDense(width: Int) {
        let a = Self.randomSparse(rows: 57, columns: 43, entries: 400, seed: 7)
        var rng = SeededGenerator(seed: 9)
        let x = Matrix(rows: 43, columns: width, normalMean: 0, std: 1, using: &rng)
        let expected = Self.naiveProduct(a.dense(), x)
        let y = a.multiply(x, threads: 1)
        #expect(y.maxAbsoluteDifference(expected) < 1e-5)
    }

    @Test func spmmIsBitwiseIndependentOfThreadCount() {
        let a = Self.randomSparse(rows: 500, columns: 500, entries: 6000, seed: 11)
        var rng = SeededGenerator(seed: 12)
        let x = Matrix(rows: 500, columns: 64, normalMean: 0, std: 1, using: &rng)
        let one = a.multiply(x, threads: 1)
        for threads in [2, 3, 8] {
            #expect(a.multiply(x, threads: threads) == one)
        }
    }

    @Test func fusedAccumulatorAddsTheProduct() {
        let a = Self.randomSparse(rows: 30, columns: 30, entries: 200, seed: 3)
        var rng = SeededGenerator(seed: 4)
        let x = Matrix(rows: 30, columns: 64, normalMean: 0, std: 1, using: &rng)
        let start = Matrix(rows: 30, columns: 64, normalMean: 0, std: 1, using: &rng)
        var acc = start
        var y = Matrix(rows: 30, columns: 64)
        x.storage.withUnsafeBufferPointer { px in
            y.storage.withUnsafeMutableBufferPointer { py in
                acc.storage.withUnsafeMutableBufferPointer { pa in
                    a.multiply(
                        input: px.baseAddress!, output: py.baseAddress!, width: 64, accumulator: pa.baseAddress!,
                        threads: 2)
                }
            }
        }
        let product = a.multiply(x)
        #expect(y == product)
        for i in acc.storage.indices { #expect(acc.storage[i] == start.storage[i] + product.storage[i]) }
    }

    @Test func transposeAndPartition() {
        let a = Self.randomSparse(rows: 40, columns: 25, entries: 300, seed: 5)
        #expect(a.transposed().dense() == a.dense().transposed())
        #expect(a.transposed().transposed() == a)
        let bounds = a.rowPartition(parts: 4)
        #expect(bounds.count == 5 && bounds.first == 0 && bounds.last == 40)
        #expect(zip(bounds, bounds.dropFirst()).allSatisfy { $0 <= $1 })
    }

    @Test func fingerprintChangesWithContent() {
        let a = Self.randomSparse(rows: 10, columns: 10, entries: 30, seed: 1)
        let b = Self.randomSparse(rows: 10, columns: 10, entries: 30, seed: 2)
        #expect(a.fingerprint() == Self.randomSparse(rows: 10, columns: 10, entries: 30, seed: 1).fingerprint())
        #expect(a.fingerprint() != b.fingerprint())
        #expect(a.fingerprint().count == 16)
    }
}

@Suite struct SelectedRowsTests {
    @Test(arguments: [64, 5])
    func selectedRowsMatchFullProduct(width: Int) {
        let a = SparseMatrixTests.randomSparse(rows: 60, columns: 60, entries: 700, seed: 31)
        var rng = SeededGenerator(seed: 32)
        let x = Matrix(rows: 60, columns: width, normalMean: 0, std: 1, using: &rng)
        let full = a.multiply(x)
        let rows: [Int32] = [3, 59, 0, 17, 3]
        var compact = Matrix(rows: rows.count, columns: width, repeating: 1)
        rows.withUnsafeBufferPointer { r in
            x.storage.withUnsafeBufferPointer { input in
                compact.storage.withUnsafeMutableBufferPointer {
                    a.accumulateSelectedRows(
                        r, input: input.baseAddress!, width: width, into: $0.baseAddress!, threads: 3)
                }
            }
        }
        for (s, r) in rows.enumerated() {
            for k in 0..<width { #expect(abs(compact[s, k] - (1 + full[Int(r), k])) < 1e-5) }
        }
    }

    @Test(arguments: [1, 2, 4])
    func transposedFromSelectedRowsMatchesDense(threads: Int) {
        let a = SparseMatrixTests.randomSparse(rows: 40, columns: 50, entries: 500, seed: 33)
        var rng = SeededGenerator(seed: 34)
        let rows: [Int32] = [1, 7, 39, 7]
        let compact = Matrix(rows: rows.count, columns: 64, normalMean: 0, std: 1, using: &rng)
        var s = Matrix(rows: 40, columns: 64)
        for (slot, r) in rows.enumerated() { for k in 0..<64 { s[Int(r), k] += compact[slot, k] } }
        let expected = SparseMatrixTests.naiveProduct(a.dense().transposed(), s)
        var output = Matrix(rows: 50, columns: 64)
        var accumulator = Matrix(rows: 50, columns: 64, repeating: 2)
        rows.withUnsafeBufferPointer { r in
            compact.storage.withUnsafeBufferPointer { c in
                output.storage.withUnsafeMutableBufferPointer { o in
                    accumulator.storage.withUnsafeMutableBufferPointer { acc in
                        a.accumulateTransposedFromSelectedRows(
                            r, compactInput: c.baseAddress!, width: 64, into: o.baseAddress!,
                            accumulator: acc.baseAddress!, threads: threads)
                    }
                }
            }
        }
        #expect(output.maxAbsoluteDifference(expected) < 1e-5)
        for i in accumulator.storage.indices { #expect(abs(accumulator.storage[i] - (2 + output.storage[i])) < 1e-5) }
    }
}

@Suite struct PermutationTests {
    @Test func symmetricPermutationMovesEntries() {
        let a = SparseMatrixTests.randomSparse(rows: 30, columns: 30, entries: 200, seed: 41)
        let order = a.degreeDescendingOrder()
        #expect(Set(order).count == 30)
        let p = a.symmetricallyPermuted(newIndex: order)
        let dense = a.dense(), permuted = p.dense()
        for r in 0..<30 {
            for c in 0..<30 { #expect(permuted[Int(order[r]), Int(order[c])] == dense[r, c]) }
        }
        // Descending degree: row lengths never increase along the new order.
        for r in 1..<30 { #expect(p.rowLength(r - 1) >= p.rowLength(r)) }
    }
}
