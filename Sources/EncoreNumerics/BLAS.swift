import COpenBLAS

/// Thin, shape-checked wrappers over the OpenBLAS routines Encore uses.
///
/// All matrices are row-major Float32. Encore runs OpenBLAS single-threaded and splits work
/// itself (docs/ARCHITECTURE.md, "Runtime model"), so call ``setThreadCount(_:)`` with 1 once at
/// start-up.
public enum BLAS {
    /// Sets the number of threads OpenBLAS uses internally.
    public static func setThreadCount(_ count: Int) {
        openblas_set_num_threads(Int32(count))
    }

    /// C = alpha · op(A) · op(B) + beta · C on raw row-major buffers.
    ///
    /// - Parameters:
    ///   - transposeA: Use Aᵀ.
    ///   - transposeB: Use Bᵀ.
    ///   - m: Rows of op(A) and C.
    ///   - n: Columns of op(B) and C.
    ///   - k: Columns of op(A), rows of op(B).
    ///   - a: A with leading dimension `lda`.
    ///   - b: B with leading dimension `ldb`.
    ///   - c: C with leading dimension `ldc`.
    public static func sgemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// C = alpha · op(A) · op(B) + beta · C on matrices.
    ///
    /// - Precondition: the shapes agree.
    public static func sgemm(
        _ a: Matrix, transposeA: Bool = false, _ b: Matrix, transposeB: Bool = false,
        alpha: Float = 1, beta: Float = 0, into c: inout Matrix
    ) {
        let m = transposeA ? a.columns : a.rows
        let k = transposeA ? a.rows : a.columns
        let kb = transposeB ? b.columns : b.rows
        let n = transposeB ? b.rows : b.columns
        precondition(k == kb && c.rows == m && c.columns == n, "sgemm shape mismatch")
        guard m > 0, n > 0 else { return }
        if k == 0 {
            for i in c.storage.indices { c.storage[i] *= beta }
            return
        }
        a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
                c.storage.withUnsafeMutableBufferPointer { pc in
                    sgemm(
                        transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                        a: pa.baseAddress!, lda: a.columns, b: pb.baseAddress!, ldb: b.columns, beta: beta,
                        c: pc.baseAddress!, ldc: c.columns)
                }
            }
        }
    }

    /// y = alpha · op(A) · x + beta · y.
    ///
    /// - Precondition: the shapes agree.
    public static func sgemv(
        _ a: Matrix, transpose: Bool = false, _ x: [Float], alpha: Float = 1, beta: Float = 0, into y: inout [Float]
    ) {
        let outRows = transpose ? a.columns : a.rows
        let inColumns = transpose ? a.rows : a.columns
        precondition(x.count == inColumns && y.count == outRows, "sgemv shape mismatch")
        guard a.rows > 0, a.columns > 0 else {
            for i in y.indices { y[i] *= beta }
            return
        }
        a.storage.withUnsafeBufferPointer { pa in
            x.withUnsafeBufferPointer { px in
                y.withUnsafeMutableBufferPointer { py in
                    cblas_sgemv(
                        CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, blasint(a.rows), blasint(a.columns),
                        alpha, pa.baseAddress!, blasint(a.columns), px.baseAddress!, 1, beta, py.baseAddress!, 1)
                }
            }
        }
    }
}
