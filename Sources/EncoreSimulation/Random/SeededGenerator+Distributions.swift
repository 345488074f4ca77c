import EncoreCore

/// Distributions drawn from ``SeededGenerator``, written out so that they do not depend on the
/// standard library's unspecified algorithms (`Int.random(in:)`, `Double.random(in:)`).
///
/// Integer and uniform draws are exact and platform independent. Gaussian, exponential and
/// Poisson draws go through `log`, `cos` and `exp` of the C math library; those are correctly
/// rounded for nearly all inputs on glibc and Apple's libm, but not guaranteed to be, so a
/// byte-identical stream across *different* libm implementations is expected, not promised.
extension SeededGenerator {
    /// A uniform `Double` in `[0, 1)` with 53 random bits.
    @inlinable
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform `Double` in `[lower, upper)`.
    @inlinable
    public mutating func nextDouble(in lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * nextUnit()
    }

    /// `true` with probability `probability`.
    @inlinable
    public mutating func nextBool(probability: Double) -> Bool {
        nextUnit() < probability
    }

    /// A standard normal draw (Box–Muller, cosine branch; one draw per two uniforms).
    ///
    /// ```
    /// z = sqrt(−2 ln u₁) · cos(2π u₂),  u₁ ∈ (0, 1], u₂ ∈ [0, 1)
    /// ```
    public mutating func nextGaussian() -> Double {
        let u1 = 1 - nextUnit()
        let u2 = nextUnit()
        return (-2 * SimulationMath.log(u1)).squareRoot() * SimulationMath.cos(2 * Double.pi * u2)
    }

    /// An exponential draw with the given mean (inverse transform).
    public mutating func nextExponential(mean: Double) -> Double {
        -mean * SimulationMath.log(1 - nextUnit())
    }

    /// A Poisson draw: Knuth's product method below a mean of 30, a rounded normal above.
    public mutating func nextPoisson(mean: Double) -> Int {
        guard mean > 0 else { return 0 }
        if mean >= 30 {
            let draw = (mean + mean.squareRoot() * nextGaussian()).rounded()
            return max(0, Int(draw))
        }
        let limit = SimulationMath.exp(-mean)
        var count = 0
        var product = nextUnit()
        while product > limit {
            count += 1
            product *= nextUnit()
        }
        return count
    }

    /// A geometric count `≥ 1` with the given mean (number of trials up to the first success).
    public mutating func nextGeometric(mean: Double) -> Int {
        guard mean > 1 else { return 1 }
        let stop = 1 / mean
        var count = 1
        while !nextBool(probability: stop) && count < 10_000 { count += 1 }
        return count
    }
}
