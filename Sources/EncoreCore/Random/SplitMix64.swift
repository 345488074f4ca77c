/// SplitMix64: a tiny 64-bit generator used to expand one seed into well-mixed state words.
///
/// Steele, Lea and Flood (2014), as in Vigna's reference `splitmix64.c`:
/// ```
/// state += 0x9e3779b97f4a7c15
/// z = (state ^ (state >> 30)) * 0xbf58476d1ce4e5b9
/// z = (z ^ (z >> 27)) * 0x94d049bb133111eb
/// return z ^ (z >> 31)
/// ```
/// Pure integer arithmetic with wrapping operators, so every platform gives the same sequence.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The generator's whole state (settable to resume a sequence).
    public var state: UInt64

    /// Creates a generator whose first output is `mix(seed &+ 0x9e3779b97f4a7c15)`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        return Self.mix(state)
    }

    /// The SplitMix64 finaliser: a bijective avalanche of `value`.
    @inlinable
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
