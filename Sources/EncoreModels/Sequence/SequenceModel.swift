import EncoreCore
import EncoreNumerics
import Foundation

/// The incremental RNN user model (docs/design/sequence-model.md): a reset-after GRU over frozen
/// item embeddings plus context features, with a short-term and a long-term head that map the
/// state to unit vectors in item-embedding space.
///
/// ```
/// a = W x_t + b_W,  c = U h_{t−1} + b_U            (3H each, blocks z | r | n)
/// z = σ(a_z + c_z),  r = σ(a_r + c_r)
/// ñ = tanh(a_n + r ⊙ c_n)
/// h_t = (1 − z) ⊙ ñ + z ⊙ h_{t−1}
/// u^S = normalize(W_S h_t + b_S),  u^L = normalize(W_L h_t + b_L)
/// score(i) = τ u^S · ê_i + b_i + Σ_f w_f φ_f(i)   (short head: the softmax logit)
/// w = W_R h_t + b_R,  φ_f(i) = Σ over the user's listens of i among the last 200 events,
///                              k events ago, of γ_f^k   (γ = 1, 0.9, 0.5: the repeat term)
/// score(i) = u^L · ê_i                              (long head: cosine)
/// ```
/// A user vector is d + 1 + F wide (``vectorWidth``): [τ u^S, 1, w] or [u^L, 0, 0]; the item
/// bias enters the scores as one more coordinate of the same GEMM, and the repeat term
/// (``addHistoryScores(userVector:history:into:)``) touches only the items of the history.
/// The same ``step(states:inputs:count:workspace:)`` kernel serves streaming, replay and the
/// training forward pass, so a state computed event by event equals the trained one bit for bit.
public struct SequenceModel: Sendable {
    /// The name stored in artifacts and used by the CLI.
    public static let modelName = "rnn"
    /// Version of the blob layout.
    public static let formatVersion = 2

    /// Hyperparameters.
    public let configuration: SequenceModelConfiguration
    /// The frozen item space.
    public let items: ItemEmbeddingTable
    /// Block offsets into ``parameters``.
    public let layout: SequenceParameterLayout
    /// All weights, laid out as ``layout`` says.
    public internal(set) var parameters: [Float]
    /// Epochs behind these parameters.
    public internal(set) var trainedEpochs: Int
    /// Fingerprint of the training events (free text; empty if unknown).
    public internal(set) var dataFingerprint: String

    /// Hidden size H.
    public var hiddenSize: Int { configuration.hiddenSize }
    /// Floats per user state (H for the GRU).
    public var stateSize: Int { configuration.hiddenSize }
    /// Width I of an encoded event.
    public var inputWidth: Int { layout.inputWidth }
    /// Number of items N.
    public var itemCount: Int { items.itemCount }
    /// Embedding size d.
    public var dimension: Int { items.dimension }
    /// Floats per user vector: d + 1 + F (the item-bias coordinate, then the repeat weights).
    public var vectorWidth: Int { items.dimension + 1 + Self.historyFeatureCount }
    /// Events of the user's recent history the repeat term reads (the stage's ring buffer).
    public static let historyLength = 200
    /// Number F of history features.
    public static let historyFeatureCount = 3
    /// Decays γ_f of the history features (padded to four lanes with 0).
    static let historyDecays = SIMD4<Float>(1, 0.9, 0.5, 0)
    /// The short head's softmax temperature τ.
    public var temperature: Float { exp(parameters[layout.logTemperature]) }

