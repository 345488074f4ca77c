/// Sheaf4Rec hyperparameters; defaults are the reference code's (`antoniopurificato/Sheaf4Rec`,
/// docs/design/graph-models.md §3).
public struct SheafConfiguration: Codable, Sendable, Equatable {
    /// Embedding size d.
    public var embeddingDimension: Int = 64
    /// Sheaf diffusion layers K; the readout concatenates K + 1 layers (d(K+1) wide).
    public var layerCount: Int = 5
    /// Diffusion step α in X ← X − α Δ (X W + b).
    public var stepSize: Float = 1
    /// Adam learning rate.
    public var learningRate: Float = 1e-3
    /// Weight of ½(‖u⁰‖² + ‖i⁰‖² + ‖j⁰‖²)/B. The reference uses 1.0 (its `DECAY = 1e-4` constant
    /// is never used), a probable bug (docs/design/graph-models.md §3); 1.0 is kept as the default
    /// for parity.
    public var regularization: Float = 1
    /// Distinct users per mini-batch (each with one positive and one negative); an epoch has
    /// ⌊|E|/B⌋ batches (at least one).
    public var batchSize: Int = 1024
    /// Training epochs.
    public var epochs: Int = 50
    /// Standard deviation of the N(0, σ²) initialisation of X⁰.
    public var initialStandardDeviation: Float = 0.1
    /// Seed of initialisation and sampling.
    public var seed: UInt64 = 42
    /// Worker threads (results are bitwise identical for every value).
    public var threads: Int = 1

    /// The defaults.
    public init() {}

    /// Checks every value and names the first bad one.
    ///
    /// - Throws: ``ModelError`` with code `.invalidInput`.
    public func validate() throws {
        func fail(_ text: String) throws -> Never { throw ModelError(.invalidInput, "sheaf: \(text)") }
        if embeddingDimension <= 0 { try fail("embeddingDimension must be positive, is \(embeddingDimension)") }
        if layerCount < 0 { try fail("layerCount must be ≥ 0, is \(layerCount)") }
        if !stepSize.isFinite { try fail("stepSize must be finite") }
        if !(learningRate > 0) { try fail("learningRate must be positive, is \(learningRate)") }
        if !(regularization >= 0) { try fail("regularization must be ≥ 0, is \(regularization)") }
        if batchSize <= 0 { try fail("batchSize must be positive, is \(batchSize)") }
        if epochs < 0 { try fail("epochs must be ≥ 0, is \(epochs)") }
        if !(initialStandardDeviation > 0) { try fail("initialStandardDeviation must be positive") }
        if threads <= 0 { try fail("threads must be positive, is \(threads)") }
    }

    /// Floats per diffusion layer: w₁, w₂ (d each), W (d × d), b (d).
    public var layerParameterCount: Int { 3 * embeddingDimension + embeddingDimension * embeddingDimension }

    /// Width of the concatenated readout, d(K + 1).
    public var readoutWidth: Int { embeddingDimension * (layerCount + 1) }
}
