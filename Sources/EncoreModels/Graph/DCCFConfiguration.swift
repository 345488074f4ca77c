/// DCCF hyperparameters; defaults are the reference code's (docs/design/graph-models.md §1).
public struct DCCFConfiguration: Codable, Sendable, Equatable {
    /// Embedding size d.
    public var embeddingDimension: Int = 32
    /// Propagation layers L.
    public var layerCount: Int = 2
    /// Intent prototypes Kp (per side: users and items each have d × Kp).
    public var prototypeCount: Int = 128
    /// Adam learning rate.
    public var learningRate: Float = 1e-3
    /// Triplets per mini-batch B.
    public var batchSize: Int = 10240
    /// Mini-batches per epoch (the reference draws 40 × 10240 = 409,600 triplets per epoch).
    public var batchesPerEpoch: Int = 40
    /// λ1, weight of the cross-view InfoNCE sum.
    public var contrastWeight: Float = 0.1
    /// λ2, weight of the plain (unnormalised) sum of squared layer-0 rows of the batch.
    public var embeddingRegularization: Float = 2.5e-5
    /// λ3, weight of ‖C_u‖²_F + ‖C_i‖²_F.
    public var prototypeRegularization: Float = 5e-3
    /// InfoNCE temperature τ.
    public var temperature: Float = 1.0
    /// Training epochs (the reference reports the last one: 150 on Gowalla).
    public var epochs: Int = 150
    /// Seed of initialisation and sampling.
    public var seed: UInt64 = 2022
    /// Anchor rows per InfoNCE tile b: the contrastive term never holds more than b × B_u
    /// similarities per worker.
    public var contrastTileRows: Int = 256
    /// Worker threads. An execution setting: results are identical for every value.
    public var threads: Int = 1

    /// The defaults.
    public init() {}

    /// Checks every value and names the first bad one.
    ///
    /// - Throws: ``ModelError`` with code `.invalidInput`.
    public func validate() throws {
        func fail(_ text: String) throws -> Never { throw ModelError(.invalidInput, "DCCF: \(text)") }
        if embeddingDimension <= 0 { try fail("embeddingDimension must be positive, is \(embeddingDimension)") }
        if layerCount < 1 { try fail("layerCount must be ≥ 1, is \(layerCount)") }
        if prototypeCount <= 0 { try fail("prototypeCount must be positive, is \(prototypeCount)") }
        if !(learningRate > 0) { try fail("learningRate must be positive, is \(learningRate)") }
        if batchSize <= 0 { try fail("batchSize must be positive, is \(batchSize)") }
        if batchesPerEpoch <= 0 { try fail("batchesPerEpoch must be positive, is \(batchesPerEpoch)") }
        if !(contrastWeight >= 0) { try fail("contrastWeight must be ≥ 0") }
        if !(embeddingRegularization >= 0) { try fail("embeddingRegularization must be ≥ 0") }
        if !(prototypeRegularization >= 0) { try fail("prototypeRegularization must be ≥ 0") }
        // exp(±1/τ) must stay finite in Float32 sums over a batch.
        if !(temperature >= 0.02) { try fail("temperature must be ≥ 0.02, is \(temperature)") }
        if epochs < 0 { try fail("epochs must be ≥ 0, is \(epochs)") }
        if contrastTileRows <= 0 { try fail("contrastTileRows must be positive") }
        if threads <= 0 { try fail("threads must be positive, is \(threads)") }
    }
}