    /// A freshly initialised model: Glorot-uniform W, U and head weights, zero biases (item
    /// biases too), τ = `configuration.temperature`.
    ///
    /// - Throws: ``ModelError`` for invalid hyperparameters.
    public init(configuration: SequenceModelConfiguration, items: ItemEmbeddingTable) throws {
        try configuration.validate()
        guard items.dimension > 0 else { throw ModelError(.invalidInput, "item embeddings have dimension 0") }
        let layout = SequenceParameterLayout(
            inputWidth: items.dimension + SequenceModelConfiguration.contextWidth,
            hiddenSize: configuration.hiddenSize, dimension: items.dimension, itemCount: items.itemCount)
        var parameters = [Float](repeating: 0, count: layout.count)
        var generator = SeededGenerator(seed: configuration.seed)
        func glorot(offset: Int, rows: Int, columns: Int) {
            let limit = (6 / Float(rows + columns)).squareRoot()
            for index in offset..<(offset + rows * columns) {
                parameters[index] = (2 * generator.nextUniform() - 1) * limit
            }
        }
        let gates = 3 * configuration.hiddenSize
        glorot(offset: layout.inputWeights, rows: layout.inputWidth, columns: gates)
        glorot(offset: layout.recurrentWeights, rows: configuration.hiddenSize, columns: gates)
        glorot(offset: layout.shortWeights, rows: configuration.hiddenSize, columns: items.dimension)
        glorot(offset: layout.longWeights, rows: configuration.hiddenSize, columns: items.dimension)
        parameters[layout.logTemperature] = log(configuration.temperature)
        self.init(
            configuration: configuration, items: items, layout: layout, parameters: parameters, trainedEpochs: 0,
            dataFingerprint: "")
    }

    init(
        configuration: SequenceModelConfiguration, items: ItemEmbeddingTable, layout: SequenceParameterLayout,
        parameters: [Float], trainedEpochs: Int, dataFingerprint: String
    ) {
        precondition(parameters.count == layout.count, "parameter vector does not match the layout")
        self.configuration = configuration
        self.items = items
        self.layout = layout
        self.parameters = parameters
        self.trainedEpochs = trainedEpochs
        self.dataFingerprint = dataFingerprint
    }

    // MARK: - Input encoding

    /// Milliseconds per day.
    static let dayMs: Int64 = 86_400_000

    /// Writes x_t for `event` (I floats), given the previous event of the same user (`nil` for
    /// the first).
    ///
    /// Layout: ê(track) [d] · log1p(gap / 60 s) · skip · completion · completion known ·
    /// source one-hot [6] · device one-hot [7] · sin, cos of the hour of day (UTC) · weekday
    /// one-hot [7, Monday first] · novelty.
    public func encode(_ event: SequenceEvent, previous: SequenceEvent?, into x: UnsafeMutableBufferPointer<Float>) {
        let d = items.dimension
        precondition(x.count >= layout.inputWidth, "input buffer too small")
        let base = x.baseAddress!
        if event.item >= 0 && Int(event.item) < items.itemCount {
            items.vectors.withUnsafeBufferPointer { table in
                base.update(from: table.baseAddress! + Int(event.item) * d, count: d)
            }
        } else {
            base.update(repeating: 0, count: d)
        }
        (base + d).update(repeating: 0, count: SequenceModelConfiguration.contextWidth)
        var slot = d
        if let previous {
            let gapSeconds = Double(max(0, event.timestampMs - previous.timestampMs)) / 1000
            base[slot] = Float(log1p(gapSeconds / 60))
        }
        slot += 1
        base[slot] = event.isSkip ? 1 : 0
        slot += 1
        if event.msPlayed >= 0 && event.durationMs > 0 {
            base[slot] = min(1, Float(event.msPlayed) / Float(event.durationMs))
            base[slot + 1] = 1
        }
        slot += 2
        base[slot + (Int(event.source) < SequenceEvent.sourceCount ? Int(event.source) : 0)] = 1
        slot += SequenceEvent.sourceCount
        base[slot + (Int(event.device) < SequenceEvent.deviceCount ? Int(event.device) : SequenceEvent.deviceCount - 1)] = 1
        slot += SequenceEvent.deviceCount
        let msOfDay = ((event.timestampMs % Self.dayMs) + Self.dayMs) % Self.dayMs
        let angle = 2 * Double.pi * Double(msOfDay) / Double(Self.dayMs)
        base[slot] = Float(sin(angle))
        base[slot + 1] = Float(cos(angle))
        slot += 2
        let day = (event.timestampMs - msOfDay) / Self.dayMs  // days since 1970-01-01, a Thursday
        let weekday = Int(((day + 3) % 7 + 7) % 7)  // Monday = 0
        base[slot + weekday] = 1
        slot += 7
        base[slot] = event.novel ? 1 : 0
    }

