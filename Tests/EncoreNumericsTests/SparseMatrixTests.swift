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
        let m = SparseMatrix(rows: 2, columns: 3, rowIndices: [1, 0, 1, 1], columnIndices: [2, 1, 0, 2], values: [1, 2, 3, 4])
        #expect(m.rowOffsets == [0, 1, 3])
        #expect(m.columnIndices == [1, 0, 2])
        #expect(m.values == [2, 3, 5])
        let kept = SparseMatrix(rows: 2, columns: 3, rowIndices: [1, 1], columnIndices: [2, 2], values: [7, 9], duplicates: .keepFirst)
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
                    a.multiply(input: px.baseAddress!, output: py.baseAddress!, width: 64, accumulator: pa.baseAddress!, threads: 2)
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
