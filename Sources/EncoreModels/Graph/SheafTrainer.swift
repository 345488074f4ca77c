import EncoreCore
import EncoreNumerics
import Foundation

/// The Sheaf4Rec training engine (Purificato et al., arXiv 2304.09097; reference code
/// `antoniopurificato/Sheaf4Rec` at 2cd476f): exact mini-batch gradients through K sheaf
/// diffusion layers over the whole training graph.
///
/// Layer l, input X (n × d), parameters w₁, w₂ ∈ ℝᵈ (the reference's w ∈ ℝ²ᵈ split in halves),
/// W ∈ ℝ^{d×d}, b ∈ ℝᵈ:
/// ```
/// p = X w₁, q = X w₂                               (wᵀ[x_s; x_t] = p_s + q_t, never concatenated)
/// edge e = (u, i):  a_e = tanh(p_u + q_i)  (map of u into e),  β_e = tanh(p_i + q_u)  (map of i)
/// D_u = Σ_{e∋u} a_e²,  D_i = Σ_{e∋i} β_e²,  r_s = (D_s + 1)^{-1/2}
/// (ΔY)_s = (1 − r_s²) Y_s − Σ_{t~s} a_e β_e r_s r_t Y_t          (Δ = (D+I)^{-1/2} L (D+I)^{-1/2})
/// X' = X − α Δ (X W + b)
/// ```
/// Readout: the concatenation [X⁰ … X^K], so ŷ(u, i) = Σ_l ⟨X^l_u, X^l_i⟩. Loss: mean BPR plus
/// `regularization` · ½ Σ (‖u⁰‖² + ‖i⁰‖² + ‖j⁰‖²) / B over the batch's layer-0 rows.
///
/// The backward pass is written out by hand: per layer one more learned-weight SpMM (ΔH, Δ is
/// symmetric), two GEMMs for W and Xᵀ·∂Y, a per-edge dot (SDDMM) for the maps, and scalar
/// passes over nodes and edges. All buffers are allocated once; node and edge loops are split
/// across threads over disjoint ranges, so results do not depend on the thread count.
public final class SheafTrainer {
    /// Hyperparameters.
    public let configuration: SheafConfiguration
    /// The training matrix R.
    public let interactions: SparseMatrix
    /// The graph (edges and node adjacency).
    public let graph: SheafGraph
    /// ``EncoreNumerics/SparseMatrix/fingerprint()`` of the training matrix.
    public let dataFingerprint: String
    /// Number of users M.
    public var userCount: Int { graph.userCount }
    /// Number of items N.
    public var itemCount: Int { graph.itemCount }
    /// Epochs trained so far.
    public private(set) var epochsCompleted = 0
    /// The optimizer state.
    public private(set) var optimizer: AdamOptimizer
    /// The sampler's generator.
    public private(set) var generator: SeededGenerator

    let n: Int
    let d: Int
    let layers: Int
    let edgeCount: Int
    let parameterCount: Int
    /// X⁰ then, per layer, w₁ | w₂ | W | b.
    let parameters: UnsafeMutableBufferPointer<Float>
    let gradients: UnsafeMutableBufferPointer<Float>
    /// X¹ … X^K, n·d each.
    let states: UnsafeMutablePointer<Float>
    /// Y = XW + b per layer.
    let linear: UnsafeMutablePointer<Float>
    /// a_e and β_e per layer (|E| each).
    let mapA: UnsafeMutablePointer<Float>
    let mapB: UnsafeMutablePointer<Float>
    /// r_s per layer.
    let scale: UnsafeMutablePointer<Float>
    /// Off-diagonal Δ value of each adjacency entry per layer (2|E| each).
    let entryValues: UnsafeMutablePointer<Float>
    let nodeScratchP: UnsafeMutablePointer<Float>
    let nodeScratchQ: UnsafeMutablePointer<Float>
    let nodeScratchR: UnsafeMutablePointer<Float>
    let edgeScratchM: UnsafeMutablePointer<Float>
    let edgeScratchA: UnsafeMutablePointer<Float>
    let edgeScratchB: UnsafeMutablePointer<Float>
    let h: UnsafeMutablePointer<Float>
    let gradientY: UnsafeMutablePointer<Float>
    let eligibleUsers: UnsafeMutableBufferPointer<Int32>
    let batchUsers: UnsafeMutablePointer<Int32>
    let batchPositives: UnsafeMutablePointer<Int32>
    let batchNegatives: UnsafeMutablePointer<Int32>
    let batchWeights: UnsafeMutablePointer<Float>

