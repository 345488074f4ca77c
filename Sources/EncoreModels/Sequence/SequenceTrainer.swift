import EncoreCore
import EncoreNumerics
import Foundation

/// Batch training of a ``SequenceModel``: truncated back-propagation through time over
/// parallel user lanes (GRU4Rec-style), Adam, global gradient-norm clipping. Seeded: the same
/// corpus, items and configuration give the same model.
///
/// ```
/// L = Σ_t m_t [ℓ^S_t + β m^L_t (1 − u^L_t·y^L_t)] / Σ_t m_t
/// softmax (default): ℓ^S_t = −log softmax_j(τ u^S_t·ê_j + b_j + w_t·φ_t(j) − log q_j)[next listened track]
/// cosine:            ℓ^S_t = 1 − u^S_t·ê(next listened track)
/// y^L_t = normalize(Σ ê(next 50 listened tracks))
/// ```
/// The softmax runs over all items up to ``SequenceModelConfiguration/fullSoftmaxItems``
/// (q_j = 1); above, over the window's targets plus popularity-sampled items, with q_j the
/// item's share of training listens (logQ correction). A fresh model's item biases start at
/// log q_j (smoothed).
/// Each lane follows one user's events in time order; when the user runs out the lane takes
/// the next user of the epoch's shuffled order and its state is reset to zero. States are
/// carried across windows without gradient. The forward pass runs the model's own GRU kernel
/// (the one ``SequenceModel/step(states:inputs:count:workspace:)`` uses), lanes split across
/// threads; the weight gradients are one GEMM per window.
public final class SequenceTrainer {
    /// The model being trained (a snapshot copy on read).
    public private(set) var model: SequenceModel
    let corpus: SequenceCorpus
    var optimizer: AdamOptimizer
    var generator: SeededGenerator
    let lanes: Int, window: Int, hidden: Int, gates: Int, width: Int, dimension: Int
    /// Whether each item has an embedding (others are never targets).
    let knownItems: [Bool]

    // Lane cursors and per-lane target tables for the lane's current user.
    var laneUser: [Int]
    var lanePosition: [Int]
    var laneStates: [Float]
    var laneNextListened: [[Int32]]
    var laneListenedIndex: [[Int32]]
    var laneListenedPrefix: [[Double]]
    var laneListenedCount: [Int]

    // Window buffers (window × lanes rows).
    var inputs: [Float]
    var hiddenStates: [Float]
    var previousStates: [Float], updateGates: [Float], resetGates: [Float], candidates: [Float]
    var recurrentCandidates: [Float]
    var shortTargets: [Float], longTargets: [Float]
    var shortTargetItems: [Int32]
    /// Training listens per item and their cumulative sums (popularity sampling).
    let itemListens: [Double]
    let cumulativeListens: [Double]
    var logits: [Float] = []
    var candidateItems: [Int32] = []
    var candidateVectors: [Float] = []
    var candidateCorrection: [Float] = []
    var itemSlot: [Int32]
    /// The corpus user and position of each window row (for the history features).
    var rowUser: [Int32], rowPosition: [Int32]
    var repeatOutput: [Float] = [], repeatGradient: [Float] = []
    var historyLogits: [Float] = []
    var shortMask: [Float], longMask: [Float]
    var laneReset: [Bool]
    var headOutput: [Float], headNorms: [Float], headGradient: [Float]
    var hiddenGradient: [Float]
    var inputGateGradient: [Float], recurrentGateGradient: [Float]
    var gateScratch: [Float]
    var carriedGradient: [Float]
    var gradients: [Float]

