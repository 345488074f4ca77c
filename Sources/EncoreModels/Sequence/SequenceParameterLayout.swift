/// Where each weight block lives in a ``SequenceModel``'s flat parameter vector.
///
/// ```
/// W  [I × 3H]   input weights, gate blocks [z | r | n] along the columns
/// bW [3H]
/// U  [H × 3H]   recurrent weights, same gate order
/// bU [3H]
/// WS [H × d]  bS [d]   short-term head
/// WL [H × d]  bL [d]   long-term head
/// WR [H × F]  bR [F]   repeat head: weights of the F history features
/// log τ [1]             temperature of the short head's softmax scores
/// b  [N]                per-item output bias (served as the user vector's extra coordinate)
/// ```
/// One flat vector lets Adam and gradient clipping run in one pass.
public struct SequenceParameterLayout: Sendable, Equatable {
    /// Input width I.
    public let inputWidth: Int
    /// Hidden size H.
    public let hiddenSize: Int
    /// Embedding size d.
    public let dimension: Int
    /// Number of items N (one output bias each).
    public let itemCount: Int
    let inputWeights: Int
    let inputBias: Int
    let recurrentWeights: Int
    let recurrentBias: Int
    let shortWeights: Int
    let shortBias: Int
    let longWeights: Int
    let longBias: Int
    let repeatWeights: Int
    let repeatBias: Int
    let logTemperature: Int
    let itemBias: Int
    /// Total parameter count.
    public let count: Int

    /// Lays out the blocks for the given sizes.
    public init(inputWidth: Int, hiddenSize: Int, dimension: Int, itemCount: Int) {
        self.inputWidth = inputWidth
        self.itemCount = itemCount
        self.hiddenSize = hiddenSize
        self.dimension = dimension
        let gates = 3 * hiddenSize
        inputWeights = 0
        inputBias = inputWeights + inputWidth * gates
        recurrentWeights = inputBias + gates
        recurrentBias = recurrentWeights + hiddenSize * gates
        shortWeights = recurrentBias + gates
        shortBias = shortWeights + hiddenSize * dimension
        longWeights = shortBias + dimension
        longBias = longWeights + hiddenSize * dimension
        repeatWeights = longBias + dimension
        repeatBias = repeatWeights + hiddenSize * SequenceModel.historyFeatureCount
        logTemperature = repeatBias + SequenceModel.historyFeatureCount
        itemBias = logTemperature + 1
        count = itemBias + itemCount
    }
}
