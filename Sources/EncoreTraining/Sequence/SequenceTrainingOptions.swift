import EncoreModels

/// Everything `encore train --model rnn` / `encore eval --model rnn` need, as plain values.
public struct SequenceTrainingOptions: Sendable {
    /// Data: a RecBole `.inter` file or directory, a store path, or `sim[:users=…,tracks=…,days=…,seed=…]`.
    public var dataSource: String
    /// Data format (`store` forces the store; otherwise detected).
    public var format: String?
    /// Split: `temporal:FRACTION` or `at:EPOCH_SECONDS`.
    public var split = "temporal:0.2"
    /// Training epochs (6: with the softmax loss, more Adam steps kept helping on both data sets).
    public var epochs = 6
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
    /// Parallel user lanes (32 × window 32: four times the Adam steps per epoch of 128 × 64,
    /// which the small data sets need).
    public var lanes = 32
    /// BPTT window.
    public var window = 32
    /// Weight β of the long-term loss.
    public var longWeight: Float = 1
    /// Loss of the short head.
    public var loss: SequenceLoss = .softmax
    /// Whether the short head learns the repeat term over the user's history.
    public var historyFeatures = true
    /// Initial softmax temperature.
    public var temperature: Float = 10
    /// Largest item count trained with the full softmax (else sampled).
    public var fullSoftmaxItems = 8192
    /// Popularity-sampled negatives per window (sampled softmax).
    public var sampledNegatives = 2048
    /// Item space: `cooccurrence` or `lightgcn:ARTIFACT` (a LightGCN artifact trained on the same indices).
    public var embeddings = "cooccurrence"
    /// Weight of the co-occurrence table's popularity coordinate (0: none; 1 was best on ml-100k).
    public var popularityAxis: Float = 1
    /// Minimum training plays for a co-occurrence vector.
    public var minimumCount = 5
    /// Co-occurrence epochs (20: much better on the simulator, about the same on ml-100k).
    public var embeddingEpochs = 20
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
        configuration.loss = loss
        configuration.temperature = temperature
        configuration.historyFeatures = historyFeatures
        configuration.fullSoftmaxItems = fullSoftmaxItems
        configuration.sampledNegatives = sampledNegatives
        return configuration
    }
}

extension SequenceTrainingOptions {
    /// The keys ``apply(settings:)`` understands.
    public static let settingNames = "loss=softmax|cosine, history=0|1, tau, full, negatives, lanes, window, beta, pop, epochs-emb"

    /// Applies `key=value,key=value` settings (the CLI's `--rnn`); empty does nothing.
    ///
    /// - Throws: ``ModelError`` for an unknown key or a malformed value.
    public mutating func apply(settings: String) throws {
        for pair in settings.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ModelError(.invalidInput, "bad rnn setting '\(pair)'") }
            let (key, value) = (parts[0], parts[1])
            if key == "loss" {
                guard let loss = SequenceLoss(rawValue: value) else {
                    throw ModelError(.invalidInput, "unknown loss '\(value)' (softmax or cosine)")
                }
                self.loss = loss
                continue
            }
            guard let number = Double(value), number >= 0 else {
                throw ModelError(.invalidInput, "bad rnn setting '\(pair)'")
            }
            switch key {
            case "history": historyFeatures = number != 0
            case "tau": temperature = Float(number)
            case "full": fullSoftmaxItems = Int(number)
            case "negatives": sampledNegatives = Int(number)
            case "lanes": lanes = Int(number)
            case "window": window = Int(number)
            case "beta": longWeight = Float(number)
            case "pop": popularityAxis = Float(number)
            case "epochs-emb": embeddingEpochs = Int(number)
            default: throw ModelError(.invalidInput, "unknown rnn setting '\(key)' (\(Self.settingNames))")
            }
        }
    }
}