    /// Prepares training.
    ///
    /// - Parameters:
    ///   - corpus: The users' training histories (events before the cut-off only).
    ///   - items: The frozen item space.
    ///   - configuration: Hyperparameters.
    ///   - warmStart: A model to continue from (same items and sizes), or `nil`.
    /// - Throws: ``ModelError`` for invalid hyperparameters or an empty corpus.
    public init(
        corpus: SequenceCorpus, items: ItemEmbeddingTable, configuration: SequenceModelConfiguration,
        warmStart: SequenceModel? = nil
    ) throws {
        let model = try warmStart ?? SequenceModel(configuration: configuration, items: items)
        guard corpus.events.count > 0 else { throw ModelError(.invalidInput, "the training corpus is empty") }
        self.model = model
        self.corpus = corpus
        self.optimizer = AdamOptimizer(parameterCount: model.layout.count, learningRate: configuration.learningRate)
        self.generator = SeededGenerator(seed: configuration.seed ^ 0x5EC0_E11C)
        lanes = configuration.lanes
        window = configuration.window
        hidden = configuration.hiddenSize
        gates = 3 * hidden
        width = model.inputWidth
        dimension = items.dimension
        knownItems = (0..<items.itemCount).map { items.contains(Int32($0)) }
        laneUser = [Int](repeating: -1, count: lanes)
        lanePosition = [Int](repeating: 0, count: lanes)
        laneStates = [Float](repeating: 0, count: lanes * hidden)
        laneNextListened = [[Int32]](repeating: [], count: lanes)
        laneListenedIndex = [[Int32]](repeating: [], count: lanes)
        laneListenedPrefix = [[Double]](repeating: [], count: lanes)
        laneListenedCount = [Int](repeating: 0, count: lanes)
        let rows = window * lanes
        inputs = [Float](repeating: 0, count: rows * width)
        hiddenStates = [Float](repeating: 0, count: rows * hidden)
        previousStates = hiddenStates
        updateGates = hiddenStates
        resetGates = hiddenStates
        candidates = hiddenStates
        recurrentCandidates = hiddenStates
        shortTargets = [Float](repeating: 0, count: rows * dimension)
        shortTargetItems = [Int32](repeating: -1, count: rows)
        var listens = [Double](repeating: 0, count: items.itemCount)
        for event in corpus.events where !event.isSkip && event.item >= 0 && Int(event.item) < items.itemCount {
            listens[Int(event.item)] += 1
        }
        itemListens = listens
        var running = 0.0
        cumulativeListens = listens.map { running += $0; return running }
        itemSlot = [Int32](repeating: -1, count: items.itemCount)
        rowUser = [Int32](repeating: -1, count: rows)
        rowPosition = rowUser
        repeatOutput = [Float](repeating: 0, count: rows * SequenceModel.historyFeatureCount)
        repeatGradient = repeatOutput
        longTargets = shortTargets
        shortMask = [Float](repeating: 0, count: rows)
        longMask = shortMask
        laneReset = [Bool](repeating: false, count: rows)
        headOutput = shortTargets
        headNorms = shortMask
        headGradient = shortTargets
        hiddenGradient = hiddenStates
        inputGateGradient = [Float](repeating: 0, count: rows * gates)
        recurrentGateGradient = inputGateGradient
        gateScratch = [Float](repeating: 0, count: 2 * lanes * gates)
        carriedGradient = [Float](repeating: 0, count: lanes * hidden)
        gradients = [Float](repeating: 0, count: model.layout.count)
        if warmStart == nil && configuration.loss == .softmax {
            // Item biases start at the smoothed log popularity: the softmax's prior.
            let total = running + Double(items.itemCount)
            for item in 0..<items.itemCount {
                self.model.parameters[self.model.layout.itemBias + item] = Float(log((listens[item] + 1) / total))
            }
        }
    }

    /// What one epoch did.
    public struct EpochResult: Sendable {
        /// Mean loss over the epoch's windows (weighted by their targets).
        public var loss: Double
        /// Wall seconds.
        public var seconds: Double
        /// User sequences read.
        public var sequences: Int
        /// Events read.
        public var events: Int
        /// Optimizer steps (windows).
        public var windows: Int
    }

    /// Trains one epoch over every user with at least two events.
    public func trainEpoch() -> EpochResult {
        let start = DispatchTime.now().uptimeNanoseconds
        var order = (0..<corpus.userCount).filter { corpus.length(ofUser: $0) >= 2 }
        order.withUnsafeMutableBufferPointer { generator.shuffle($0) }
        var cursor = 0
        for lane in 0..<lanes { laneUser[lane] = -1 }
        for index in laneStates.indices { laneStates[index] = 0 }
        var lossSum = 0.0, targetSum = 0.0, events = 0, windows = 0
        while true {
            let steps = buildWindow(order: order, cursor: &cursor, events: &events)
            if steps == 0 { break }
            let (loss, targets) = trainWindow(steps: steps)
            lossSum += loss * targets
            targetSum += targets
            windows += 1
        }
        model.trainedEpochs += 1
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return EpochResult(
            loss: targetSum > 0 ? lossSum / targetSum : 0, seconds: seconds, sequences: order.count, events: events,
            windows: windows)
    }

    /// Trains a model for `configuration.epochs` epochs, reporting after each one.
    ///
    /// - Parameter observer: Called after every epoch with the progress and a snapshot getter;
    ///   returning `.stop` ends training.
    public static func fit(
        corpus: SequenceCorpus, items: ItemEmbeddingTable, configuration: SequenceModelConfiguration,
        warmStart: SequenceModel? = nil,
        observer: (TrainingProgress, () -> SequenceModel) throws -> TrainingDecision = { _, _ in .proceed }
    ) throws -> SequenceModel {
        let trainer = try SequenceTrainer(
            corpus: corpus, items: items, configuration: configuration, warmStart: warmStart)
        for epoch in stride(from: 1, through: configuration.epochs, by: 1) {
            let result = trainer.trainEpoch()
            let progress = TrainingProgress(
                epoch: epoch, epochCount: configuration.epochs, loss: result.loss, seconds: result.seconds,
                examples: result.sequences)
            if try observer(progress, { trainer.model }) == .stop { break }
        }
        return trainer.model
    }

