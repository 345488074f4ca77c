import EncoreCore
import Testing

@testable import EncoreNumerics

@Suite struct BLASTests {
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func sgemmMatchesNaive(transposeA: Bool, transposeB: Bool) {
        var rng = SeededGenerator(seed: 21)
        let a = Matrix(rows: transposeA ? 9 : 7, columns: transposeA ? 7 : 9, normalMean: 0, std: 1, using: &rng)
        let b = Matrix(rows: transposeB ? 5 : 9, columns: transposeB ? 9 : 5, normalMean: 0, std: 1, using: &rng)
        let start = Matrix(rows: 7, columns: 5, normalMean: 0, std: 1, using: &rng)
        var c = start
        BLAS.setThreadCount(1)
        BLAS.sgemm(a, transposeA: transposeA, b, transposeB: transposeB, alpha: 0.5, beta: 2, into: &c)
        let expected = SparseMatrixTests.naiveProduct(transposeA ? a.transposed() : a, transposeB ? b.transposed() : b)
        for i in 0..<7 {
            for j in 0..<5 {
                #expect(abs(c[i, j] - (0.5 * expected[i, j] + 2 * start[i, j])) < 1e-4)
            }
        }
    }

    @Test func sgemvMatchesNaive() {
        var rng = SeededGenerator(seed: 22)
        let a = Matrix(rows: 6, columns: 4, normalMean: 0, std: 1, using: &rng)
        let x: [Float] = [1, -2, 0.5, 3]
        var y = [Float](repeating: 1, count: 6)
        BLAS.sgemv(a, x, alpha: 1, beta: 1, into: &y)
        for i in 0..<6 {
            let expected = 1 + (0..<4).reduce(Float(0)) { $0 + a[i, $1] * x[$1] }
            #expect(abs(y[i] - expected) < 1e-5)
        }
        let xt: [Float] = [1, 2, 3, 4, 5, 6]
        var yt = [Float](repeating: 0, count: 4)
        BLAS.sgemv(a, transpose: true, xt, into: &yt)
        for j in 0..<4 {
            let expected = (0..<6).reduce(Float(0)) { $0 + a[$1, j] * xt[$1] }
            #expect(abs(yt[j] - expected) < 1e-4)
        }
    }
}