    /// Prepares a run: builds the graph, initialises X⁰ ~ N(0, σ²) and the layer parameters like
    /// PyTorch's `nn.Linear` (U(±1/√fan_in)), or copies a warm start's.
    ///
    /// - Parameters:
    ///   - interactions: Binary user × item training matrix.
    ///   - configuration: Hyperparameters.
    ///   - warmStart: A previous model: X⁰ rows copied for known users and items, layer
    ///     parameters copied when K matches.
    /// - Throws: ``ModelError`` for an invalid configuration, an empty graph, no trainable user,
    ///   or a warm start of another embedding size.
    public init(interactions: SparseMatrix, configuration: SheafConfiguration, warmStart: SheafRecommender? = nil)
        throws
    {
        try configuration.validate()
        guard interactions.rows > 0, interactions.columns > 0 else {
            throw ModelError(.invalidInput, "sheaf needs at least one user and one item")
        }
        let eligible = (0..<interactions.rows).filter {
            interactions.rowLength($0) > 0 && interactions.rowLength($0) < interactions.columns
        }.map(Int32.init)
        guard !eligible.isEmpty else {
            throw ModelError(.invalidInput, "no user has a training item (and an unseen item to use as negative)")
        }
        if let warmStart, warmStart.configuration.embeddingDimension != configuration.embeddingDimension {
            throw ModelError(
                .invalidInput,
                "warm start has d = \(warmStart.configuration.embeddingDimension), configuration d = \(configuration.embeddingDimension)"
            )
        }
        self.configuration = configuration
        self.interactions = interactions
        graph = SheafGraph(interactions: interactions)
        dataFingerprint = interactions.fingerprint()
        n = graph.nodeCount
        d = configuration.embeddingDimension
        layers = configuration.layerCount
        edgeCount = graph.edgeCount
        parameterCount = n * d + layers * configuration.layerParameterCount
        optimizer = AdamOptimizer(parameterCount: parameterCount, learningRate: configuration.learningRate)
        generator = SeededGenerator(seed: configuration.seed &+ 1)

        parameters = .allocate(capacity: parameterCount)
        gradients = .allocate(capacity: parameterCount)
        gradients.initialize(repeating: 0)
        let table = n * d
        states = .allocate(capacity: max(1, layers * table))
        linear = .allocate(capacity: max(1, layers * table))
        mapA = .allocate(capacity: max(1, layers * edgeCount))
        mapB = .allocate(capacity: max(1, layers * edgeCount))
        scale = .allocate(capacity: max(1, layers * n))
        entryValues = .allocate(capacity: max(1, layers * 2 * edgeCount))
        nodeScratchP = .allocate(capacity: n)
        nodeScratchQ = .allocate(capacity: n)
        nodeScratchR = .allocate(capacity: n)
        edgeScratchM = .allocate(capacity: max(1, edgeCount))
        edgeScratchA = .allocate(capacity: max(1, edgeCount))
        edgeScratchB = .allocate(capacity: max(1, edgeCount))
        h = .allocate(capacity: table)
        gradientY = .allocate(capacity: table)
        eligibleUsers = .allocate(capacity: eligible.count)
        _ = eligibleUsers.initialize(from: eligible)
        let batch = configuration.batchSize
        batchUsers = .allocate(capacity: batch)
        batchPositives = .allocate(capacity: batch)
        batchNegatives = .allocate(capacity: batch)
        batchWeights = .allocate(capacity: batch)

        var rng = SeededGenerator(seed: configuration.seed)
        let std = configuration.initialStandardDeviation
        for index in 0..<table { parameters[index] = std * rng.nextNormal() }
        for layer in 0..<layers {
            let base = layerOffset(layer)
            let mapBound = 1 / Float(2 * d).squareRoot(), linearBound = 1 / Float(d).squareRoot()
            for k in 0..<(2 * d) { parameters[base + k] = mapBound * (2 * rng.nextUniform() - 1) }
            for k in (2 * d)..<configuration.layerParameterCount {
                parameters[base + k] = linearBound * (2 * rng.nextUniform() - 1)
            }
        }
        if let warmStart {
            warmStart.parameters.withUnsafeBufferPointer { old in
                let users = min(userCount, warmStart.userCount), items = min(itemCount, warmStart.itemCount)
                (parameters.baseAddress!).update(from: old.baseAddress!, count: users * d)
                (parameters.baseAddress! + userCount * d).update(
                    from: old.baseAddress! + warmStart.userCount * d, count: items * d)
                if warmStart.configuration.layerCount == layers {
                    let count = layers * configuration.layerParameterCount
                    (parameters.baseAddress! + n * d).update(
                        from: old.baseAddress! + (warmStart.userCount + warmStart.itemCount) * d, count: count)
                }
            }
        }
    }

