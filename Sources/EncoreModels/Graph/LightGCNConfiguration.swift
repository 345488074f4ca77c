/// LightGCN hyperparameters; defaults are the paper's and the PyTorch reference's
/// (docs/design/lightgcn.md §5).
public struct LightGCNConfiguration: Codable, Sendable, Equatable {
    /// Embedding size d.
    public var embeddingDimension: Int = 64
    /// Propagation depth K (layers); the readout is the mean of K + 1 layers.
    public var layerCount: Int = 3
    /// Adam learning rate.
    public var learningRate: Float = 1e-3
    /// L2 weight λ on the batch's layer-0 rows, scaled by 1/(2B).
    public var regularization: Float = 1e-4
    /// Triplets per mini-batch B.
    public var batchSize: Int = 2048
    /// Training epochs (each |E| triplets).
    public var epochs: Int = 1000
    /// Standard deviation of the N(0, σ²) initialisation of E⁽⁰⁾.
    public var initialStandardDeviation: Float = 0.1
    /// Seed of initialisation and sampling.
    public var seed: UInt64 = 2020
    /// Worker threads for SpMM and the optimizer. An execution setting, not a model property:
    /// results are bitwise identical for every value; artifacts merely record it.
    public var threads: Int = 1

    /// The defaults.
    public init() {}

    /// Checks every value and names the first bad one.
    ///
    /// - Throws: ``ModelError`` with code `.invalidInput`.
    public func validate() throws {
        func fail(_ text: String) throws -> Never { throw ModelError(.invalidInput, "LightGCN: \(text)") }
        if embeddingDimension <= 0 { try fail("embeddingDimension must be positive, is \(embeddingDimension)") }
        if layerCount < 0 { try fail("layerCount must be ≥ 0, is \(layerCount)") }
        if !(learningRate > 0) { try fail("learningRate must be positive, is \(learningRate)") }
        if !(regularization >= 0) { try fail("regularization must be ≥ 0, is \(regularization)") }
        if batchSize <= 0 { try fail("batchSize must be positive, is \(batchSize)") }
        if epochs < 0 { try fail("epochs must be ≥ 0, is \(epochs)") }
        if !(initialStandardDeviation > 0) { try fail("initialStandardDeviation must be positive") }
        if threads <= 0 { try fail("threads must be positive, is \(threads)") }
    }
}
