import Testing

@testable import EncoreNumerics

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
}