    deinit {
        parameters.deallocate()
        gradients.deallocate()
        states.deallocate()
        linear.deallocate()
        mapA.deallocate()
        mapB.deallocate()
        scale.deallocate()
        entryValues.deallocate()
        nodeScratchP.deallocate()
        nodeScratchQ.deallocate()
        nodeScratchR.deallocate()
        edgeScratchM.deallocate()
        edgeScratchA.deallocate()
        edgeScratchB.deallocate()
        h.deallocate()
        gradientY.deallocate()
        eligibleUsers.deallocate()
        batchUsers.deallocate()
        batchPositives.deallocate()
        batchNegatives.deallocate()
        batchWeights.deallocate()
    }

    /// Offset of layer `l`'s parameters (w₁ | w₂ | W | b) in the parameter vector.
    func layerOffset(_ layer: Int) -> Int { n * d + layer * configuration.layerParameterCount }

    /// X^l (X⁰ is the parameter table).
    func state(_ layer: Int) -> UnsafeMutablePointer<Float> {
        layer == 0 ? parameters.baseAddress! : states + (layer - 1) * n * d
    }

    /// Distinct users per batch (the configured size, or every eligible user if fewer).
    var usersPerBatch: Int { min(configuration.batchSize, eligibleUsers.count) }

    /// Batches per epoch, ⌊|E|/B⌋ (at least one), as in the reference.
    public var batchesPerEpoch: Int { max(1, edgeCount / configuration.batchSize) }

    // MARK: - Training

    /// Runs one epoch: ⌊|E|/B⌋ batches of B distinct users (without replacement within a batch),
    /// one positive and one rejection-sampled negative each, one Adam step per batch.
    ///
    /// - Returns: Mean batch loss, wall seconds and triplet count.
    public func trainEpoch() -> (loss: Double, seconds: Double, triplets: Int) {
        let clock = ContinuousClock()
        let start = clock.now
        var lossSum = 0.0
        let count = usersPerBatch
        for _ in 0..<batchesPerEpoch {
            sampleBatch(count: count)
            lossSum += computeBatch(
                count: count, users: batchUsers, positives: batchPositives, negatives: batchNegatives)
            optimizer.update(
                parameters: parameters, gradients: UnsafeBufferPointer(gradients), threads: configuration.threads)
        }
        epochsCompleted += 1
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return (lossSum / Double(batchesPerEpoch), seconds, batchesPerEpoch * count)
    }

    func sampleBatch(count: Int) {
        let itemCount = self.itemCount
        interactions.rowOffsets.withUnsafeBufferPointer { offsets in
            interactions.columnIndices.withUnsafeBufferPointer { items in
                for t in 0..<count {
                    let swap = t + generator.nextInt(below: eligibleUsers.count - t)
                    let user = eligibleUsers[swap]
                    eligibleUsers[swap] = eligibleUsers[t]
                    eligibleUsers[t] = user
                    let start = offsets[Int(user)], end = offsets[Int(user) + 1]
                    batchUsers[t] = user
                    batchPositives[t] = items[start + generator.nextInt(below: end - start)]
                    var negative: Int32
                    repeat {
                        negative = Int32(generator.nextInt(below: itemCount))
                    } while BPRSampler.sortedContains(items, start, end, negative)
                    batchNegatives[t] = negative
                }
            }
        }
    }

