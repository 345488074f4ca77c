/// Sizes of the C-3PO timing network (see ``TimingPredictor``).
public struct TimingPredictorConfiguration: Codable, Sendable, Equatable {
    /// Width of the learned hour-of-day embedding.
    public var hourDimension = 8
    /// Width of the learned weekday embedding.
    public var weekdayDimension = 4
    /// Width of the click-sequence encoder (attention pooling over tanh projections).
    public var sequenceDimension = 8
    /// First hidden layer.
    public var hidden1 = 32
    /// Second hidden layer.
    public var hidden2 = 16

    public init() {}

    /// Offsets of every parameter block in the flat parameter vector.
    public var layout: TimingLayout { TimingLayout(self) }
}

/// Where each parameter block lives in the flat Float32 parameter vector, in this order:
/// hour embedding [24 × dh], weekday embedding [7 × dw], sequence projection W_e [E × de], b_e [de],
/// attention query q [de], W1 [(Du + de + dh + dw + Ds) × H1] (user rows first, then hour,
/// weekday and slot rows), b1 [H1], W2 [H1 × H2], b2 [H2], w3 [H2], b3 [1].
public struct TimingLayout: Sendable, Equatable {
    public let userWidth = TimingFeaturizer.userWidth
    public let eventWidth = TimingFeaturizer.eventWidth
    public let sequenceLength = TimingFeaturizer.sequenceLength
    public let slotWidth = TimingFeaturizer.slotWidth
    public let hourDimension: Int
    public let weekdayDimension: Int
    public let sequenceDimension: Int
    public let hidden1: Int
    public let hidden2: Int

    public let hourEmbedding: Int
    public let weekdayEmbedding: Int
    public let sequenceWeights: Int
    public let sequenceBias: Int
    public let attentionQuery: Int
    public let w1: Int
    public let b1: Int
    public let w2: Int
    public let b2: Int
    public let w3: Int
    public let b3: Int
    public let parameterCount: Int

    /// Inputs of layer 1 that are shared by all slots of a request (user row + sequence context).
    public var requestInputWidth: Int { userWidth + sequenceDimension }
    /// Inputs of layer 1 that vary per slot (hour, weekday embeddings and the slot row).
    public var slotInputWidth: Int { hourDimension + weekdayDimension + slotWidth }

    init(_ configuration: TimingPredictorConfiguration) {
        hourDimension = configuration.hourDimension
        weekdayDimension = configuration.weekdayDimension
        sequenceDimension = configuration.sequenceDimension
        hidden1 = configuration.hidden1
        hidden2 = configuration.hidden2
        var offset = 0
        func take(_ count: Int) -> Int {
            defer { offset += count }
            return offset
        }
        hourEmbedding = take(24 * configuration.hourDimension)
        weekdayEmbedding = take(7 * configuration.weekdayDimension)
        sequenceWeights = take(TimingFeaturizer.eventWidth * configuration.sequenceDimension)
        sequenceBias = take(configuration.sequenceDimension)
        attentionQuery = take(configuration.sequenceDimension)
        let inputs = TimingFeaturizer.userWidth + configuration.sequenceDimension + configuration.hourDimension
            + configuration.weekdayDimension + TimingFeaturizer.slotWidth
        w1 = take(inputs * configuration.hidden1)
        b1 = take(configuration.hidden1)
        w2 = take(configuration.hidden1 * configuration.hidden2)
        b2 = take(configuration.hidden2)
        w3 = take(configuration.hidden2)
        b3 = take(1)
        parameterCount = offset
    }
}