    // MARK: - Window assembly

    /// Fills the window buffers lane by lane; returns the number of time steps with any active lane.
    func buildWindow(order: [Int], cursor: inout Int, events: inout Int) -> Int {
        var steps = 0
        let model = self.model
        for t in 0..<window {
            var anyActive = false
            for lane in 0..<lanes {
                let row = t * lanes + lane
                var switched = false
                if laneUser[lane] < 0 || lanePosition[lane] >= corpus.length(ofUser: laneUser[lane]) {
                    if cursor < order.count {
                        assign(user: order[cursor], to: lane)
                        cursor += 1
                        switched = true
                    } else {
                        laneUser[lane] = -1
                    }
                }
                shortMask[row] = 0
                longMask[row] = 0
                guard laneUser[lane] >= 0 else {
                    laneReset[row] = true
                    for k in 0..<width { inputs[row * width + k] = 0 }
                    continue
                }
                anyActive = true
                laneReset[row] = switched
                let base = corpus.offsets[laneUser[lane]]
                let position = lanePosition[lane]
                let event = corpus.events[base + position]
                let previous = position > 0 ? corpus.events[base + position - 1] : nil
                inputs.withUnsafeMutableBufferPointer { buffer in
                    model.encode(
                        event, previous: previous,
                        into: UnsafeMutableBufferPointer(rebasing: buffer[(row * width)..<((row + 1) * width)]))
                }
                writeTargets(row: row, lane: lane, position: position)
                rowUser[row] = Int32(laneUser[lane])
                rowPosition[row] = Int32(position)
                lanePosition[lane] += 1
                events += 1
            }
            if !anyActive { break }
            steps = t + 1
        }
        return steps
    }

    /// Points `lane` at `user` and tabulates that user's targets.
    func assign(user: Int, to lane: Int) {
        laneUser[lane] = user
        lanePosition[lane] = 0
        let base = corpus.offsets[user], length = corpus.length(ofUser: user)
        let d = dimension
        var next = [Int32](repeating: -1, count: length)
        var listenedIndex = [Int32](repeating: 0, count: length)
        var prefix = laneListenedPrefix[lane]
        prefix.removeAll(keepingCapacity: true)
        prefix.append(contentsOf: repeatElement(0, count: d))
        var listened = 0
        model.items.vectors.withUnsafeBufferPointer { table in
            for position in 0..<length {
                let event = corpus.events[base + position]
                guard !event.isSkip else { continue }
                let known = event.item >= 0 && Int(event.item) < knownItems.count && knownItems[Int(event.item)]
                let start = prefix.count - d
                for k in 0..<d {
                    prefix.append(prefix[start + k] + (known ? Double(table[Int(event.item) * d + k]) : 0))
                }
                listened += 1
            }
        }
        // Walk backwards: the next listened event after each position.
        var nextItem: Int32 = -1
        var nextIndex = Int32(listened)
        for position in stride(from: length - 1, through: 0, by: -1) {
            next[position] = nextItem
            listenedIndex[position] = nextIndex
            let event = corpus.events[base + position]
            if !event.isSkip {
                nextItem = event.item
                nextIndex -= 1
            }
        }
        laneNextListened[lane] = next
        laneListenedIndex[lane] = listenedIndex
        laneListenedPrefix[lane] = prefix
        laneListenedCount[lane] = listened
    }

    /// Short and long targets (and masks) for the event at `position` of the lane's user.
    func writeTargets(row: Int, lane: Int, position: Int) {
        let d = dimension
        let item = laneNextListened[lane][position]
        shortTargetItems[row] = -1
        if item >= 0 && Int(item) < knownItems.count && knownItems[Int(item)] {
            shortMask[row] = 1
            shortTargetItems[row] = item
            model.items.vectors.withUnsafeBufferPointer { table in
                for k in 0..<d { shortTargets[row * d + k] = table[Int(item) * d + k] }
            }
        }
        let first = Int(laneListenedIndex[lane][position])
        let horizon = model.configuration.longHorizon
        guard first + horizon <= laneListenedCount[lane] else { return }
        let prefix = laneListenedPrefix[lane]
        var sum = 0.0
        for k in 0..<d {
            let value = prefix[(first + horizon) * d + k] - prefix[first * d + k]
            longTargets[row * d + k] = Float(value)
            sum += value * value
        }
        guard sum > 1e-12 else { return }
        let scale = Float(1 / sum.squareRoot())
        for k in 0..<d { longTargets[row * d + k] *= scale }
        longMask[row] = 1
    }

    // MARK: - Forward, loss, backward

