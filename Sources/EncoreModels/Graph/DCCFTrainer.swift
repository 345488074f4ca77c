import EncoreCore
import EncoreNumerics
import Foundation

/// The DCCF training engine (Ren et al., SIGIR 2023; docs/design/graph-models.md §1): exact full-graph
/// forward and hand-written reverse pass, Adam on E⁽⁰⁾ and the two prototype tables.
///
/// Forward, for l = 0 … L−1, on all n = M + N nodes:
/// ```
/// Z_l  = Ā E_l                                      (SpMM)
/// R_l  = softmax_row(E_l C) Cᵀ                      (users with C_u, items with C_i; GEMMs)
/// m_ht = (cos(z_h, z_t) + 1)/2,  m′_ht likewise from R_l, on all 2|E| directed edges
/// Ḡ_ht = m_ht / Σ_t′ m_ht′  (D⁻¹ over the head; 0 for a zero sum), Ḡ′ likewise
/// E_{l+1} = E_l + Z_l + R_l + Ḡ E_l + Ḡ′ E_l
/// ```
/// readout E = Σ_{l=0..L} E_l, score e_uᵀe_i. Loss: mean BPR + λ1·CL + λ2·Σ_batch(‖u⁰‖² + ‖i⁰‖² +
/// ‖j⁰‖²) + λ3(‖C_u‖² + ‖C_i‖²), CL = Σ_l of six InfoNCE terms (Z_l vs R_l, Ḡ E_l, Ḡ′ E_l; over
/// the batch-unique users and batch-unique positive items), computed by ``DCCFContrast`` in tiles.
/// Gradients flow through the masks (no detach, as in the reference).
///
/// Memory: the layer activations are kept for the reverse pass, ≈ L·(7·n·d + n·Kp + 6·2|E|)
/// floats (≈ 0.25 GB for the Gowalla-shaped graph at d 32, Kp 128); the contrastive term holds
/// at most one b × B_u tile per worker (b = ``DCCFConfiguration/contrastTileRows``, B_u the
/// batch-unique users or items), e.g. 256 × 9.3k floats ≈ 9.5 MB instead of the 12 × B_u² ≈ 4 GB
/// a naive implementation materialises. All buffers except the per-call contrast tiles are
/// allocated once here.
public final class DCCFTrainer {
    /// Hyperparameters.
    public let configuration: DCCFConfiguration
    /// The training matrix R.
    public let interactions: SparseMatrix
    /// Fingerprint of R.
    public let dataFingerprint: String
    /// Users M.
    public let userCount: Int
    /// Items N.
    public let itemCount: Int
    /// Epochs completed by this trainer.
    public private(set) var epochsCompleted = 0
    /// The triplet sampler.
    public private(set) var sampler: BPRSampler
    /// The optimizer state over [E⁽⁰⁾ | C_u | C_i].
    public private(set) var optimizer: AdamOptimizer

