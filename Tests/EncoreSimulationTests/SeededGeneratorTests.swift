import Testing

@testable import EncoreSimulation

@Suite struct SeededGeneratorTests {
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

    @Test func distributionsHaveTheirMoments() {
        var generator = SeededGenerator(seed: 2)
        let samples = 40_000
        var sum = 0.0
        var squares = 0.0
        var unitMinimum = 1.0
        var unitMaximum = 0.0
        var poissonSum = 0
        var exponentialSum = 0.0
        for _ in 0..<samples {
            let normal = generator.nextGaussian()
            sum += normal
            squares += normal * normal
            let unit = generator.nextUnit()
            unitMinimum = min(unitMinimum, unit)
            unitMaximum = max(unitMaximum, unit)
            poissonSum += generator.nextPoisson(mean: 2.5)
            exponentialSum += generator.nextExponential(mean: 3)
        }
        let mean = sum / Double(samples)
        // Standard errors: normal mean 0.005, variance ≈ 0.007, Poisson mean 0.008, exponential 0.015.
        #expect(abs(mean) < 0.03)
        #expect(abs(squares / Double(samples) - mean * mean - 1) < 0.04)
        #expect(unitMinimum >= 0 && unitMaximum < 1)
        #expect(abs(Double(poissonSum) / Double(samples) - 2.5) < 0.05)
        #expect(abs(exponentialSum / Double(samples) - 3) < 0.09)
    }
}

@Suite struct AliasTableTests {
    @Test func drawsFollowTheWeights() {
        let weights = [5.0, 0.0, 1.0, 3.0, 1.0]
        let table = AliasTable(weights: weights)
        var generator = SeededGenerator(seed: 3)
        var counts = [Int](repeating: 0, count: weights.count)
        let draws = 100_000
        for _ in 0..<draws { counts[table.sample(using: &generator)] += 1 }
        #expect(counts[1] == 0)
        for (index, weight) in weights.enumerated() {
            let expected = Double(draws) * weight / 10
            // Binomial standard deviation ≤ 158; allow 5 of them.
            #expect(abs(Double(counts[index]) - expected) < 800)
        }
    }
}
