/// The recurrent cell of a ``SequenceModel``.
public enum SequenceCell: String, Codable, Sendable {
    /// The "reset-after" GRU of docs/design/sequence-model.md §3 (the only cell implemented so far).
    case gru
}

/// The short head's training loss.
public enum SequenceLoss: String, Codable, Sendable {
    /// 1 − u·y against the next track's frozen embedding (CoSeRNN's loss).
    case cosine
    /// Cross-entropy of τ·u·ê_j + b_j over the items (all of them up to
    /// ``SequenceModelConfiguration/fullSoftmaxItems``, else the window's targets plus
    /// popularity-sampled negatives with logQ correction): GRU4Rec's loss.
    case softmax
}

/// Which user vector to read from the state.
public enum SequenceHead: Sendable {
    /// u^S: predicts the next listened track.
    case short
    /// u^L: predicts the mean of the next ``SequenceModelConfiguration/longHorizon`` listened tracks.
    case long
}

/// Hyperparameters of the RNN user model and of its training, with defaults in one place.
public struct SequenceModelConfiguration: Codable, Sendable, Equatable {
    /// The cell type.
    public var cell: SequenceCell = .gru
    /// Hidden size H (a multiple of 8: the gate kernel works in 8-lane vectors).
    public var hiddenSize = 128
    /// Listened tracks averaged into the long-term target.
    public var longHorizon = 50
    /// Weight β of the long-term loss.
    public var longWeight: Float = 1
    /// Loss of the short head (the long head always uses the cosine loss).
    public var loss: SequenceLoss = .softmax
    /// Whether the short head learns the repeat term (weights of the user's history features);
    /// off, they stay zero.
    public var historyFeatures = true
    /// Initial softmax temperature τ (learned afterwards, as log τ).
    public var temperature: Float = 10
    /// Up to this many items the softmax runs over all of them (exact); above, over the
    /// window's targets plus ``sampledNegatives`` popularity-sampled items.
    public var fullSoftmaxItems = 8192
    /// Popularity-sampled negatives per window when the softmax is sampled.
    public var sampledNegatives = 2048
    /// Truncated back-propagation window (time steps).
    public var window = 64
    /// Parallel user lanes per batch.
    public var lanes = 128
    /// Adam learning rate.
    public var learningRate: Float = 1e-3
    /// Global gradient-norm clip.
    public var gradientClipNorm: Float = 5
    /// Training epochs.
    public var epochs = 10
    /// Seed of initialisation and user order.
    public var seed: UInt64 = 2024
    /// Threads for the batched weight-gradient GEMMs and elementwise passes.
    public var threads = 1

    /// Creates the default configuration.
    public init() {}

    /// Context features after the track embedding: gap, skip, completion + presence, source
    /// one-hot, device one-hot, hour sin/cos, weekday one-hot, novelty.
    public static let contextWidth = 1 + 1 + 2 + SequenceEvent.sourceCount + SequenceEvent.deviceCount + 2 + 7 + 1

    /// Checks the values.
    ///
    /// - Throws: ``ModelError`` with code `.invalidInput`.
    public func validate() throws {
        guard hiddenSize > 0, hiddenSize % 8 == 0 else {
            throw ModelError(.invalidInput, "hidden size must be a positive multiple of 8, got \(hiddenSize)")
        }
        guard longHorizon > 0, window > 0, lanes > 0, epochs >= 0, threads > 0 else {
            throw ModelError(.invalidInput, "long horizon, window, lanes and threads must be positive, epochs ≥ 0")
        }
        guard temperature > 0, fullSoftmaxItems >= 0, sampledNegatives > 0 else {
            throw ModelError(.invalidInput, "temperature and sampled negatives must be positive")
        }
        guard learningRate > 0, gradientClipNorm > 0, longWeight >= 0 else {
            throw ModelError(.invalidInput, "learning rate and clip norm must be positive, long weight ≥ 0")
        }
    }
}