    // MARK: - Cell

    /// Advances `count` users' states in place by one event each: `states` is count × stateSize,
    /// `inputs` count × inputWidth (one wave: two GEMMs inside). `count == 1` is the
    /// single-user step. All temporaries live in `workspace`.
    public func step(
        states: UnsafeMutableBufferPointer<Float>, inputs: UnsafeBufferPointer<Float>, count: Int,
        workspace: inout SequenceWorkspace
    ) {
        precondition(count <= workspace.maximumCount, "workspace holds \(workspace.maximumCount) users, got \(count)")
        precondition(states.count >= count * stateSize && inputs.count >= count * inputWidth, "buffer too small")
        guard count > 0 else { return }
        let gates = 3 * hiddenSize
        workspace.storage.withUnsafeMutableBufferPointer { scratch in
            gruStep(
                states: states.baseAddress!, inputs: inputs.baseAddress!, count: count,
                inputGates: scratch.baseAddress!, recurrentGates: scratch.baseAddress! + count * gates, cache: nil)
        }
    }

    /// What the training forward pass keeps of one step for back-propagation (each count × H).
    struct GateCache {
        var previous: UnsafeMutablePointer<Float>
        var update: UnsafeMutablePointer<Float>
        var reset: UnsafeMutablePointer<Float>
        var candidate: UnsafeMutablePointer<Float>
        var recurrentCandidate: UnsafeMutablePointer<Float>
    }

    /// The one GRU kernel: a = x·W, c = h·U (two GEMMs), then the gate arithmetic in 8-lane
    /// vectors, optionally recording what back-propagation needs.
    func gruStep(
        states: UnsafeMutablePointer<Float>, inputs: UnsafePointer<Float>, count: Int,
        inputGates: UnsafeMutablePointer<Float>, recurrentGates: UnsafeMutablePointer<Float>, cache: GateCache?
    ) {
        let h = hiddenSize, gates = 3 * hiddenSize, width = layout.inputWidth
        parameters.withUnsafeBufferPointer { p in
            let w = p.baseAddress!
            BLAS.sgemm(
                transposeA: false, transposeB: false, m: count, n: gates, k: width, alpha: 1, a: inputs, lda: width,
                b: w + layout.inputWeights, ldb: gates, beta: 0, c: inputGates, ldc: gates)
            BLAS.sgemm(
                transposeA: false, transposeB: false, m: count, n: gates, k: h, alpha: 1, a: states, lda: h,
                b: w + layout.recurrentWeights, ldb: gates, beta: 0, c: recurrentGates, ldc: gates)
            let inputBias = UnsafeRawPointer(w + layout.inputBias)
            let recurrentBias = UnsafeRawPointer(w + layout.recurrentBias)
            for row in 0..<count {
                let a = UnsafeRawPointer(inputGates + row * gates)
                let c = UnsafeRawPointer(recurrentGates + row * gates)
                let state = UnsafeMutableRawPointer(states + row * h)
                for j in stride(from: 0, to: h, by: 8) {
                    let zOffset = j * 4, rOffset = (h + j) * 4, nOffset = (2 * h + j) * 4
                    typealias V = SIMD8<Float>
                    let z = SequenceActivation.sigmoid(
                        a.loadUnaligned(fromByteOffset: zOffset, as: V.self)
                            + inputBias.loadUnaligned(fromByteOffset: zOffset, as: V.self)
                            + (c.loadUnaligned(fromByteOffset: zOffset, as: V.self)
                                + recurrentBias.loadUnaligned(fromByteOffset: zOffset, as: V.self)))
                    let r = SequenceActivation.sigmoid(
                        a.loadUnaligned(fromByteOffset: rOffset, as: V.self)
                            + inputBias.loadUnaligned(fromByteOffset: rOffset, as: V.self)
                            + (c.loadUnaligned(fromByteOffset: rOffset, as: V.self)
                                + recurrentBias.loadUnaligned(fromByteOffset: rOffset, as: V.self)))
                    let cn =
                        c.loadUnaligned(fromByteOffset: nOffset, as: V.self)
                        + recurrentBias.loadUnaligned(fromByteOffset: nOffset, as: V.self)
                    let n = SequenceActivation.tanh(
                        a.loadUnaligned(fromByteOffset: nOffset, as: V.self)
                            + inputBias.loadUnaligned(fromByteOffset: nOffset, as: V.self) + r * cn)
                    let previous = state.loadUnaligned(fromByteOffset: j * 4, as: V.self)
                    let next = (1 - z) * n + z * previous
                    state.storeBytes(of: next, toByteOffset: j * 4, as: V.self)
                    if let cache {
                        let offset = (row * h + j) * 4
                        UnsafeMutableRawPointer(cache.previous).storeBytes(of: previous, toByteOffset: offset, as: V.self)
                        UnsafeMutableRawPointer(cache.update).storeBytes(of: z, toByteOffset: offset, as: V.self)
                        UnsafeMutableRawPointer(cache.reset).storeBytes(of: r, toByteOffset: offset, as: V.self)
                        UnsafeMutableRawPointer(cache.candidate).storeBytes(of: n, toByteOffset: offset, as: V.self)
                        UnsafeMutableRawPointer(cache.recurrentCandidate).storeBytes(
                            of: cn, toByteOffset: offset, as: V.self)
                    }
                }
            }
        }
    }