    /// The batch loss and its exact gradient with respect to every parameter (for tests).
    ///
    /// - Returns: The loss and the gradient in parameter order (X⁰, then per layer w₁ | w₂ | W | b).
    public func lossAndGradient(users: [Int32], positives: [Int32], negatives: [Int32]) -> (
        loss: Double, gradient: [Float]
    ) {
        precondition(users.count == positives.count && users.count == negatives.count && !users.isEmpty)
        precondition(users.count <= configuration.batchSize, "more triplets than the batch size")
        let loss = users.withUnsafeBufferPointer { u in
            positives.withUnsafeBufferPointer { p in
                negatives.withUnsafeBufferPointer { q in
                    computeBatch(
                        count: u.count, users: u.baseAddress!, positives: p.baseAddress!, negatives: q.baseAddress!)
                }
            }
        }
        return (loss, Array(gradients))
    }

    /// The current parameter vector (X⁰, then per layer w₁ | w₂ | W | b).
    public var parameterVector: [Float] { Array(parameters) }

    /// Replaces the parameter vector (tests and diagnostics).
    public func setParameters(_ values: [Float]) {
        precondition(values.count == parameterCount, "wrong parameter count")
        _ = parameters.update(fromContentsOf: values)
    }

    /// The concatenated readout [X⁰ … X^K], (M+N) × d(K+1), for the current parameters.
    public func readout() -> Matrix {
        forward()
        let width = configuration.readoutWidth
        var result = Matrix(rows: n, columns: width)
        result.storage.withUnsafeMutableBufferPointer { out in
            for layer in 0...layers {
                let source = UnsafePointer(state(layer))
                for s in 0..<n { (out.baseAddress! + s * width + layer * d).update(from: source + s * d, count: d) }
            }
        }
        return result
    }

    /// The current parameters as an immutable model.
    public func model() -> SheafRecommender {
        SheafRecommender(
            configuration: configuration, userCount: userCount, itemCount: itemCount, parameters: Array(parameters),
            readout: readout(), dataFingerprint: dataFingerprint, trainedEpochs: epochsCompleted)
    }

    // MARK: - Forward

    /// Computes X¹ … X^K and every per-layer cache for the current parameters.
    func forward() {
        for layer in 0..<layers { forwardLayer(layer) }
    }

    func forwardLayer(_ layer: Int) {
        let d = self.d, n = self.n, threads = configuration.threads
        let x = UnsafePointer(state(layer)), output = state(layer + 1)
        let base = parameters.baseAddress! + layerOffset(layer)
        let w1 = UnsafePointer(base), w2 = UnsafePointer(base + d), weights = UnsafePointer(base + 2 * d)
        let bias = UnsafePointer(base + 2 * d + d * d)
        let p = nodeScratchP, q = nodeScratchQ
        let a = mapA + layer * edgeCount, beta = mapB + layer * edgeCount
        let r = scale + layer * n, values = entryValues + layer * 2 * edgeCount
        let y = linear + layer * n * d
        let userCount = self.userCount
        parallelFor(count: n, threads: threads) { range in
            for s in range {
                let row = x + s * d
                var dp: Float = 0, dq: Float = 0
                for k in 0..<d {
                    dp += row[k] * w1[k]
                    dq += row[k] * w2[k]
                }
                p[s] = dp
                q[s] = dq
            }
        }
        graph.edgeUser.withUnsafeBufferPointer { edgeUser in
            graph.edgeItem.withUnsafeBufferPointer { edgeItem in
                parallelFor(count: edgeCount, threads: threads) { range in
                    for e in range {
                        let u = Int(edgeUser[e]), i = Int(edgeItem[e])
                        a[e] = tanh(p[u] + q[i])
                        beta[e] = tanh(p[i] + q[u])
                    }
                }
            }
        }
        withAdjacency { offsets, neighbours, edges in
            parallelFor(count: n, threads: threads) { range in
                for s in range {
                    let maps = s < userCount ? a : beta
                    var degree: Float = 0
                    for k in offsets[s]..<offsets[s + 1] {
                        let f = maps[Int(edges[k])]
                        degree += f * f
                    }
                    r[s] = 1 / (degree + 1).squareRoot()
                }
            }
            parallelFor(count: n, threads: threads) { range in
                for s in range {
                    for k in offsets[s]..<offsets[s + 1] {
                        let e = Int(edges[k])
                        values[k] = a[e] * beta[e] * r[s] * r[Int(neighbours[k])]
                    }
                }
            }
        }
        // Y = X W + b, rows split across threads (one sgemm per block).
        parallelFor(count: n, threads: threads) { range in
            guard !range.isEmpty else { return }
            BLAS.sgemm(
                transposeA: false, transposeB: false, m: range.count, n: d, k: d, alpha: 1, a: x + range.lowerBound * d,
                lda: d, b: weights, ldb: d, beta: 0, c: y + range.lowerBound * d, ldc: d)
            for s in range { for k in 0..<d { y[s * d + k] += bias[k] } }
        }
        applyLaplacian(layer: layer, input: UnsafePointer(y), output: output, residual: x)
    }

