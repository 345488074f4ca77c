#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Encore's one seeded pseudo-random generator: xoshiro256** seeded through ``SplitMix64``,
/// identical on every platform and run (model initialisation, sampling, and the simulator).
///
/// Blackman and Vigna, "Scrambled linear pseudorandom number generators" (2018), reference
/// `xoshiro256starstar.c`. The four state words are four outputs of SplitMix64 (the seeding the
/// authors recommend), so no seed gives the forbidden all-zero state:
/// ```
/// result = rotl(s1 * 5, 7) * 9
/// t = s1 << 17
/// s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 45)
/// ```
/// Bounded integers use Lemire's multiply-and-reject method and normals Box–Muller, written here
/// so that nothing depends on the standard library's unspecified algorithms. The simulator's
/// distributions (EncoreSimulation) are extensions of this type.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable, Codable {
    @usableFromInline var s0: UInt64
    @usableFromInline var s1: UInt64
    @usableFromInline var s2: UInt64
    @usableFromInline var s3: UInt64
    private var spareNormal: Float?

    /// Creates a generator from one 64-bit seed.
    public init(seed: UInt64) {
        var splitMix = SplitMix64(seed: seed)
        s0 = splitMix.next()
        s1 = splitMix.next()
        s2 = splitMix.next()
        s3 = splitMix.next()
        spareNormal = nil
    }

    /// Creates the generator of one independent stream: `stream` (a purpose) for entity `first`
    /// at `second`.
    ///
    /// The derived seed chains the SplitMix64 finaliser over the inputs, so nearby inputs (user 7
    /// and user 8) give unrelated streams, one part can be regenerated without replaying the
    /// rest, and adding draws to one part never shifts another:
    /// ```
    /// seed' = mix(mix(mix(seed ^ mix(stream)) ^ first) ^ second)
    /// ```
    public init(seed: UInt64, stream: UInt64, _ first: UInt64 = 0, _ second: UInt64 = 0) {
        var derived = SplitMix64.mix(seed ^ SplitMix64.mix(stream &+ 0x5151_5151))
        derived = SplitMix64.mix(derived ^ first)
        derived = SplitMix64.mix(derived ^ (second &+ 0x7a7a_7a7a))
        self.init(seed: derived)
    }

    /// The next 64 random bits.
    @inlinable @inline(__always)
    public mutating func next() -> UInt64 {
        let result = Self.rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = Self.rotateLeft(s3, 45)
        return result
    }

    @inlinable @inline(__always)
    static func rotateLeft(_ value: UInt64, _ count: UInt64) -> UInt64 { (value << count) | (value >> (64 - count)) }

    /// A uniform integer in `0..<bound`, unbiased (Lemire's multiply-and-reject method).
    ///
    /// - Precondition: `bound > 0`.
    @inlinable
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold { product = next().multipliedFullWidth(by: range) }
        }
        return Int(product.high)
    }

    /// A uniform Float in [0, 1) with 24 random bits.
    @inlinable
    public mutating func nextUniform() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// A standard normal Float (Box–Muller in Double, both branches used, rounded to Float).
    public mutating func nextNormal() -> Float {
        if let spare = spareNormal {
            spareNormal = nil
            return spare
        }
        var u1 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        if u1 < 1e-300 { u1 = 1e-300 }
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        let radius = (-2.0 * log(u1)).squareRoot()
        let angle = 2.0 * Double.pi * u2
        spareNormal = Float(radius * sin(angle))
        return Float(radius * cos(angle))
    }

    /// Shuffles a buffer in place (Fisher–Yates with this generator).
    public mutating func shuffle<T>(_ buffer: UnsafeMutableBufferPointer<T>) {
        guard buffer.count > 1 else { return }
        for i in stride(from: buffer.count - 1, to: 0, by: -1) {
            buffer.swapAt(i, nextInt(below: i + 1))
        }
    }
}
