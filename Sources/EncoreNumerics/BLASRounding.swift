/// How closely two computations of the same rows agree when OpenBLAS computes them in batches of
/// different shapes.
///
/// OpenBLAS does not promise that a row of `C = A·B` comes out bit for bit the same whatever the
/// other rows of `A` are, nor whatever the thread count: its kernels block rows and split work by
/// the call's shape. On some machines they do agree exactly; on others they differ in the last
/// bit or two (seen on AMD EPYC with `OPENBLAS_CORETYPE=Haswell`, which this workplace sets for
/// OpenBLAS 0.3.21: a row scored in a batch of 4 differs from the same row scored alone by about
/// 1e-7). So "a batched wave equals sequential steps" and "one user's scores equal the batch's
/// row" hold to rounding, not to the bit, and tests compare with ``agree(_:_:)``.
///
/// A real error (a wrong row, a missed step, a stale generation) is orders of magnitude larger
/// than this tolerance.
public enum BLASRounding {
    /// The largest difference allowed, relative to `max(1, |value|)`.
    public static let tolerance: Float = 1e-5

    /// The largest `|a − b| / max(1, |a|)` over the two sequences (∞ when their lengths differ).
    public static func relativeDifference<A: Collection<Float>, B: Collection<Float>>(_ a: A, _ b: B) -> Float {
        guard a.count == b.count else { return .infinity }
        var largest: Float = 0
        for (x, y) in zip(a, b) {
            let difference = abs(x - y) / max(1, abs(x))
            if difference.isNaN { return .infinity }
            largest = max(largest, difference)
        }
        return largest
    }

    /// Whether two computations of the same values agree to OpenBLAS's rounding.
    public static func agree<A: Collection<Float>, B: Collection<Float>>(_ a: A, _ b: B) -> Bool {
        relativeDifference(a, b) <= tolerance
    }
}
