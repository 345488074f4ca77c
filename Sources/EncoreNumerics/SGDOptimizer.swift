/// Plain stochastic gradient descent, θ ← θ − lr · g.
public struct SGDOptimizer: Sendable, Codable, Equatable {
    /// Learning rate.
    public var learningRate: Float

    /// Creates the optimizer.
    public init(learningRate: Float) {
        self.learningRate = learningRate
    }

    /// Applies one update in place.
    public func update(
        parameters: UnsafeMutableBufferPointer<Float>, gradients: UnsafeBufferPointer<Float>, threads: Int = 1
    ) {
        precondition(parameters.count == gradients.count, "SGD size mismatch")
        let rate = learningRate
        let box = UncheckedSendableBox((parameters, gradients))
        parallelFor(count: parameters.count, threads: threads) { range in
            let (p, g) = box.value
            for i in range { p[i] -= rate * g[i] }
        }
    }
}