    /// `output = Δ·input` or, with a residual X, `output = X − α Δ·input` (learned-weight SpMM).
    func applyLaplacian(
        layer: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?
    ) {
        let d = self.d
        let r = UnsafePointer(scale + layer * n), values = UnsafePointer(entryValues + layer * 2 * edgeCount)
        let alpha = configuration.stepSize
        withAdjacency { offsets, neighbours, _ in
            parallelFor(count: n, threads: configuration.threads) { range in
                if d == 64 {
                    Self.laplacianRows64(
                        range, offsets: offsets, neighbours: neighbours, values: values, r: r, input: input,
                        output: output, residual: residual, alpha: alpha)
                    return
                }
                for s in range {
                    let out = output + s * d, own = input + s * d
                    let diagonal = 1 - r[s] * r[s]
                    for k in 0..<d { out[k] = diagonal * own[k] }
                    for entry in offsets[s]..<offsets[s + 1] {
                        let w = values[entry]
                        let source = input + Int(neighbours[entry]) * d
                        for k in 0..<d { out[k] -= w * source[k] }
                    }
                    if let residual {
                        let x = residual + s * d
                        for k in 0..<d { out[k] = x[k] - alpha * out[k] }
                    }
                }
            }
        }
    }

    /// The d = 64 case of ``applyLaplacian(layer:input:output:residual:)`` with the row in SIMD
    /// registers (same arithmetic per lane, entries in the same order).
    static func laplacianRows64(
        _ rows: Range<Int>, offsets: UnsafePointer<Int>, neighbours: UnsafePointer<Int32>,
        values: UnsafePointer<Float>, r: UnsafePointer<Float>, input: UnsafePointer<Float>,
        output: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?, alpha: Float
    ) {
        typealias V = SIMD16<Float>
        let raw = UnsafeRawPointer(input)
        for s in rows {
            let own = raw + s * 256
            let diagonal = V(repeating: 1 - r[s] * r[s])
            var a0 = diagonal * own.loadUnaligned(fromByteOffset: 0, as: V.self)
            var a1 = diagonal * own.loadUnaligned(fromByteOffset: 64, as: V.self)
            var a2 = diagonal * own.loadUnaligned(fromByteOffset: 128, as: V.self)
            var a3 = diagonal * own.loadUnaligned(fromByteOffset: 192, as: V.self)
            for entry in offsets[s]..<offsets[s + 1] {
                let w = V(repeating: values[entry])
                let source = raw + Int(neighbours[entry]) * 256
                a0 -= w * source.loadUnaligned(fromByteOffset: 0, as: V.self)
                a1 -= w * source.loadUnaligned(fromByteOffset: 64, as: V.self)
                a2 -= w * source.loadUnaligned(fromByteOffset: 128, as: V.self)
                a3 -= w * source.loadUnaligned(fromByteOffset: 192, as: V.self)
            }
            if let residual {
                let x = UnsafeRawPointer(residual + s * 64), step = V(repeating: alpha)
                a0 = x.loadUnaligned(fromByteOffset: 0, as: V.self) - step * a0
                a1 = x.loadUnaligned(fromByteOffset: 64, as: V.self) - step * a1
                a2 = x.loadUnaligned(fromByteOffset: 128, as: V.self) - step * a2
                a3 = x.loadUnaligned(fromByteOffset: 192, as: V.self) - step * a3
            }
            let out = UnsafeMutableRawPointer(output + s * 64)
            out.storeBytes(of: a0, toByteOffset: 0, as: V.self)
            out.storeBytes(of: a1, toByteOffset: 64, as: V.self)
            out.storeBytes(of: a2, toByteOffset: 128, as: V.self)
            out.storeBytes(of: a3, toByteOffset: 192, as: V.self)
        }
    }