    let graph: DCCFGraph
    let n: Int
    let d: Int
    let kp: Int
    let layers: Int
    /// [E⁽⁰⁾ (n×d) | C_u (d×Kp) | C_i (d×Kp)].
    let parameters: UnsafeMutableBufferPointer<Float>
    let gradients: UnsafeMutableBufferPointer<Float>
    // Activations per layer.
    let e: [UnsafeMutablePointer<Float>]  // E_1 … E_L (E_0 is in `parameters`)
    let z: [UnsafeMutablePointer<Float>]
    let r: [UnsafeMutablePointer<Float>]
    let hb: [UnsafeMutablePointer<Float>]
    let hg: [UnsafeMutablePointer<Float>]
    let zUnit: [UnsafeMutablePointer<Float>]
    let rUnit: [UnsafeMutablePointer<Float>]
    let zNorm: [UnsafeMutablePointer<Float>]
    let rNorm: [UnsafeMutablePointer<Float>]
    let softmax: [UnsafeMutablePointer<Float>]
    let gb: [UnsafeMutablePointer<Float>]  // Ḡ per edge
    let gg: [UnsafeMutablePointer<Float>]  // Ḡ′ per edge
    let sb: [UnsafeMutablePointer<Float>]  // Σ m per head
    let sg: [UnsafeMutablePointer<Float>]
    // Reverse-pass buffers.
    let gNext: UnsafeMutablePointer<Float>
    let gZ: UnsafeMutablePointer<Float>
    let gR: UnsafeMutablePointer<Float>
    let gHb: UnsafeMutablePointer<Float>
    let gHg: UnsafeMutablePointer<Float>
    let gUnit: UnsafeMutablePointer<Float>
    let edgeA: UnsafeMutablePointer<Float>
    let edgeB: UnsafeMutablePointer<Float>
    let gSoftmax: UnsafeMutablePointer<Float>
    // Batch buffers.
    let batchUsers: UnsafeMutableBufferPointer<Int32>
    let batchPositives: UnsafeMutableBufferPointer<Int32>
    let batchNegatives: UnsafeMutableBufferPointer<Int32>
    let slotOfNode: UnsafeMutablePointer<Int32>
    let batchNodes: UnsafeMutablePointer<Int32>
    let batchNodeCounts: UnsafeMutablePointer<Int32>
    let tripletSlots: UnsafeMutablePointer<Int32>
    let compactFinal: UnsafeMutablePointer<Float>
    let compactGradient: UnsafeMutablePointer<Float>
    let contrastA: UnsafeMutablePointer<Float>
    let contrastP: UnsafeMutablePointer<Float>
    let contrastGA: UnsafeMutablePointer<Float>
    let contrastGP: UnsafeMutablePointer<Float>
    let contrastCapacity: Int
    /// Unique batch rows of the batch being computed.
    var uniqueRowCount = 0

