import EncoreModels

/// Everything `encore train --model rnn` / `encore eval --model rnn` need, as plain values.
public struct SequenceTrainingOptions: Sendable {
    /// Data: a RecBole `.inter` file or directory, a store path, or `sim[:users=…,tracks=…,days=…,seed=…]`.
    public var dataSource: String
    /// Data format (`store` forces the store; otherwise detected).
    public var format: String?
    /// Split: `temporal:FRACTION` or `at:EPOCH_SECONDS`.
    public var split = "temporal:0.2"
    /// The RNN's hyperparameters: ``EncoreModels/SequenceModelConfiguration``, whose defaults are
    /// the model's, except where ``commandModel`` says otherwise.
    public var model = Self.commandModel
    /// The co-occurrence item embedding (``EncoreModels/CooccurrenceEmbedding``): its
    /// configuration's defaults except where ``commandCooccurrence`` says otherwise. Its
    /// `dimension` is the item space's size d (also of a LightGCN table trained here); its seed is
    /// always the model's.
    public var cooccurrence = Self.commandCooccurrence
    /// Item space: `cooccurrence` or `lightgcn:ARTIFACT` (a LightGCN artifact trained on the same indices).
    public var embeddings = "cooccurrence"
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

    /// The RNN configuration of `encore train|eval --model rnn`: the one place where the command
    /// deliberately differs from ``EncoreModels/SequenceModelConfiguration``'s defaults
    /// (10 epochs, 128 lanes, window 64).
    public static var commandModel: SequenceModelConfiguration {
        var model = SequenceModelConfiguration()
        // 6 epochs: with the softmax loss, more Adam steps kept helping on both data sets.
        model.epochs = 6
        // 32 lanes × window 32: four times the Adam steps per epoch of 128 × 64, which the small
        // data sets need.
        model.lanes = 32
        model.window = 32
        return model
    }

    /// The co-occurrence embedding of `encore train|eval --model rnn`: the one place where the
    /// command deliberately differs from ``EncoreModels/CooccurrenceEmbedding/Configuration``'s
    /// defaults (5 epochs, no popularity coordinate).
    public static var commandCooccurrence: CooccurrenceEmbedding.Configuration {
        var cooccurrence = CooccurrenceEmbedding.Configuration()
        // 20 epochs: much better on the simulator, about the same on ml-100k.
        cooccurrence.epochs = 20
        // Weight of the popularity coordinate: 1 was best on ml-100k.
        cooccurrence.popularityAxis = 1
        return cooccurrence
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
                model.loss = loss
                continue
            }
            guard let number = Double(value), number >= 0 else {
                throw ModelError(.invalidInput, "bad rnn setting '\(pair)'")
            }
            switch key {
            case "history": model.historyFeatures = number != 0
            case "tau": model.temperature = Float(number)
            case "full": model.fullSoftmaxItems = Int(number)
            case "negatives": model.sampledNegatives = Int(number)
            case "lanes": model.lanes = Int(number)
            case "window": model.window = Int(number)
            case "beta": model.longWeight = Float(number)
            case "pop": cooccurrence.popularityAxis = Float(number)
            case "epochs-emb": cooccurrence.epochs = Int(number)
            default: throw ModelError(.invalidInput, "unknown rnn setting '\(key)' (\(Self.settingNames))")
            }
        }
    }
}
