import Testing

@testable import EncoreCore

@Suite struct SeededGeneratorTests {
    /// Golden values pin the stream so a platform or refactor change cannot silently alter it.
    @Test func streamIsPinned() {
        var a = SeededGenerator(seed: 2020)
        var b = SeededGenerator(seed: 2020)
        let first = (0..<4).map { _ in a.next() }
        #expect(first == (0..<4).map { _ in b.next() })
        var c = SeededGenerator(seed: 2021)
        #expect(c.next() != first[0])
        #expect(first == SeededGeneratorTests.golden)
    }

    /// xoshiro256** seeded by SplitMix64(2020), computed independently in Python.
    static let golden: [UInt64] = [2536873039720582659, 5187709462951299870, 15206255185713373222, 741655993792864395]

    @Test func boundedIntegersAreUniform() {
        var rng = SeededGenerator(seed: 1)
        var counts = [Int](repeating: 0, count: 10)
        let draws = 100_000
        for _ in 0..<draws { counts[rng.nextInt(below: 10)] += 1 }
        let expected = Double(draws) / 10
        let chiSquare = counts.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        #expect(chiSquare < 27.88)  // χ²(9) at p = 0.001
    }

    @Test func normalsHaveUnitMoments() {
        var rng = SeededGenerator(seed: 3)
        let n = 100_000
        var sum = 0.0, squares = 0.0
        for _ in 0..<n {
            let x = Double(rng.nextNormal())
            sum += x
            squares += x * x
        }
        #expect(abs(sum / Double(n)) < 0.02)
        #expect(abs(squares / Double(n) - 1) < 0.03)
    }

    @Test func splitMixMatchesTheReferenceVector() {
        // Vigna's splitmix64.c with seed 1234567.
        var generator = SplitMix64(seed: 1_234_567)
        #expect(generator.next() == 6_457_827_717_110_365_317)
        #expect(generator.next() == 3_203_168_211_198_807_973)
        #expect(generator.next() == 9_817_491_932_198_370_423)
    }

    @Test func xoshiroMatchesTheReferenceAlgorithm() {
        // Computed with an independent transcription of xoshiro256starstar.c (seeded by SplitMix64(42)).
        var generator = SeededGenerator(seed: 42)
        #expect(generator.next() == 1_546_998_764_402_558_742)
        #expect(generator.next() == 6_990_951_692_964_543_102)
        #expect(generator.next() == 12_544_586_762_248_559_009)
    }

    @Test func derivedStreamsDifferAndRepeat() {
        var first = SeededGenerator(seed: 7, stream: 1, 3, 4)
        var again = SeededGenerator(seed: 7, stream: 1, 3, 4)
        var neighbour = SeededGenerator(seed: 7, stream: 1, 4, 4)
        var otherPurpose = SeededGenerator(seed: 7, stream: 2, 3, 4)
        let value = first.next()
        #expect(value == again.next())
        #expect(value != neighbour.next())
        #expect(value != otherPurpose.next())
    }

    @Test func boundedIntegersAreInRangeAndRoughlyUniform() {
        var generator = SeededGenerator(seed: 1)
        var counts = [Int](repeating: 0, count: 7)
        let draws = 70_000
        for _ in 0..<draws { counts[generator.nextInt(below: 7)] += 1 }
        // Each count is Binomial(70000, 1/7): mean 10000, sd ≈ 93; 6 sd is a generous bound.
        for count in counts { #expect(abs(count - 10_000) < 560) }
    }
}
