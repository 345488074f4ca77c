import EncoreCore
import Foundation
import Testing

@testable import EncoreNumerics

@Suite struct OptimizerTests {
    /// Adam against a Float64 reference of the same formulas over several steps.
    @Test func adamMatchesReference() {
        var rng = SeededGenerator(seed: 5)
        let count = 1000
        var parameters = (0..<count).map { _ in rng.nextNormal() }
        var reference = parameters.map(Double.init)
        var m = [Double](repeating: 0, count: count), v = m
        var adam = AdamOptimizer(parameterCount: count, learningRate: 0.01)
        for t in 1...5 {
            let gradients = (0..<count).map { _ in rng.nextNormal() }
            parameters.withUnsafeMutableBufferPointer { p in
                gradients.withUnsafeBufferPointer { g in adam.update(parameters: p, gradients: g, threads: 2) }
            }
            for i in 0..<count {
                let g = Double(gradients[i])
                m[i] = 0.9 * m[i] + 0.1 * g
                v[i] = 0.999 * v[i] + 0.001 * g * g
                let c1 = 1 - pow(0.9, Double(t)), c2 = 1 - pow(0.999, Double(t))
                reference[i] -= 0.01 / c1 * m[i] / (sqrt(v[i]) / sqrt(c2) + 1e-8)
            }
        }
        #expect(adam.step == 5)
        let worst = zip(parameters, reference).map { abs(Double($0) - $1) }.max()!
        #expect(worst < 1e-5)
    }

    @Test func adamMinimisesAQuadratic() {
        var x: [Float] = [3, -2]
        var adam = AdamOptimizer(parameterCount: 2, learningRate: 0.1)
        for _ in 0..<500 {
            let g = x.map { 2 * $0 }
            x.withUnsafeMutableBufferPointer { p in
                g.withUnsafeBufferPointer { adam.update(parameters: p, gradients: $0) }
            }
        }
        #expect(abs(x[0]) < 0.05 && abs(x[1]) < 0.05)
    }

    @Test func sgdStep() {
        var x: [Float] = [1, 2, 3]
        let g: [Float] = [1, -1, 0.5]
        x.withUnsafeMutableBufferPointer { p in
            g.withUnsafeBufferPointer { SGDOptimizer(learningRate: 0.5).update(parameters: p, gradients: $0) }
        }
        #expect(x == [0.5, 2.5, 2.75])
    }
}