    // MARK: - Heads and scores

    /// Short-term (or long-term) user vectors, count × ``vectorWidth``: [τ u^S, 1, w] or
    /// [u^L, 0, 0] with u normalised and w the repeat weights.
    public func userVectors(
        states: UnsafeBufferPointer<Float>, count: Int, head: SequenceHead, into output: UnsafeMutableBufferPointer<Float>,
        workspace: inout SequenceWorkspace
    ) {
        let width = vectorWidth, d = dimension, features = Self.historyFeatureCount
        precondition(states.count >= count * stateSize && output.count >= count * width, "buffer too small")
        guard count > 0 else { return }
        let out = output.baseAddress!
        headForward(states: states.baseAddress!, count: count, head: head, into: out, stride: width, norms: nil)
        if head == .short {
            repeatWeights(states: states.baseAddress!, count: count, into: out + d + 1, stride: width)
        }
        let scale: Float = head == .short ? temperature : 1
        for row in 0..<count {
            let vector = out + row * width
            if head == .short {
                for k in 0..<d { vector[k] *= scale }
                vector[d] = 1
            } else {
                (vector + d).update(repeating: 0, count: 1 + features)
            }
        }
    }

    /// w = H·W_R + b_R (count × F, row r at `output + r·stride`).
    func repeatWeights(states: UnsafePointer<Float>, count: Int, into output: UnsafeMutablePointer<Float>, stride: Int) {
        let h = hiddenSize, features = Self.historyFeatureCount
        parameters.withUnsafeBufferPointer { p in
            let w = p.baseAddress!
            BLAS.sgemm(
                transposeA: false, transposeB: false, m: count, n: features, k: h, alpha: 1, a: states, lda: h,
                b: w + layout.repeatWeights, ldb: features, beta: 0, c: output, ldc: stride)
            for row in 0..<count {
                for f in 0..<features { output[row * stride + f] += w[layout.repeatBias + f] }
            }
        }
    }

