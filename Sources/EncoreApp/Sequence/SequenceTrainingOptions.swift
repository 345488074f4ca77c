import EncoreModels

/// Everything `encore train --model rnn` / `encore eval --model rnn` need, as plain values.
public struct SequenceTrainingOptions: Sendable {
    /// Data: a RecBole `.inter` file or directory, a store path, or `sim[:users=…,tracks=…,days=…,seed=…]`.
    public var dataSource: String
    /// Data format (`store` forces the store; otherwise detected).
    public var format: String?
    /// Split: `temporal:FRACTION` or `at:EPOCH_SECONDS`.
    public var split = "temporal:0.2"
    /// Training epochs.
    public var epochs = 3
    /// Hidden size H.
    public var hiddenSize = 128
    /// Co-occurrence embedding size d.
    public var embeddingDimension = 64
    /// Adam learning rate.
    public var learningRate: Float = 1e-3
    /// Seed of embeddings, initialisation and order.
    public var seed: UInt64 = 2024
    /// Threads (lanes split across them).
    public var threads = 1
    /// Parallel user lanes.
    public var lanes = 128
    /// BPTT window.
    public var window = 64
    /// Weight β of the long-term loss.
    public var longWeight: Float = 1
    /// Item space: `cooccurrence` or `lightgcn:ARTIFACT` (a LightGCN artifact trained on the same indices).
    public var embeddings = "cooccurrence"
    /// Weight of the co-occurrence table's popularity coordinate (0: none; 1 was best on ml-100k).
    public var popularityAxis: Float = 1
    /// Minimum training plays for a co-occurrence vector.
    public var minimumCount = 5
    /// Co-occurrence epochs.
    public var embeddingEpochs = 5
    /// Evaluate every N epochs (0: only at the end).
    public var evaluateEvery = 0
    /// Where to write the artifact.
    public var savePath: String?
    /// Register the artifact in this store's model registry.
    public var registryPath: String?
    /// A saved RNN artifact to evaluate (eval only).
    public var artifactPath: String?

    /// Options with defaults for a data source.
    public init(dataSource: String) {
        self.dataSource = dataSource
    }

    /// The model configuration these options describe.
    var configuration: SequenceModelConfiguration {
        var configuration = SequenceModelConfiguration()
        configuration.hiddenSize = hiddenSize
        configuration.epochs = epochs
        configuration.learningRate = learningRate
        configuration.seed = seed
        configuration.threads = threads
        configuration.lanes = lanes
        configuration.window = window
        configuration.longWeight = longWeight
        return configuration
    }
}
