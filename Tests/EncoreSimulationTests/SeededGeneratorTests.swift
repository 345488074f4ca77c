import EncoreCore
import Testing

@testable import EncoreSimulation

/// The simulator's distributions over EncoreCore's ``SeededGenerator`` (the generator itself is
/// tested in EncoreCoreTests).
@Suite struct DistributionTests {
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