    /// Runs the window forward and backward and applies one Adam step; returns (mean loss, targets).
    func trainWindow(steps: Int) -> (Double, Double) {
        forward(steps: steps)
        for index in gradients.indices { gradients[index] = 0 }
        let targets = Double(shortMask[0..<(steps * lanes)].reduce(0, +))
        let normaliser = Float(max(targets, 1))
        let rows = steps * lanes
        var loss = 0.0
        loss += headLossAndGradient(rows: rows, head: .short, weight: 1, normaliser: normaliser, accumulate: false)
        let beta = model.configuration.longWeight
        if beta > 0 {
            loss += headLossAndGradient(rows: rows, head: .long, weight: beta, normaliser: normaliser, accumulate: true)
        }
        backward(steps: steps)
        clipGradients()
        let threads = model.configuration.threads
        model.parameters.withUnsafeMutableBufferPointer { parameters in
            gradients.withUnsafeBufferPointer { gradients in
                optimizer.update(parameters: parameters, gradients: gradients, threads: threads)
            }
        }
        return (loss, targets)
    }

    /// The lanes of `0..<lanes` split into contiguous chunks, one per thread.
    func laneChunks() -> [Range<Int>] {
        let threads = max(1, min(model.configuration.threads, lanes))
        return (0..<threads).map { lanes * $0 / threads..<lanes * ($0 + 1) / threads }
    }

