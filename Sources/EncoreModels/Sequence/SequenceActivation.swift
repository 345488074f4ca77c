/// Vectorised exp, sigmoid and tanh for the gate kernel (8 lanes at a time).
///
/// exp is Cephes' single-precision polynomial after Cody–Waite range reduction (round to nearest) (about 1 ulp
/// on [-87, 88], clamped outside); sigmoid(x) = 1 / (1 + e^{−x}) and tanh(x) = 2·sigmoid(2x) − 1.
/// The same functions serve streaming, training and replay, so all three agree bit for bit.
@usableFromInline
enum SequenceActivation {
    @inline(__always) @usableFromInline
    static func exp(_ input: SIMD8<Float>) -> SIMD8<Float> {
        let x = input.clamped(lowerBound: SIMD8(repeating: -87.0), upperBound: SIMD8(repeating: 88.0))
        // n = round(x / ln 2) with the 1.5·2²³ trick: adding it leaves n in the low mantissa bits
        // (pure vector arithmetic; SIMD rounding and float→int conversion are scalarised).
        let magic = SIMD8<Float>(repeating: 12_582_912)
        let shifted = x * 1.442_695_04 + magic
        let n = shifted - magic
        var r = x - n * 0.693_359_375
        r = r + n * 2.121_944_4e-4
        let r2 = r * r
        var y = SIMD8<Float>(repeating: 1.987_569_15e-4)
        y = y * r + 1.398_199_95e-3
        y = y * r + 8.333_451_9e-3
        y = y * r + 4.166_579_59e-2
        y = y * r + 1.666_666_55e-1
        y = y * r + 5.000_000_12e-1
        y = y * r2 + r + 1
        let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
        let exponent = (integer &+ 127) &<< 23
        return y * unsafeBitCast(exponent, to: SIMD8<Float>.self)
    }

    @inline(__always) @usableFromInline
    static func sigmoid(_ x: SIMD8<Float>) -> SIMD8<Float> {
        1 / (1 + exp(-x))
    }

    @inline(__always) @usableFromInline
    static func tanh(_ x: SIMD8<Float>) -> SIMD8<Float> {
        2 / (1 + exp(-2 * x)) - 1
    }
}