    /// Prepares a run: builds the graph, initialises the parameters with xavier_normal (or
    /// copies a warm start's rows and prototypes), allocates every buffer.
    ///
    /// - Throws: ``ModelError`` for an invalid configuration, an empty graph, or a warm start of
    ///   another shape.
    public init(interactions: SparseMatrix, configuration: DCCFConfiguration, warmStart: DCCF? = nil) throws {
        try configuration.validate()
        guard interactions.rows > 0, interactions.columns > 0 else {
            throw ModelError(.invalidInput, "DCCF needs at least one user and one item")
        }
        self.configuration = configuration
        self.interactions = interactions
        dataFingerprint = interactions.fingerprint()
        userCount = interactions.rows
        itemCount = interactions.columns
        graph = DCCFGraph(interactions: interactions)
        n = userCount + itemCount
        d = configuration.embeddingDimension
        kp = configuration.prototypeCount
        layers = configuration.layerCount
        sampler = try BPRSampler(interactions: interactions, seed: configuration.seed &+ 1)
        let parameterCount = n * d + 2 * d * kp
        optimizer = AdamOptimizer(parameterCount: parameterCount, learningRate: configuration.learningRate)
        parameters = .allocate(capacity: parameterCount)
        gradients = .allocate(capacity: parameterCount)
        gradients.initialize(repeating: 0)

        var generator = SeededGenerator(seed: configuration.seed)
        // xavier_normal: std = √(2 / (fan_in + fan_out)) of each table (PyTorch's fans).
        let userStd = (2 / Float(userCount + d)).squareRoot()
        let itemStd = (2 / Float(itemCount + d)).squareRoot()
        let prototypeStd = (2 / Float(d + kp)).squareRoot()
        for index in 0..<(userCount * d) { parameters[index] = userStd * generator.nextNormal() }
        for index in (userCount * d)..<(n * d) { parameters[index] = itemStd * generator.nextNormal() }
        for index in (n * d)..<parameterCount { parameters[index] = prototypeStd * generator.nextNormal() }
        if let warmStart {
            guard warmStart.configuration.embeddingDimension == d, warmStart.configuration.prototypeCount == kp else {
                throw ModelError(
                    .invalidInput,
                    "warm start has d = \(warmStart.configuration.embeddingDimension), Kp = \(warmStart.configuration.prototypeCount); configuration d = \(d), Kp = \(kp)"
                )
            }
            let base = parameters.baseAddress!
            let (userCount, itemCount, n, d, kp) = (interactions.rows, interactions.columns, n, d, kp)
            warmStart.egoEmbeddings.storage.withUnsafeBufferPointer { old in
                base.update(from: old.baseAddress!, count: min(userCount, warmStart.userCount) * d)
                (base + userCount * d).update(
                    from: old.baseAddress! + warmStart.userCount * d, count: min(itemCount, warmStart.itemCount) * d)
            }
            warmStart.userPrototypes.storage.withUnsafeBufferPointer {
                (base + n * d).update(from: $0.baseAddress!, count: d * kp)
            }
            warmStart.itemPrototypes.storage.withUnsafeBufferPointer {
                (base + n * d + d * kp).update(from: $0.baseAddress!, count: d * kp)
            }
        }

        let table = n * d, edges = graph.edgeCount
        func tables(_ count: Int, _ size: Int) -> [UnsafeMutablePointer<Float>] {
            (0..<count).map { _ in
                let p = UnsafeMutablePointer<Float>.allocate(capacity: max(size, 1))
                p.initialize(repeating: 0, count: max(size, 1))
                return p
            }
        }
        e = tables(layers, table)
        z = tables(layers, table)
        r = tables(layers, table)
        hb = tables(layers, table)
        hg = tables(layers, table)
        zUnit = tables(layers, table)
        rUnit = tables(layers, table)
        zNorm = tables(layers, n)
        rNorm = tables(layers, n)
        softmax = tables(layers, n * kp)
        gb = tables(layers, edges)
        gg = tables(layers, edges)
        sb = tables(layers, n)
        sg = tables(layers, n)
        let single = tables(6, table)
        (gNext, gZ, gR, gHb, gHg, gUnit) = (single[0], single[1], single[2], single[3], single[4], single[5])
        let edgeTables = tables(2, edges)
        (edgeA, edgeB) = (edgeTables[0], edgeTables[1])
        gSoftmax = tables(1, n * kp)[0]
        let batch = configuration.batchSize
        batchUsers = .allocate(capacity: batch)
        batchPositives = .allocate(capacity: batch)
        batchNegatives = .allocate(capacity: batch)
        slotOfNode = .allocate(capacity: n)
        slotOfNode.initialize(repeating: -1, count: n)
        batchNodes = .allocate(capacity: 3 * batch)
        batchNodeCounts = .allocate(capacity: 3 * batch)
        tripletSlots = .allocate(capacity: 3 * batch)
        compactFinal = .allocate(capacity: 3 * batch * d)
        compactGradient = .allocate(capacity: 3 * batch * d)
        contrastCapacity = min(batch, max(userCount, itemCount)) * d
        let contrast = tables(4, contrastCapacity)
        (contrastA, contrastP, contrastGA, contrastGP) = (contrast[0], contrast[1], contrast[2], contrast[3])
    }

    deinit {
        parameters.deallocate()
        gradients.deallocate()
        for list in [e, z, r, hb, hg, zUnit, rUnit, zNorm, rNorm, softmax, gb, gg, sb, sg] {
            for p in list { p.deallocate() }
        }
        for p in [gNext, gZ, gR, gHb, gHg, gUnit, edgeA, edgeB, gSoftmax] { p.deallocate() }
        batchUsers.deallocate()
        batchPositives.deallocate()
        batchNegatives.deallocate()
        slotOfNode.deallocate()
        batchNodes.deallocate()
        batchNodeCounts.deallocate()
        tripletSlots.deallocate()
        compactFinal.deallocate()
        compactGradient.deallocate()
        for p in [contrastA, contrastP, contrastGA, contrastGP] { p.deallocate() }
    }

    // MARK: - Training loop