    func forward(steps: Int) {
        let model = self.model
        let h = hidden, g = gates, w = width, b = lanes
        let chunks = laneChunks()
        laneStates.withUnsafeMutableBufferPointer { states in
            inputs.withUnsafeBufferPointer { inputs in
                gateScratch.withUnsafeMutableBufferPointer { scratch in
                    previousStates.withUnsafeMutableBufferPointer { previous in
                        updateGates.withUnsafeMutableBufferPointer { update in
                            resetGates.withUnsafeMutableBufferPointer { reset in
                                candidates.withUnsafeMutableBufferPointer { candidate in
                                    recurrentCandidates.withUnsafeMutableBufferPointer { recurrent in
                                        hiddenStates.withUnsafeMutableBufferPointer { outputs in
                                            laneReset.withUnsafeBufferPointer { resets in
                                                let box = UncheckedSendableBox(
                                                    (
                                                        states, inputs, scratch, previous, update, reset, candidate,
                                                        recurrent, outputs, resets
                                                    ))
                                                for t in 0..<steps {
                                                    parallelChunks(chunkCount: chunks.count, threads: chunks.count) {
                                                        chunk in
                                                        let (
                                                            states, inputs, scratch, previous, update, reset, candidate,
                                                            recurrent, outputs, resets
                                                        ) = box.value
                                                        let range = chunks[chunk]
                                                        let count = range.count
                                                        guard count > 0 else { return }
                                                        let s = states.baseAddress! + range.lowerBound * h
                                                        for lane in range where resets[t * b + lane] {
                                                            (states.baseAddress! + lane * h).update(
                                                                repeating: 0, count: h)
                                                        }
                                                        let row = t * b + range.lowerBound
                                                        let cache = SequenceModel.GateCache(
                                                            previous: previous.baseAddress! + row * h,
                                                            update: update.baseAddress! + row * h,
                                                            reset: reset.baseAddress! + row * h,
                                                            candidate: candidate.baseAddress! + row * h,
                                                            recurrentCandidate: recurrent.baseAddress! + row * h)
                                                        let gateBase = scratch.baseAddress! + 2 * range.lowerBound * g
                                                        model.gruStep(
                                                            states: s, inputs: inputs.baseAddress! + row * w,
                                                            count: count, inputGates: gateBase,
                                                            recurrentGates: gateBase + count * g, cache: cache)
                                                        (outputs.baseAddress! + row * h).update(
                                                            from: s, count: count * h)
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Adds one head's masked loss gradient into `gradients` and `hiddenGradient` (overwriting
    /// the latter unless `accumulate`); returns the head's loss sum / normaliser. The short head
    /// uses the configured loss, the long head the cosine loss.
    func headLossAndGradient(rows: Int, head: SequenceHead, weight: Float, normaliser: Float, accumulate: Bool)
        -> Double
    {
        let d = dimension, h = hidden
        let model = self.model
        let layout = model.layout
        let weights = head == .short ? layout.shortWeights : layout.longWeights
        let bias = head == .short ? layout.shortBias : layout.longBias
        var loss = 0.0
        hiddenStates.withUnsafeBufferPointer { states in
            headOutput.withUnsafeMutableBufferPointer { output in
                headNorms.withUnsafeMutableBufferPointer { norms in
                    model.headForward(
                        states: states.baseAddress!, count: rows, head: head, into: output.baseAddress!, stride: d,
                        norms: norms.baseAddress!)
                }
            }
        }
        let mask = head == .short ? shortMask : longMask
        // ∂L/∂û into headGradient.
        let softmax = head == .short && model.configuration.loss == .softmax
        let history = softmax && model.configuration.historyFeatures
        if softmax {
            loss = softmaxGradient(rows: rows, weight: weight, normaliser: normaliser, history: history)
        } else {
            let targets = head == .short ? shortTargets : longTargets
            let scale = -weight / normaliser
            for row in 0..<rows {
                guard mask[row] > 0 else { continue }
                var dot: Float = 0
                for k in 0..<d { dot += headOutput[row * d + k] * targets[row * d + k] }
                loss += Double(weight * (1 - dot))
                for k in 0..<d { headGradient[row * d + k] = scale * targets[row * d + k] }
            }
            loss /= Double(normaliser)
        }
        // Through the normalisation û = p / ‖p‖: (g − û (û·g)) / ‖p‖; unmasked rows get none.
        for row in 0..<rows {
            guard mask[row] > 0 else {
                for k in 0..<d { headGradient[row * d + k] = 0 }
                continue
            }
            var projection: Float = 0
            for k in 0..<d { projection += headOutput[row * d + k] * headGradient[row * d + k] }
            let inverseNorm = 1 / headNorms[row]
            for k in 0..<d {
                headGradient[row * d + k] = (headGradient[row * d + k] - headOutput[row * d + k] * projection) * inverseNorm
            }
        }
        hiddenStates.withUnsafeBufferPointer { states in
            headGradient.withUnsafeBufferPointer { g in
                gradients.withUnsafeMutableBufferPointer { grads in
                    model.parameters.withUnsafeBufferPointer { p in
                        hiddenGradient.withUnsafeMutableBufferPointer { dh in
                            // dW_head = Hᵀ G, db_head = Σ G, dH (+)= G W_headᵀ.
                            BLAS.sgemm(
                                transposeA: true, transposeB: false, m: h, n: d, k: rows, alpha: 1,
                                a: states.baseAddress!, lda: h, b: g.baseAddress!, ldb: d, beta: 0,
                                c: grads.baseAddress! + weights, ldc: d)
                            for row in 0..<rows {
                                for k in 0..<d { grads[bias + k] += g[row * d + k] }
                            }
                            BLAS.sgemm(
                                transposeA: false, transposeB: true, m: rows, n: h, k: d, alpha: 1,
                                a: g.baseAddress!, lda: d, b: p.baseAddress! + weights, ldb: d,
                                beta: accumulate ? 1 : 0, c: dh.baseAddress!, ldc: h)
                        }
                    }
                }
            }
        }
        if history {
            // The repeat head w = H W_R + b_R: dW_R = Hᵀ dw, db_R = Σ dw, dH += dw W_Rᵀ.
            let features = SequenceModel.historyFeatureCount
            hiddenStates.withUnsafeBufferPointer { states in
                repeatGradient.withUnsafeBufferPointer { g in
                    gradients.withUnsafeMutableBufferPointer { grads in
                        model.parameters.withUnsafeBufferPointer { p in
                            hiddenGradient.withUnsafeMutableBufferPointer { dh in
                                BLAS.sgemm(
                                    transposeA: true, transposeB: false, m: h, n: features, k: rows, alpha: 1,
                                    a: states.baseAddress!, lda: h, b: g.baseAddress!, ldb: features, beta: 0,
                                    c: grads.baseAddress! + layout.repeatWeights, ldc: features)
                                for row in 0..<rows {
                                    for f in 0..<features { grads[layout.repeatBias + f] += g[row * features + f] }
                                }
                                BLAS.sgemm(
                                    transposeA: false, transposeB: true, m: rows, n: h, k: features, alpha: 1,
                                    a: g.baseAddress!, lda: features, b: p.baseAddress! + layout.repeatWeights,
                                    ldb: features, beta: 1, c: dh.baseAddress!, ldc: h)
                            }
                        }
                    }
                }
            }
        }
        return loss
    }

    /// The events of a window row's history (the user's events up to the row's, oldest first).
    func history(ofRow row: Int) -> ArraySlice<SequenceEvent> {
        let base = corpus.offsets[Int(rowUser[row])], end = base + Int(rowPosition[row]) + 1
        return corpus.events[max(base, end - SequenceModel.historyLength)..<end]
    }

    /// Chooses the softmax's candidate items for this window: all items (no correction), or the
    /// window's targets plus popularity-sampled items with correction log q_j. Returns the
    /// candidate count; `candidateItems`, `candidateVectors` and `candidateCorrection` hold them.
    func chooseCandidates(rows: Int) -> Int {
        let n = model.itemCount, d = dimension
        let configuration = model.configuration
        candidateItems.removeAll(keepingCapacity: true)
        candidateCorrection.removeAll(keepingCapacity: true)
        if n <= configuration.fullSoftmaxItems {
            for item in 0..<n {
                candidateItems.append(Int32(item))
                itemSlot[item] = Int32(item)
            }
            candidateCorrection.append(contentsOf: repeatElement(0, count: n))
            return n
        }
        let total = cumulativeListens.last ?? 0
        func add(_ item: Int32) {
            guard itemSlot[Int(item)] < 0 else { return }
            itemSlot[Int(item)] = Int32(candidateItems.count)
            candidateItems.append(item)
            candidateCorrection.append(Float(log(max(itemListens[Int(item)], 1) / max(total, 1))))
        }
        for row in 0..<rows where shortMask[row] > 0 { add(shortTargetItems[row]) }
        if total > 0 {
            for _ in 0..<configuration.sampledNegatives {
                let draw = Double(generator.nextUniform()) * total
                var low = 0, high = cumulativeListens.count - 1
                while low < high {
                    let middle = (low + high) / 2
                    if cumulativeListens[middle] > draw { high = middle } else { low = middle + 1 }
                }
                add(Int32(low))
            }
        }
        let count = candidateItems.count
        if candidateVectors.count < count * d { candidateVectors = [Float](repeating: 0, count: count * d) }
        model.items.vectors.withUnsafeBufferPointer { table in
            for (slot, item) in candidateItems.enumerated() {
                for k in 0..<d { candidateVectors[slot * d + k] = table[Int(item) * d + k] }
            }
        }
        return count
    }

    /// Softmax cross-entropy of the short head over the window's candidates: writes ∂L/∂û into
    /// `headGradient`, adds ∂L/∂log τ and ∂L/∂b into `gradients`; returns the loss / normaliser.
    func softmaxGradient(rows: Int, weight: Float, normaliser: Float, history: Bool) -> Double {
        let d = dimension
        let model = self.model
        let layout = model.layout
        let tau = model.temperature
        let count = chooseCandidates(rows: rows)
        defer { for item in candidateItems { itemSlot[Int(item)] = -1 } }
        let full = count == model.itemCount && count <= model.configuration.fullSoftmaxItems
        let features = SequenceModel.historyFeatureCount
        let itemCount = model.itemCount
        if history {
            hiddenStates.withUnsafeBufferPointer { states in
                repeatOutput.withUnsafeMutableBufferPointer { output in
                    model.repeatWeights(
                        states: states.baseAddress!, count: rows, into: output.baseAddress!, stride: features)
                }
            }
        }
        if historyLogits.count < count { historyLogits = [Float](repeating: 0, count: count) }
        let chunk = 256
        if logits.count < chunk * count { logits = [Float](repeating: 0, count: chunk * count) }
        var loss = 0.0
        var temperatureGradient: Float = 0
        let table = full ? model.items.vectors : candidateVectors
        table.withUnsafeBufferPointer { table in
            headOutput.withUnsafeBufferPointer { output in
                headGradient.withUnsafeMutableBufferPointer { dU in
                    logits.withUnsafeMutableBufferPointer { logits in
                        model.parameters.withUnsafeBufferPointer { p in
                            gradients.withUnsafeMutableBufferPointer { grads in
                                let itemBias = p.baseAddress! + layout.itemBias
                                for start in stride(from: 0, to: rows, by: chunk) {
                                    let m = min(chunk, rows - start)
                                    // Cosines of the chunk's user vectors with every candidate.
                                    BLAS.sgemm(
                                        transposeA: false, transposeB: true, m: m, n: count, k: d, alpha: 1,
                                        a: output.baseAddress! + start * d, lda: d, b: table.baseAddress!, ldb: d,
                                        beta: 0, c: logits.baseAddress!, ldc: count)
                                    for r in 0..<m {
                                        let row = start + r
                                        let line = logits.baseAddress! + r * count
                                        guard shortMask[row] > 0 else {
                                            line.update(repeating: 0, count: count)
                                            for f in 0..<features { repeatGradient[row * features + f] = 0 }
                                            continue
                                        }
                                        // The repeat term w·φ(j) on the candidates of the row's history.
                                        var repeatWeights = SIMD4<Float>.zero
                                        if history {
                                            for f in 0..<features { repeatWeights[f] = repeatOutput[row * features + f] }
                                            SequenceModel.forEachHistoryPlay(self.history(ofRow: row), itemCount: itemCount) {
                                                item, factors in
                                                let slot = Int(itemSlot[item])
                                                if slot >= 0 { historyLogits[slot] += (repeatWeights * factors).sum() }
                                            }
                                        }
                                        var largest = -Float.infinity
                                        for j in 0..<count {
                                            let item = Int(candidateItems[j])
                                            let s =
                                                tau * line[j] + itemBias[item] - candidateCorrection[j] + historyLogits[j]
                                            largest = max(largest, s)
                                        }
                                        // One exp per candidate: e_j replaces the cosine in the line.
                                        let positive = Int(itemSlot[Int(shortTargetItems[row])])
                                        var sum: Float = 0, weightedCosine: Float = 0
                                        let positiveCosine = line[positive]
                                        let positiveLogit =
                                            tau * positiveCosine + itemBias[Int(candidateItems[positive])]
                                            - candidateCorrection[positive] + historyLogits[positive]
                                        for j in 0..<count {
                                            let item = Int(candidateItems[j])
                                            let cosine = line[j]
                                            let e = exp(
                                                tau * cosine + itemBias[item] - candidateCorrection[j] + historyLogits[j]
                                                    - largest)
                                            sum += e
                                            weightedCosine += e * cosine
                                            line[j] = e
                                        }
                                        let logSum = largest + log(sum)
                                        loss += Double(weight * (logSum - positiveLogit))
                                        let scale = weight / normaliser
                                        // ∂ℓ/∂s_j = p_j − δ_j; ∂s_j/∂log τ = τ cos_j.
                                        temperatureGradient += scale * tau * (weightedCosine / sum - positiveCosine)
                                        let inverseSum = 1 / sum
                                        for j in 0..<count {
                                            let g = scale * (line[j] * inverseSum - (j == positive ? 1 : 0))
                                            grads[layout.itemBias + Int(candidateItems[j])] += g
                                            line[j] = g
                                        }
                                        if history {
                                            // ∂ℓ/∂w = Σ over the history's plays of G_j φ-increments; clears the term.
                                            var repeatGradientRow = SIMD4<Float>.zero
                                            SequenceModel.forEachHistoryPlay(self.history(ofRow: row), itemCount: itemCount) {
                                                item, factors in
                                                let slot = Int(itemSlot[item])
                                                if slot >= 0 {
                                                    repeatGradientRow += line[slot] * factors
                                                    historyLogits[slot] = 0
                                                }
                                            }
                                            for f in 0..<features { repeatGradient[row * features + f] = repeatGradientRow[f] }
                                        }
                                    }
                                    // ∂L/∂û = τ G · E.
                                    BLAS.sgemm(
                                        transposeA: false, transposeB: false, m: m, n: d, k: count, alpha: tau,
                                        a: logits.baseAddress!, lda: count, b: table.baseAddress!, ldb: d, beta: 0,
                                        c: dU.baseAddress! + start * d, ldc: d)
                                }
                            }
                        }
                    }
                }
            }
        }
        gradients[layout.logTemperature] += temperatureGradient
        return loss / Double(normaliser)
    }

    func backward(steps: Int) {
        let model = self.model
        let layout = model.layout
        let h = hidden, g = gates, w = width, b = lanes
        let chunks = laneChunks()
        let threads = model.configuration.threads
        for index in carriedGradient.indices { carriedGradient[index] = 0 }
        carriedGradient.withUnsafeMutableBufferPointer { carried in
            hiddenGradient.withUnsafeBufferPointer { dHidden in
                previousStates.withUnsafeBufferPointer { previous in
                    updateGates.withUnsafeBufferPointer { update in
                        resetGates.withUnsafeBufferPointer { reset in
                            candidates.withUnsafeBufferPointer { candidate in
                                recurrentCandidates.withUnsafeBufferPointer { recurrent in
                                    inputGateGradient.withUnsafeMutableBufferPointer { dA in
                                        recurrentGateGradient.withUnsafeMutableBufferPointer { dC in
                                            laneReset.withUnsafeBufferPointer { resets in
                                                model.parameters.withUnsafeBufferPointer { p in
                                                    let box = UncheckedSendableBox(
                                                        (
                                                            carried, dHidden, previous, update, reset, candidate,
                                                            recurrent, dA, dC, resets, p
                                                        ))
                                                    for t in stride(from: steps - 1, through: 0, by: -1) {
                                                        parallelChunks(chunkCount: chunks.count, threads: chunks.count) {
                                                            chunk in
                                                            let (
                                                                carried, dHidden, previous, update, reset, candidate,
                                                                recurrent, dA, dC, resets, p
                                                            ) = box.value
                                                            let range = chunks[chunk]
                                                            guard !range.isEmpty else { return }
                                                            for lane in range {
                                                                let row = t * b + lane
                                                                let dh = carried.baseAddress! + lane * h
                                                                let gateRow = row * g
                                                                for j in 0..<h {
                                                                    let index = row * h + j
                                                                    let grad = dh[j] + dHidden[index]
                                                                    let z = update[index], r = reset[index]
                                                                    let n = candidate[index], cn = recurrent[index]
                                                                    let dn = grad * (1 - z)
                                                                    let dz = grad * (previous[index] - n)
                                                                    let dan = dn * (1 - n * n)
                                                                    let dr = dan * cn
                                                                    let daz = dz * z * (1 - z)
                                                                    let dar = dr * r * (1 - r)
                                                                    dA[gateRow + j] = daz
                                                                    dA[gateRow + h + j] = dar
                                                                    dA[gateRow + 2 * h + j] = dan
                                                                    dC[gateRow + j] = daz
                                                                    dC[gateRow + h + j] = dar
                                                                    dC[gateRow + 2 * h + j] = dan * r
                                                                    dh[j] = grad * z
                                                                }
                                                            }
                                                            // dh_{t−1} += dC Uᵀ for the chunk's lanes.
                                                            let first = t * b + range.lowerBound
                                                            BLAS.sgemm(
                                                                transposeA: false, transposeB: true, m: range.count,
                                                                n: h, k: g, alpha: 1,
                                                                a: dC.baseAddress! + first * g, lda: g,
                                                                b: p.baseAddress! + layout.recurrentWeights, ldb: g,
                                                                beta: 1,
                                                                c: carried.baseAddress! + range.lowerBound * h, ldc: h)
                                                            for lane in range where resets[t * b + lane] {
                                                                (carried.baseAddress! + lane * h).update(
                                                                    repeating: 0, count: h)
                                                            }
                                                        }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        // Weight gradients for the whole window: dW = Xᵀ dA, dU = H_prevᵀ dC (columns split across threads).
        let rows = steps * b
        inputs.withUnsafeBufferPointer { x in
            previousStates.withUnsafeBufferPointer { previous in
                inputGateGradient.withUnsafeBufferPointer { dA in
                    recurrentGateGradient.withUnsafeBufferPointer { dC in
                        gradients.withUnsafeMutableBufferPointer { grads in
                            let box = UncheckedSendableBox((x, previous, dA, dC, grads))
                            parallelFor(count: g, threads: threads) { columns in
                                let (x, previous, dA, dC, grads) = box.value
                                BLAS.sgemm(
                                    transposeA: true, transposeB: false, m: w, n: columns.count, k: rows, alpha: 1,
                                    a: x.baseAddress!, lda: w, b: dA.baseAddress! + columns.lowerBound, ldb: g,
                                    beta: 0, c: grads.baseAddress! + layout.inputWeights + columns.lowerBound, ldc: g)
                                BLAS.sgemm(
                                    transposeA: true, transposeB: false, m: h, n: columns.count, k: rows, alpha: 1,
                                    a: previous.baseAddress!, lda: h, b: dC.baseAddress! + columns.lowerBound, ldb: g,
                                    beta: 0, c: grads.baseAddress! + layout.recurrentWeights + columns.lowerBound,
                                    ldc: g)
                                for row in 0..<rows {
                                    for column in columns {
                                        grads[layout.inputBias + column] += dA[row * g + column]
                                        grads[layout.recurrentBias + column] += dC[row * g + column]
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    func clipGradients() {
        var sum: Double = 0
        for value in gradients { sum += Double(value) * Double(value) }
        let norm = sum.squareRoot()
        let limit = Double(model.configuration.gradientClipNorm)
        guard norm > limit else { return }
        let scale = Float(limit / norm)
        for index in gradients.indices { gradients[index] *= scale }
    }
}

extension SequenceTrainer {
    /// Assembles and runs forward the first window of an epoch (no update): the lanes' users in
    /// order and the number of steps. For checks of the forward pass against streaming.
    func forwardFirstWindow() -> (order: [Int], steps: Int) {
        var order = (0..<corpus.userCount).filter { corpus.length(ofUser: $0) >= 2 }
        order.withUnsafeMutableBufferPointer { generator.shuffle($0) }
        var cursor = 0, events = 0
        for lane in 0..<lanes { laneUser[lane] = -1 }
        for index in laneStates.indices { laneStates[index] = 0 }
        let steps = buildWindow(order: order, cursor: &cursor, events: &events)
        forward(steps: steps)
        return (order, steps)
    }

    /// Loss and unclipped gradient of the first window of an epoch (no update): the quantity the
    /// finite-difference gradient check compares.
    func firstWindowLossAndGradient() -> (loss: Double, gradients: [Float]) {
        let (_, steps) = forwardFirstWindow()
        for index in gradients.indices { gradients[index] = 0 }
        let rows = steps * lanes
        let normaliser = Float(max(Double(shortMask[0..<rows].reduce(0, +)), 1))
        var loss = headLossAndGradient(rows: rows, head: .short, weight: 1, normaliser: normaliser, accumulate: false)
        loss += headLossAndGradient(
            rows: rows, head: .long, weight: model.configuration.longWeight, normaliser: normaliser, accumulate: true)
        backward(steps: steps)
        return (loss, gradients)
    }
}