    /// ⟨h_a, y_b⟩ + ⟨h_b, y_a⟩ for 64-wide rows.
    @inline(__always)
    static func crossDot64(
        _ ha: UnsafePointer<Float>, _ yb: UnsafePointer<Float>, _ hb: UnsafePointer<Float>, _ ya: UnsafePointer<Float>
    ) -> Float {
        typealias V = SIMD16<Float>
        let p = UnsafeRawPointer(ha), q = UnsafeRawPointer(yb), u = UnsafeRawPointer(hb), v = UnsafeRawPointer(ya)
        var sum = V()
        for offset in stride(from: 0, to: 256, by: 64) {
            sum +=
                p.loadUnaligned(fromByteOffset: offset, as: V.self)
                * q.loadUnaligned(fromByteOffset: offset, as: V.self)
            sum +=
                u.loadUnaligned(fromByteOffset: offset, as: V.self)
                * v.loadUnaligned(fromByteOffset: offset, as: V.self)
        }
        return sum.sum()
    }

    func withAdjacency(
        _ body: (UnsafePointer<Int>, UnsafePointer<Int32>, UnsafePointer<Int32>) -> Void
    ) {
        graph.offsets.withUnsafeBufferPointer { offsets in
            graph.neighbours.withUnsafeBufferPointer { neighbours in
                graph.edges.withUnsafeBufferPointer { edges in
                    // An edgeless graph has empty arrays; the loops below never read them then.
                    let dummy = UnsafePointer<Int32>(bitPattern: 0x10)!
                    body(offsets.baseAddress!, neighbours.baseAddress ?? dummy, edges.baseAddress ?? dummy)
                }
            }
        }
    }

    // MARK: - One batch

    /// Computes the batch loss and writes the gradient of every parameter into `gradients`.
    func computeBatch(
        count: Int, users: UnsafePointer<Int32>, positives: UnsafePointer<Int32>, negatives: UnsafePointer<Int32>
    ) -> Double {
        forward()
        let d = self.d, m = userCount
        // BPR over the concatenated readout.
        let inverseBatch = 1 / Float(count)
        var bprSum = 0.0
        for t in 0..<count {
            let u = Int(users[t]), i = m + Int(positives[t]), j = m + Int(negatives[t])
            var positive: Float = 0, negative: Float = 0
            for layer in 0...layers {
                let x = state(layer)
                let eu = x + u * d, ei = x + i * d, ej = x + j * d
                for k in 0..<d {
                    positive += eu[k] * ei[k]
                    negative += eu[k] * ej[k]
                }
            }
            let difference = Double(negative - positive)
            bprSum += max(difference, 0) + log1p(exp(-abs(difference)))
            batchWeights[t] = Float(1 / (1 + exp(-difference))) * inverseBatch
        }
        var squaredNorms = 0.0
        let ego = parameters.baseAddress!
        for t in 0..<count {
            for position in 0..<3 {
                let node = Self.node(position, t, users, positives, negatives, userCount: m)
                var norm: Float = 0
                for k in 0..<d { norm += ego[node * d + k] * ego[node * d + k] }
                squaredNorms += Double(norm)
            }
        }
        let lambda = configuration.regularization
        let loss = bprSum / Double(count) + Double(lambda) * squaredNorms / (2 * Double(count))

        // Backward: G (the X⁰ block of `gradients`) holds ∂L/∂X^l as l goes down.
        let g = gradients.baseAddress!
        g.update(repeating: 0, count: n * d)
        addReadoutGradient(layer: layers, count: count, users: users, positives: positives, negatives: negatives)
        for layer in stride(from: layers - 1, through: 0, by: -1) {
            backwardLayer(layer)
            addReadoutGradient(layer: layer, count: count, users: users, positives: positives, negatives: negatives)
        }
        let factor = lambda * inverseBatch
        for t in 0..<count {
            for position in 0..<3 {
                let node = Self.node(position, t, users, positives, negatives, userCount: m)
                for k in 0..<d { g[node * d + k] += factor * ego[node * d + k] }
            }
        }
        return loss
    }

