/// Runs a ``SequenceModel`` over a group of users wave by wave and scores their next item:
/// the shape the sequence evaluator drives (`SequenceScorer` in EncoreEvaluation; the
/// conformance is declared where both modules are imported).
///
/// Lanes are kept in the evaluator's order (longest history first), so the users that still
/// have events at a wave are a prefix and each wave is one ``SequenceModel/step(states:inputs:count:workspace:)``.
public struct SequenceModelScorer {
    /// The model.
    public let model: SequenceModel
    /// The histories (train and test events of every user).
    public let corpus: SequenceCorpus
    /// Which head scores.
    public let head: SequenceHead
    var users: [Int32] = []
    var states: [Float] = []
    var inputs: [Float] = []
    var gathered: [Float] = []
    var vectors: [Float] = []
    var workspace: SequenceWorkspace
    /// Events each active lane has consumed (the evaluator advances all active lanes together).
    var consumed = 0

    /// Creates a scorer for groups of up to `maximumGroup` users.
    public init(model: SequenceModel, corpus: SequenceCorpus, head: SequenceHead = .short, maximumGroup: Int = 256) {
        self.model = model
        self.corpus = corpus
        self.head = head
        workspace = SequenceWorkspace(model: model, maximumCount: maximumGroup)
        inputs = [Float](repeating: 0, count: maximumGroup * model.inputWidth)
        gathered = [Float](repeating: 0, count: maximumGroup * model.stateSize)
        vectors = [Float](repeating: 0, count: maximumGroup * model.vectorWidth)
    }

    /// Number of candidate items.
    public var itemCount: Int { model.itemCount }

    /// Starts a group from empty states.
    public mutating func begin(users: UnsafeBufferPointer<Int32>) {
        self.users = Array(users)
        states = [Float](repeating: 0, count: users.count * model.stateSize)
        consumed = 0
    }

    /// Scores all items for the given lanes from their current states: the GEMM of
    /// ``SequenceModel/scores(userVectors:count:into:)`` plus each user's repeat term over the
    /// last ``SequenceModel/historyLength`` events it consumed (what the stage's ring buffer holds).
    public mutating func score(lanes: UnsafeBufferPointer<Int32>, into output: UnsafeMutableBufferPointer<Float>) {
        let h = model.stateSize, d = model.vectorWidth
        for (row, lane) in lanes.enumerated() {
            for k in 0..<h { gathered[row * h + k] = states[Int(lane) * h + k] }
        }
        let count = lanes.count
        gathered.withUnsafeBufferPointer { g in
            vectors.withUnsafeMutableBufferPointer { v in
                model.userVectors(
                    states: UnsafeBufferPointer(rebasing: g[0..<(count * h)]), count: count, head: head,
                    into: UnsafeMutableBufferPointer(rebasing: v[0..<(count * d)]), workspace: &workspace)
            }
        }
        vectors.withUnsafeBufferPointer { v in
            model.scores(userVectors: UnsafeBufferPointer(rebasing: v[0..<(count * d)]), count: count, into: output)
            let n = model.itemCount
            for (row, lane) in lanes.enumerated() {
                let base = corpus.offsets[Int(users[Int(lane)])]
                let history = corpus.events[max(base, base + consumed - SequenceModel.historyLength)..<(base + consumed)]
                model.addHistoryScores(
                    userVector: UnsafeBufferPointer(rebasing: v[(row * d)..<((row + 1) * d)]), history: history,
                    into: UnsafeMutableBufferPointer(rebasing: output[(row * n)..<((row + 1) * n)]))
            }
        }
    }

    /// Applies event `wave` of the first `activeCount` lanes (one step for all of them).
    public mutating func advance(wave: Int, activeCount: Int) {
        guard activeCount > 0 else { return }
        consumed = wave + 1
        let width = model.inputWidth
        inputs.withUnsafeMutableBufferPointer { x in
            for lane in 0..<activeCount {
                let base = corpus.offsets[Int(users[lane])]
                model.encode(
                    corpus.events[base + wave], previous: wave > 0 ? corpus.events[base + wave - 1] : nil,
                    into: UnsafeMutableBufferPointer(rebasing: x[(lane * width)..<((lane + 1) * width)]))
            }
        }
        let h = model.stateSize
        states.withUnsafeMutableBufferPointer { s in
            inputs.withUnsafeBufferPointer { x in
                model.step(
                    states: UnsafeMutableBufferPointer(rebasing: s[0..<(activeCount * h)]),
                    inputs: UnsafeBufferPointer(rebasing: x[0..<(activeCount * width)]), count: activeCount,
                    workspace: &workspace)
            }
        }
    }
}