    /// One epoch: ``DCCFConfiguration/batchesPerEpoch`` batches of freshly sampled triplets.
    ///
    /// - Returns: Mean batch loss, wall seconds and triplet count.
    public func trainEpoch() -> (loss: Double, seconds: Double, triplets: Int) {
        let result = train(batches: configuration.batchesPerEpoch)
        epochsCompleted += 1
        return result
    }

    /// Trains `batches` steps without counting an epoch (benchmarks).
    public func trainSteps(_ batches: Int) -> (loss: Double, seconds: Double, triplets: Int) {
        train(batches: batches)
    }

    func train(batches: Int) -> (loss: Double, seconds: Double, triplets: Int) {
        let clock = ContinuousClock()
        let start = clock.now
        var lossSum = 0.0
        let count = configuration.batchSize
        for _ in 0..<batches {
            sampler.sample(users: batchUsers, positives: batchPositives, negatives: batchNegatives)
            lossSum += computeBatch(
                count: count, users: batchUsers.baseAddress!, positives: batchPositives.baseAddress!,
                negatives: batchNegatives.baseAddress!)
            optimizer.update(parameters: parameters, gradients: UnsafeBufferPointer(gradients), threads: configuration.threads)
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return (lossSum / Double(max(batches, 1)), seconds, batches * count)
    }

    /// The batch loss and its exact gradient over [E⁽⁰⁾ | C_u | C_i] (tests, diagnostics).
    public func lossAndGradient(users: [Int32], positives: [Int32], negatives: [Int32]) -> (
        loss: Double, gradient: [Float]
    ) {
        precondition(
            users.count == positives.count && users.count == negatives.count && users.count <= configuration.batchSize)
        let loss = users.withUnsafeBufferPointer { u in
            positives.withUnsafeBufferPointer { p in
                negatives.withUnsafeBufferPointer { q in
                    computeBatch(count: u.count, users: u.baseAddress!, positives: p.baseAddress!, negatives: q.baseAddress!)
                }
            }
        }
        return (loss, Array(gradients))
    }

    /// The current parameters [E⁽⁰⁾ | C_u | C_i].
    public var parameterValues: [Float] { Array(parameters) }

    /// The current parameters as an immutable model (runs one full forward pass).
    public func model() -> DCCF {
        forward()
        var final = Matrix(rows: n, columns: d)
        final.storage.withUnsafeMutableBufferPointer { out in
            let o = out.baseAddress!
            o.update(from: parameters.baseAddress!, count: n * d)
            for l in 0..<layers { for index in 0..<(n * d) { o[index] += e[l][index] } }
        }
        let base = parameters.baseAddress!
        return DCCF(
            configuration: configuration, userCount: userCount, itemCount: itemCount,
            egoEmbeddings: Matrix(rows: n, columns: d, storage: Array(UnsafeBufferPointer(start: base, count: n * d))),
            userPrototypes: Matrix(
                rows: d, columns: kp, storage: Array(UnsafeBufferPointer(start: base + n * d, count: d * kp))),
            itemPrototypes: Matrix(
                rows: d, columns: kp, storage: Array(UnsafeBufferPointer(start: base + n * d + d * kp, count: d * kp))),
            embeddings: final, dataFingerprint: dataFingerprint, trainedEpochs: epochsCompleted)
    }

    // MARK: - Forward

    /// Rows of the user block (`0..<M`) and the item block (`M..<n`) with their prototypes.
    var blocks: [(rows: Range<Int>, prototypes: Int)] {
        [(0..<userCount, n * d), (userCount..<n, n * d + d * kp)]
    }

    func input(_ l: Int) -> UnsafeMutablePointer<Float> { l == 0 ? parameters.baseAddress! : e[l - 1] }

    /// Runs the forward pass over all layers, filling the activations.
    func forward() {
        let threads = configuration.threads
        let table = n * d
        for l in 0..<layers {
            let x = UnsafePointer(input(l))
            // Graph view.
            graph.normalized.withUnsafeBufferPointer { values in
                graph.multiply(weights: values.baseAddress!, input: x, output: z[l], width: d, threads: threads)
            }
            // Intent view.
            for block in blocks {
                let prototypes = UnsafePointer(parameters.baseAddress! + block.prototypes)
                forChunks(block.rows, threads: threads) { rows in
                    let s = self.softmax[l] + rows.lowerBound * self.kp
                    BLAS.sgemm(
                        transposeA: false, transposeB: false, m: rows.count, n: self.kp, k: self.d, alpha: 1,
                        a: x + rows.lowerBound * self.d, lda: self.d, b: prototypes, ldb: self.kp, beta: 0, c: s,
                        ldc: self.kp)
                    for row in 0..<rows.count { Self.softmaxRow(s + row * self.kp, count: self.kp) }
                    BLAS.sgemm(
                        transposeA: false, transposeB: true, m: rows.count, n: self.d, k: self.kp, alpha: 1, a: s,
                        lda: self.kp, b: prototypes, ldb: self.kp, beta: 0, c: self.r[l] + rows.lowerBound * self.d,
                        ldc: self.d)
                }
            }
            // Masks and augmented views.
            for (view, unit, norms, weights, sums, output) in [
                (z[l], zUnit[l], zNorm[l], gb[l], sb[l], hb[l]), (r[l], rUnit[l], rNorm[l], gg[l], sg[l], hg[l]),
            ] {
                forChunks(0..<n, threads: threads) { rows in
                    DCCFContrast.normalizeRows(
                        view + rows.lowerBound * self.d, count: rows.count, width: self.d,
                        into: unit + rows.lowerBound * self.d, norms: norms + rows.lowerBound)
                }
                graph.edgeDots(unit, unit, width: d, into: weights, threads: threads)
                maskRows(weights: weights, sums: sums)
                graph.multiply(weights: weights, input: x, output: output, width: d, threads: threads)
            }
            // Residual sum.
            let next = e[l]
            let (zl, rl, hbl, hgl) = (z[l], r[l], hb[l], hg[l])
            forChunks(0..<table, threads: threads) { range in
                for index in range { next[index] = x[index] + zl[index] + rl[index] + hbl[index] + hgl[index] }
            }
        }
    }

    /// Turns cosines into m = (cos + 1)/2 and normalises each head's row: Ḡ = m / Σ m.
    func maskRows(weights: UnsafeMutablePointer<Float>, sums: UnsafeMutablePointer<Float>) {
        graph.offsets.withUnsafeBufferPointer { offsets in
            let box = UncheckedSendableBox((offsets, weights, sums))
            graph.forRows(threads: configuration.threads) { rows in
                let (offsets, weights, sums) = box.value
                for h in rows {
                    var sum: Float = 0
                    for edge in offsets[h]..<offsets[h + 1] {
                        let m = (weights[edge] + 1) / 2
                        weights[edge] = m
                        sum += m
                    }
                    sums[h] = sum
                    let inverse: Float = sum > 0 ? 1 / sum : 0
                    for edge in offsets[h]..<offsets[h + 1] { weights[edge] *= inverse }
                }
            }
        }
    }

    static func softmaxRow(_ row: UnsafeMutablePointer<Float>, count: Int) {
        var maximum = -Float.infinity
        for k in 0..<count { maximum = max(maximum, row[k]) }
        var sum: Float = 0
        for k in 0..<count {
            let v = expf(row[k] - maximum)
            row[k] = v
            sum += v
        }
        let inverse = 1 / sum
        for k in 0..<count { row[k] *= inverse }
    }

    /// Fixed chunks of a range (8 per call, independent of the thread count), run on workers.
    func forChunks(_ range: Range<Int>, threads: Int, _ body: (Range<Int>) -> Void) {
        let count = range.count
        guard count > 0 else { return }
        let chunks = min(count, 8)
        parallelChunks(chunkCount: chunks, threads: threads) { chunk in
            body((range.lowerBound + count * chunk / chunks)..<(range.lowerBound + count * (chunk + 1) / chunks))
        }
    }
}