    /// Node of triplet `t` at `position` (0 user, 1 positive item, 2 negative item).
    @inline(__always)
    static func node(
        _ position: Int, _ t: Int, _ users: UnsafePointer<Int32>, _ positives: UnsafePointer<Int32>,
        _ negatives: UnsafePointer<Int32>, userCount: Int
    ) -> Int {
        position == 0 ? Int(users[t]) : userCount + Int(position == 1 ? positives[t] : negatives[t])
    }

    /// G[u] += s(X_j − X_i), G[i] −= s X_u, G[j] += s X_u on layer `layer`.
    func addReadoutGradient(
        layer: Int, count: Int, users: UnsafePointer<Int32>, positives: UnsafePointer<Int32>,
        negatives: UnsafePointer<Int32>
    ) {
        let d = self.d, m = userCount
        let x = state(layer), g = gradients.baseAddress!
        for t in 0..<count {
            let u = Int(users[t]), i = m + Int(positives[t]), j = m + Int(negatives[t])
            let weight = batchWeights[t]
            let eu = x + u * d, ei = x + i * d, ej = x + j * d
            let gu = g + u * d, gi = g + i * d, gj = g + j * d
            for k in 0..<d {
                gu[k] += weight * (ej[k] - ei[k])
                gi[k] -= weight * eu[k]
                gj[k] += weight * eu[k]
            }
        }
    }

