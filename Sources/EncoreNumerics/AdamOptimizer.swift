import Foundation

/// Adam (Kingma & Ba) with PyTorch's bias correction and no weight decay.
///
/// ```
/// m ← β₁ m + (1 − β₁) g
/// v ← β₂ v + (1 − β₂) g²
/// θ ← θ − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
/// ```
/// The state holds one `m` and one `v` per parameter; the update is one fused pass,
/// split across threads by contiguous ranges.
public struct AdamOptimizer: Sendable, Codable, Equatable {
    /// Learning rate.
    public var learningRate: Float
    /// First-moment decay β₁.
    public var beta1: Float
    /// Second-moment decay β₂.
    public var beta2: Float
    /// Denominator guard ε.
    public var epsilon: Float
    /// Number of updates applied so far (t).
    public private(set) var step: Int
    /// First moments.
    public private(set) var firstMoment: [Float]
    /// Second moments.
    public private(set) var secondMoment: [Float]

    /// Creates fresh state for `parameterCount` parameters.
    public init(
        parameterCount: Int, learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8
    ) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.step = 0
        self.firstMoment = [Float](repeating: 0, count: parameterCount)
        self.secondMoment = [Float](repeating: 0, count: parameterCount)
    }

    /// Applies one update θ ← Adam(θ, g).
    ///
    /// - Parameters:
    ///   - parameters: θ, updated in place.
    ///   - gradients: g, same count.
    ///   - threads: Number of threads for the elementwise pass.
    public mutating func update(
        parameters: UnsafeMutableBufferPointer<Float>, gradients: UnsafeBufferPointer<Float>, threads: Int = 1
    ) {
        precondition(
            parameters.count == firstMoment.count && gradients.count == firstMoment.count, "Adam size mismatch")
        step += 1
        let correction1 = 1 - Float(Foundation.pow(Double(beta1), Double(step)))
        let correction2 = Float(Foundation.sqrt(1 - Foundation.pow(Double(beta2), Double(step))))
        let stepSize = learningRate / correction1
        let b1 = beta1, b2 = beta2, eps = epsilon
        firstMoment.withUnsafeMutableBufferPointer { m in
            secondMoment.withUnsafeMutableBufferPointer { v in
                let box = UncheckedSendableBox((parameters, gradients, m, v))
                parallelFor(count: parameters.count, threads: threads) { range in
                    let (p, g, m, v) = box.value
                    for i in range {
                        let gi = g[i]
                        let mi = b1 * m[i] + (1 - b1) * gi
                        let vi = b2 * v[i] + (1 - b2) * gi * gi
                        m[i] = mi
                        v[i] = vi
                        p[i] -= stepSize * mi / (vi.squareRoot() / correction2 + eps)
                    }
                }
            }
        }
    }
}