    /// Calls `body(item, φ-increments)` for every listen among the last ``historyLength`` events
    /// of `history` (oldest first; k = 0 is the newest event, skips count as events but add
    /// nothing): the one definition of the history features, shared by training and serving.
    @inline(__always)
    static func forEachHistoryPlay<History: BidirectionalCollection>(
        _ history: History, itemCount: Int, _ body: (Int, SIMD4<Float>) -> Void
    ) where History.Element == SequenceEvent {
        var factors = SIMD4<Float>(repeating: 1)
        var seen = 0
        for event in history.reversed() {
            guard seen < historyLength else { break }
            if !event.isSkip && event.item >= 0 && Int(event.item) < itemCount {
                body(Int(event.item), factors)
            }
            factors *= historyDecays
            seen += 1
        }
    }

    /// Adds one user's repeat term Σ_f w_f φ_f(i) to that user's scores (N floats); `history`
    /// holds the user's events up to the state's, oldest first (the ring buffer). Cheap: it
    /// touches only the items of the last ``historyLength`` events. A long-head vector
    /// (w = 0) adds nothing.
    public func addHistoryScores<History: BidirectionalCollection>(
        userVector: UnsafeBufferPointer<Float>, history: History, into scores: UnsafeMutableBufferPointer<Float>
    ) where History.Element == SequenceEvent {
        let d = dimension
        precondition(userVector.count >= vectorWidth && scores.count >= itemCount, "buffer too small")
        let weights = SIMD4<Float>(userVector[d + 1], userVector[d + 2], userVector[d + 3], 0)
        guard weights != .zero else { return }
        let out = scores.baseAddress!
        Self.forEachHistoryPlay(history, itemCount: itemCount) { item, factors in
            out[item] += (weights * factors).sum()
        }
    }

    /// P = H·W_head + b_head, rows normalised in place (row r at `output + r·stride`);
    /// optionally records each row's norm.
    func headForward(
        states: UnsafePointer<Float>, count: Int, head: SequenceHead, into output: UnsafeMutablePointer<Float>,
        stride: Int, norms: UnsafeMutablePointer<Float>?
    ) {
        let d = dimension, h = hiddenSize
        let weights = head == .short ? layout.shortWeights : layout.longWeights
        let bias = head == .short ? layout.shortBias : layout.longBias
        parameters.withUnsafeBufferPointer { p in
            let w = p.baseAddress!
            BLAS.sgemm(
                transposeA: false, transposeB: false, m: count, n: d, k: h, alpha: 1, a: states, lda: h,
                b: w + weights, ldb: d, beta: 0, c: output, ldc: stride)
            for row in 0..<count {
                let out = output + row * stride
                var sum: Float = 0
                for k in 0..<d {
                    out[k] += w[bias + k]
                    sum += out[k] * out[k]
                }
                let norm = max(sum.squareRoot(), 1e-12)
                norms?[row] = norm
                let scale = 1 / norm
                for k in 0..<d { out[k] *= scale }
            }
        }
    }

    /// count × itemCount scores of the user vectors (count × ``vectorWidth``) against all
    /// items: one GEMM over the item table plus the bias coordinate, v_d · b_i.
    public func scores(userVectors: UnsafeBufferPointer<Float>, count: Int, into output: UnsafeMutableBufferPointer<Float>) {
        let d = dimension, n = itemCount, width = vectorWidth
        precondition(userVectors.count >= count * width && output.count >= count * n, "buffer too small")
        guard count > 0, n > 0 else { return }
        let vectors = userVectors.baseAddress!, out = output.baseAddress!
        parameters.withUnsafeBufferPointer { p in
            let bias = p.baseAddress! + layout.itemBias
            for row in 0..<count {
                let weight = vectors[row * width + d]
                let scores = out + row * n
                if weight == 0 {
                    scores.update(repeating: 0, count: n)
                } else {
                    for item in 0..<n { scores[item] = weight * bias[item] }
                }
            }
        }
        items.vectors.withUnsafeBufferPointer { table in
            BLAS.sgemm(
                transposeA: false, transposeB: true, m: count, n: n, k: d, alpha: 1, a: vectors,
                lda: width, b: table.baseAddress!, ldb: d, beta: 1, c: out, ldc: n)
        }
    }
}