    /// Turns G = ∂L/∂X^{l+1} (in place) into the part of ∂L/∂X^l that flows through layer l, and
    /// writes the gradients of layer l's parameters.
    func backwardLayer(_ layer: Int) {
        let d = self.d, n = self.n, threads = configuration.threads, userCount = self.userCount
        let alpha = configuration.stepSize
        let g = gradients.baseAddress!
        let x = UnsafePointer(state(layer))
        let base = layerOffset(layer)
        let w1 = UnsafePointer(parameters.baseAddress! + base), w2 = w1 + d, weights = w1 + 2 * d
        let gw1 = gradients.baseAddress! + base, gw2 = gw1 + d, gWeights = gw1 + 2 * d, gBias = gw1 + 2 * d + d * d
        let a = UnsafePointer(mapA + layer * edgeCount), beta = UnsafePointer(mapB + layer * edgeCount)
        let r = UnsafePointer(scale + layer * n), values = UnsafePointer(entryValues + layer * 2 * edgeCount)
        let y = UnsafePointer(linear + layer * n * d)
        let h = self.h, gy = gradientY
        let m = edgeScratchM, gA = edgeScratchA, gB = edgeScratchB
        let gp = nodeScratchP, gq = nodeScratchQ, gD = nodeScratchR

        // H = ∂L/∂Z = −α G; ∂L/∂Y = Δ H.
        parallelFor(count: n * d, threads: threads) { range in for k in range { h[k] = -alpha * g[k] } }
        applyLaplacian(layer: layer, input: UnsafePointer(h), output: gy, residual: nil)
        // ∂W = Xᵀ ∂Y, ∂b = Σ_s ∂Y_s.
        BLAS.sgemm(
            transposeA: true, transposeB: false, m: d, n: d, k: n, alpha: 1, a: x, lda: d, b: gy, ldb: d, beta: 0,
            c: gWeights, ldc: d)
        gBias.update(repeating: 0, count: d)
        for s in 0..<n { for k in 0..<d { gBias[k] += gy[s * d + k] } }
        // G += ∂Y Wᵀ (the identity path is G itself).
        parallelFor(count: n, threads: threads) { range in
            guard !range.isEmpty else { return }
            BLAS.sgemm(
                transposeA: false, transposeB: true, m: range.count, n: d, k: d, alpha: 1,
                a: gy + range.lowerBound * d, lda: d, b: weights, ldb: d, beta: 1, c: g + range.lowerBound * d, ldc: d)
        }
        // m_e = ⟨H_u, Y_i⟩ + ⟨H_i, Y_u⟩ (SDDMM).
        graph.edgeUser.withUnsafeBufferPointer { edgeUser in
            graph.edgeItem.withUnsafeBufferPointer { edgeItem in
                parallelFor(count: edgeCount, threads: threads) { range in
                    for e in range {
                        let hu = h + Int(edgeUser[e]) * d, hi = h + Int(edgeItem[e]) * d
                        let yu = y + Int(edgeUser[e]) * d, yi = y + Int(edgeItem[e]) * d
                        if d == 64 {
                            m[e] = Self.crossDot64(hu, yi, hi, yu)
                            continue
                        }
                        var sum: Float = 0
                        for k in 0..<d { sum += hu[k] * yi[k] + hi[k] * yu[k] }
                        m[e] = sum
                    }
                }
            }
        }
        withAdjacency { offsets, _, edges in
            // ∂L/∂r_s = −2 r_s ⟨H_s, Y_s⟩ − (1/r_s) Σ v_k m_e;  ∂L/∂D_s = ∂L/∂r_s · (−½ r_s³).
            parallelFor(count: n, threads: threads) { range in
                for s in range {
                    let hs = h + s * d, ys = y + s * d
                    var own: Float = 0
                    for k in 0..<d { own += hs[k] * ys[k] }
                    var off: Float = 0
                    for entry in offsets[s]..<offsets[s + 1] { off += values[entry] * m[Int(edges[entry])] }
                    let rs = r[s]
                    let gradientR = -2 * rs * own - off / rs
                    gD[s] = gradientR * (-0.5 * rs * rs * rs)
                }
            }
        }
        // Per edge: ∂c = −r_u r_i m_e; maps a (of u) and β (of i) through c = aβ and D; then tanh.
        graph.edgeUser.withUnsafeBufferPointer { edgeUser in
            graph.edgeItem.withUnsafeBufferPointer { edgeItem in
                parallelFor(count: edgeCount, threads: threads) { range in
                    for e in range {
                        let u = Int(edgeUser[e]), i = Int(edgeItem[e])
                        let gc = -r[u] * r[i] * m[e]
                        let ae = a[e], be = beta[e]
                        gA[e] = (gc * be + 2 * ae * gD[u]) * (1 - ae * ae)
                        gB[e] = (gc * ae + 2 * be * gD[i]) * (1 - be * be)
                    }
                }
            }
        }
        // ∂p_s, ∂q_s: a_e = tanh(p_u + q_i), β_e = tanh(p_i + q_u).
        withAdjacency { offsets, _, edges in
            parallelFor(count: n, threads: threads) { range in
                for s in range {
                    let own = s < userCount ? UnsafePointer(gA) : UnsafePointer(gB)
                    let other = s < userCount ? UnsafePointer(gB) : UnsafePointer(gA)
                    var sp: Float = 0, sq: Float = 0
                    for entry in offsets[s]..<offsets[s + 1] {
                        let e = Int(edges[entry])
                        sp += own[e]
                        sq += other[e]
                    }
                    gp[s] = sp
                    gq[s] = sq
                }
            }
        }
        // ∂w₁ = Xᵀ ∂p, ∂w₂ = Xᵀ ∂q; G_s += ∂p_s w₁ + ∂q_s w₂.
        BLAS.sgemm(
            transposeA: true, transposeB: false, m: d, n: 1, k: n, alpha: 1, a: x, lda: d, b: gp, ldb: 1, beta: 0,
            c: gw1, ldc: 1)
        BLAS.sgemm(
            transposeA: true, transposeB: false, m: d, n: 1, k: n, alpha: 1, a: x, lda: d, b: gq, ldb: 1, beta: 0,
            c: gw2, ldc: 1)
        parallelFor(count: n, threads: threads) { range in
            for s in range {
                let row = g + s * d, sp = gp[s], sq = gq[s]
                for k in 0..<d { row[k] += sp * w1[k] + sq * w2[k] }
            }
        }
    }
}
