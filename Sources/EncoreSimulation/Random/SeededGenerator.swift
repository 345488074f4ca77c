/// The simulator's random number generator: xoshiro256** seeded through SplitMix64.
///
/// Blackman and Vigna, "Scrambled linear pseudorandom number generators" (2018), reference
/// `xoshiro256starstar.c`. The four state words come from four outputs of ``SplitMix64`` (the
/// seeding the authors recommend), so no seed gives the forbidden all-zero state:
/// ```
/// result = rotl(s1 * 5, 7) * 9
/// t = s1 << 17
/// s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 45)
/// ```
/// Every quantity of the simulation draws from its own generator, derived with
/// ``init(seed:stream:_:_:)`` from the run seed, a purpose and the user and day it concerns, so that
/// one part (say the listening of user 7 on day 3) can be regenerated without replaying the rest,
/// and adding draws to one part never shifts another. The integer sequence is identical on every
/// platform; see ``SeededGenerator`` distribution helpers for the floating-point caveats.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    @usableFromInline var s0: UInt64
    @usableFromInline var s1: UInt64
    @usableFromInline var s2: UInt64
    @usableFromInline var s3: UInt64

    /// Creates a generator from one 64-bit seed.
    public init(seed: UInt64) {
        var splitMix = SplitMix64(seed: seed)
        s0 = splitMix.next()
        s1 = splitMix.next()
        s2 = splitMix.next()
        s3 = splitMix.next()
    }

    /// Creates the generator of one independent stream: `purpose` for entity `first` at `second`.
    ///
    /// The derived seed chains the SplitMix64 finaliser over the inputs, so nearby inputs (user 7
    /// and user 8) give unrelated streams:
    /// ```
    /// seed' = mix(mix(mix(seed ^ mix(purpose)) ^ first) ^ second)
    /// ```
    /// - Parameters:
    ///   - seed: The run seed.
    ///   - stream: What the numbers are for (see `SimulationStream`).
    ///   - first: Usually a user or track index.
    ///   - second: Usually a day index.
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
    static func rotateLeft(_ value: UInt64, _ count: UInt64) -> UInt64 {
        (value << count) | (value >> (64 - count))
    }
}

/// The purposes of the simulator's independent random streams (see
/// ``SeededGenerator/init(seed:stream:_:_:)``). Values are part of the output contract: changing
/// one changes every generated run.
enum SimulationStream {
    static let catalogue: UInt64 = 1
    static let userProfile: UInt64 = 2
    static let sessionSchedule: UInt64 = 3
    static let notificationSchedule: UInt64 = 4
    static let listening: UInt64 = 5
    static let notificationOutcome: UInt64 = 6
}
