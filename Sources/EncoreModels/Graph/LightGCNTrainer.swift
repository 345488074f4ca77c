import EncoreCore
import EncoreNumerics
import Foundation

/// The LightGCN training engine: exact mini-batch gradients through the full graph.
///
/// Propagation is linear, E = M·E⁽⁰⁾ with M = (1/(K+1)) Σ_{k=0..K} Ãᵏ symmetric, so for the
/// batch loss L with G = ∂L/∂E the exact gradient is ∂L/∂E⁽⁰⁾ = M·G (+ the L2 term). One step:
///
/// ```
/// forward : X₁ = ÃE⁽⁰⁾, …, X_{K−1} = ÃX_{K−2} (full SpMMs); the last hop only for batch rows
///           E[b] = (E⁽⁰⁾[b] + X₁[b] + … + X_{K−1}[b] + (ÃX_{K−1})[b]) / (K+1)
/// loss    : (1/B) Σ softplus(e_u·e_j − e_u·e_i) + λ/(2B) Σ (‖e⁰_u‖² + ‖e⁰_i‖² + ‖e⁰_j‖²)
/// backward: Z = G/(K+1) on the ≤ 3B batch rows; Horner form
///           H₁ = Z + ÃZ (ÃZ scattered from the batch rows only), H_k = Z + ÃH_{k−1} (full SpMMs)
///           ∇E⁽⁰⁾ = H_K + (λ/B)·count_r·e⁰_r on batch rows        (H_K = Σ_{k=0..K} Ãᵏ Z = M·G)
/// ```
/// so K = 3 costs 4 full SpMMs and 2 batch-local hops per step instead of 6 full SpMMs, stores no layer activations and
/// allocates nothing per batch: all buffers are allocated once here. Every row of E⁽⁰⁾ gets an
/// Adam update each step (the gradient is dense, as in the reference).
public final class LightGCNTrainer {
    /// Hyperparameters.
    public let configuration: LightGCNConfiguration
    /// The training matrix R.
    public let interactions: SparseMatrix
    /// Ã over users then items (the training graph's unless replaced by
    /// ``usePropagationAdjacency(_:)``).
    public private(set) var adjacency: SparseMatrix
    /// ``EncoreNumerics/SparseMatrix/fingerprint()`` of the training matrix, computed once.
    public let dataFingerprint: String
    /// Number of users M.
    public let userCount: Int
    /// Number of items N.
    public let itemCount: Int
    /// Epochs trained by this trainer so far.
    public private(set) var epochsCompleted = 0
    /// The triplet sampler.
    public private(set) var sampler: BPRSampler
    /// The optimizer state.
    public private(set) var optimizer: AdamOptimizer

    let nodeCount: Int
    let width: Int
    let maxBatchRows: Int
    let ego: UnsafeMutableBufferPointer<Float>
    let workA: UnsafeMutablePointer<Float>
    let workB: UnsafeMutablePointer<Float>
    let gradient: UnsafeMutableBufferPointer<Float>
    let epochUsers: UnsafeMutableBufferPointer<Int32>
    let epochPositives: UnsafeMutableBufferPointer<Int32>
    let epochNegatives: UnsafeMutableBufferPointer<Int32>
    let slotOfNode: UnsafeMutablePointer<Int32>
    let batchNodes: UnsafeMutablePointer<Int32>
    let batchNodeCounts: UnsafeMutablePointer<Int32>
    let tripletSlots: UnsafeMutablePointer<Int32>
    let compactEmbeddings: UnsafeMutablePointer<Float>
    let compactGradients: UnsafeMutablePointer<Float>

    /// Prepares a training run: builds Ã, initialises E⁽⁰⁾ ~ N(0, σ²) (or copies a warm
    /// start's rows), allocates every buffer.
    ///
    /// - Parameters:
    ///   - interactions: Binary user × item training matrix.
    ///   - configuration: Hyperparameters.
    ///   - warmStart: A previous model; its E⁽⁰⁾ rows are copied for users and items it knows.
    /// - Throws: ``ModelError`` for an invalid configuration, an empty graph, or a warm start of
    ///   another embedding size.
    public init(interactions: SparseMatrix, configuration: LightGCNConfiguration, warmStart: LightGCN? = nil) throws {
        try configuration.validate()
        guard interactions.rows > 0, interactions.columns > 0 else {
            throw ModelError(.invalidInput, "LightGCN needs at least one user and one item")
        }
        self.configuration = configuration
        self.interactions = interactions
        adjacency = NormalizedAdjacency.build(interactions: interactions)
        dataFingerprint = interactions.fingerprint()
        userCount = interactions.rows
        itemCount = interactions.columns
        nodeCount = userCount + itemCount
        width = configuration.embeddingDimension
        maxBatchRows = 3 * configuration.batchSize
        sampler = try BPRSampler(interactions: interactions, seed: configuration.seed &+ 1)
        optimizer = AdamOptimizer(parameterCount: nodeCount * width, learningRate: configuration.learningRate)

        let tableSize = nodeCount * width
        ego = .allocate(capacity: tableSize)
        workA = .allocate(capacity: tableSize)
        workB = .allocate(capacity: tableSize)
        gradient = .allocate(capacity: tableSize)
        let triplets = interactions.nonzeroCount
        epochUsers = .allocate(capacity: triplets)
        epochPositives = .allocate(capacity: triplets)
        epochNegatives = .allocate(capacity: triplets)
        slotOfNode = .allocate(capacity: nodeCount)
        slotOfNode.initialize(repeating: -1, count: nodeCount)
        batchNodes = .allocate(capacity: maxBatchRows)
        batchNodeCounts = .allocate(capacity: maxBatchRows)
        tripletSlots = .allocate(capacity: maxBatchRows)
        compactEmbeddings = .allocate(capacity: maxBatchRows * width)
        compactGradients = .allocate(capacity: maxBatchRows * width)

        var generator = SeededGenerator(seed: configuration.seed)
        let std = configuration.initialStandardDeviation
        for index in 0..<tableSize { ego[index] = std * generator.nextNormal() }
        workA.initialize(repeating: 0, count: tableSize)
        workB.initialize(repeating: 0, count: tableSize)
        gradient.initialize(repeating: 0)
        if let warmStart {
            guard warmStart.configuration.embeddingDimension == width else {
                throw ModelError(
                    .invalidInput,
                    "warm start has d = \(warmStart.configuration.embeddingDimension), configuration d = \(width)")
            }
            warmStart.egoEmbeddings.storage.withUnsafeBufferPointer { old in
                let users = min(userCount, warmStart.userCount)
                (ego.baseAddress!).update(from: old.baseAddress!, count: users * width)
                let items = min(itemCount, warmStart.itemCount)
                (ego.baseAddress! + userCount * width).update(
                    from: old.baseAddress! + warmStart.userCount * width, count: items * width)
            }
        }
    }

    deinit {
        ego.deallocate()
        workA.deallocate()
        workB.deallocate()
        gradient.deallocate()
        epochUsers.deallocate()
        epochPositives.deallocate()
        epochNegatives.deallocate()
        slotOfNode.deallocate()
        batchNodes.deallocate()
        batchNodeCounts.deallocate()
        tripletSlots.deallocate()
        compactEmbeddings.deallocate()
        compactGradients.deallocate()
    }

    /// Runs one epoch: |E| sampled triplets in ⌈|E|/B⌉ batches, one Adam step each.
    ///
    /// - Returns: Mean batch loss, wall seconds and triplet count of the epoch.
    public func trainEpoch() -> (loss: Double, seconds: Double, triplets: Int) {
        let result = train(batchLimit: nil)
        epochsCompleted += 1
        return result
    }

    /// Samples an epoch's triplets and trains on the first `batchLimit` batches only (for
    /// benchmarks); does not count as an epoch.
    public func trainPartialEpoch(batches: Int) -> (loss: Double, seconds: Double, triplets: Int) {
        train(batchLimit: batches)
    }

    func train(batchLimit: Int?) -> (loss: Double, seconds: Double, triplets: Int) {
        let clock = ContinuousClock()
        let start = clock.now
        let total = sampler.tripletsPerEpoch
        sampler.sample(users: epochUsers, positives: epochPositives, negatives: epochNegatives)
        var lossSum = 0.0
        var batches = 0
        var triplets = 0
        let batchSize = configuration.batchSize
        for first in stride(from: 0, to: total, by: batchSize) {
            if let batchLimit, batches >= batchLimit { break }
            let count = min(batchSize, total - first)
            lossSum += computeBatch(
                count: count, users: epochUsers.baseAddress! + first, positives: epochPositives.baseAddress! + first,
                negatives: epochNegatives.baseAddress! + first)
            optimizer.update(parameters: ego, gradients: UnsafeBufferPointer(gradient), threads: configuration.threads)
            batches += 1
            triplets += count
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return (lossSum / Double(max(batches, 1)), seconds, triplets)
    }

    /// The batch loss and its exact gradient with respect to E⁽⁰⁾ (for tests and diagnostics).
    ///
    /// - Parameters:
    ///   - users: Triplet users.
    ///   - positives: Triplet positive items (item indices, not node indices).
    ///   - negatives: Triplet negative items.
    /// - Returns: The loss and ∂L/∂E⁽⁰⁾ as an (M+N) × d matrix.
    public func lossAndGradient(users: [Int32], positives: [Int32], negatives: [Int32]) -> (
        loss: Double, gradient: Matrix
    ) {
        precondition(
            users.count == positives.count && users.count == negatives.count && users.count <= configuration.batchSize)
        let loss = users.withUnsafeBufferPointer { u in
            positives.withUnsafeBufferPointer { p in
                negatives.withUnsafeBufferPointer { n in
                    computeBatch(
                        count: u.count, users: u.baseAddress!, positives: p.baseAddress!, negatives: n.baseAddress!)
                }
            }
        }
        return (loss, Matrix(rows: nodeCount, columns: width, storage: Array(gradient)))
    }

    /// The current E⁽⁰⁾ (users then items).
    public var egoEmbeddings: Matrix {
        Matrix(rows: nodeCount, columns: width, storage: Array(ego))
    }

    /// The propagated embeddings E = M·E⁽⁰⁾ (full graph, all rows).
    public func propagatedEmbeddings() -> Matrix {
        var result = egoEmbeddings
        let layers = configuration.layerCount
        guard layers > 0 else { return result }
        result.storage.withUnsafeMutableBufferPointer { accumulator in
            var current = UnsafePointer(ego.baseAddress!)
            for layer in 1...layers {
                let output = layer % 2 == 1 ? workA : workB
                adjacency.multiply(
                    input: current, output: output, width: width, accumulator: accumulator.baseAddress!,
                    threads: configuration.threads)
                current = UnsafePointer(output)
            }
            let scale = 1 / Float(layers + 1)
            for index in accumulator.indices { accumulator[index] *= scale }
        }
        return result
    }

    /// Propagates over another symmetric normalised adjacency from now on (same nodes, users
    /// first); the sampler keeps drawing triplets from the training matrix. PECO uses this to
    /// train one E⁽⁰⁾ on sampled graphs.
    ///
    /// - Precondition: `adjacency` is (M+N) × (M+N) and symmetric.
    public func usePropagationAdjacency(_ adjacency: SparseMatrix) {
        precondition(adjacency.rows == nodeCount && adjacency.columns == nodeCount, "adjacency has the wrong shape")
        self.adjacency = adjacency
    }

    /// The current parameters as an immutable model.
    public func model() -> LightGCN {
        LightGCN(
            configuration: configuration, userCount: userCount, itemCount: itemCount, egoEmbeddings: egoEmbeddings,
            embeddings: propagatedEmbeddings(), dataFingerprint: dataFingerprint,
            trainedEpochs: epochsCompleted)
    }

    /// Overwrites parameters, optimizer, sampler state and epoch count from a checkpoint.
    func restore(_ checkpoint: LightGCNCheckpoint) {
        _ = ego.update(fromContentsOf: checkpoint.egoEmbeddings)
        optimizer = checkpoint.optimizer
        sampler.generator = checkpoint.samplerGenerator
        epochsCompleted = checkpoint.epochsCompleted
    }

    // MARK: - One batch

    /// `target[rows[s], :] += compact[s, :]` for every slot.
    func addBatchRows(
        of compact: UnsafePointer<Float>, to target: UnsafeMutablePointer<Float>, rows: UnsafeBufferPointer<Int32>
    ) {
        let d = width
        for s in 0..<rows.count {
            let destination = target + Int(rows[s]) * d, source = compact + s * d
            for k in 0..<d { destination[k] += source[k] }
        }
    }

    /// Computes the batch loss and writes ∂L/∂E⁽⁰⁾ into `gradient`.
    func computeBatch(
        count: Int, users: UnsafePointer<Int32>, positives: UnsafePointer<Int32>, negatives: UnsafePointer<Int32>
    ) -> Double {
        let d = width
        let layers = configuration.layerCount
        let threads = configuration.threads
        let egoBase = UnsafePointer(ego.baseAddress!)

        // Unique batch rows and their multiplicities.
        var unique = 0
        for t in 0..<count {
            for position in 0..<3 {
                let node =
                    position == 0
                    ? Int(users[t]) : userCount + Int(position == 1 ? positives[t] : negatives[t])
                var slot = slotOfNode[node]
                if slot < 0 {
                    slot = Int32(unique)
                    slotOfNode[node] = slot
                    batchNodes[unique] = Int32(node)
                    batchNodeCounts[unique] = 0
                    unique += 1
                }
                batchNodeCounts[Int(slot)] += 1
                tripletSlots[3 * t + position] = slot
            }
        }

        // Forward: E rows of the batch.
        for s in 0..<unique {
            (compactEmbeddings + s * d).update(from: egoBase + Int(batchNodes[s]) * d, count: d)
        }
        if layers > 0 {
            var current = egoBase
            if layers > 1 {
                for layer in 1..<layers {
                    let output = layer % 2 == 1 ? workA : workB
                    adjacency.multiply(input: current, output: output, width: d, threads: threads)
                    for s in 0..<unique {
                        let target = compactEmbeddings + s * d, source = output + Int(batchNodes[s]) * d
                        for k in 0..<d { target[k] += source[k] }
                    }
                    current = UnsafePointer(output)
                }
            }
            adjacency.accumulateSelectedRows(
                UnsafeBufferPointer(start: batchNodes, count: unique), input: current, width: d,
                into: compactEmbeddings,
                threads: threads)
            let scale = 1 / Float(layers + 1)
            for index in 0..<(unique * d) { compactEmbeddings[index] *= scale }
        }

        // BPR loss and ∂L/∂E on the batch rows.
        compactGradients.update(repeating: 0, count: unique * d)
        let bprSum = CompactBPR.accumulate(
            slots: tripletSlots, count: count, embeddings: compactEmbeddings, gradients: compactGradients, width: d)
        let lambda = configuration.regularization
        var squaredNorms = 0.0
        for s in 0..<unique {
            let row = egoBase + Int(batchNodes[s]) * d
            var norm: Float = 0
            for k in 0..<d { norm += row[k] * row[k] }
            squaredNorms += Double(batchNodeCounts[s]) * Double(norm)
        }
        let loss = bprSum / Double(count) + Double(lambda) * squaredNorms / (2 * Double(count))

        // Backward: ∇E⁽⁰⁾ = M·G + regularisation.
        if layers > 0 {
            let scale = 1 / Float(layers + 1)
            for index in 0..<(unique * d) { compactGradients[index] *= scale }
        }
        // Horner form: with Z = G' on the batch rows, H₁ = Z + ÃZ, H_k = Z + ÃH_{k−1}, and
        // H_K = Z + ÃZ + … + Ã^K Z = M·G. ÃZ is scattered from the batch rows only; later hops
        // are full SpMMs writing their output once (no accumulator pass, no zeroing).
        let gradientBase = gradient.baseAddress!
        let batchRows = UnsafeBufferPointer(start: UnsafePointer(batchNodes), count: unique)
        let first = layers <= 1 ? gradientBase : workA
        first.update(repeating: 0, count: nodeCount * d)
        if layers > 0 {
            adjacency.accumulateTransposedFromSelectedRows(
                batchRows, compactInput: compactGradients, width: d, into: first, threads: threads)
        }
        addBatchRows(of: compactGradients, to: first, rows: batchRows)
        var current = UnsafePointer(first)
        if layers > 1 {
            for layer in 2...layers {
                let output = layer == layers ? gradientBase : (layer % 2 == 0 ? workB : workA)
                adjacency.multiply(input: current, output: output, width: d, threads: threads)
                addBatchRows(of: compactGradients, to: output, rows: batchRows)
                current = UnsafePointer(output)
            }
        }
        let regularizationScale = lambda * (1 / Float(count))
        for s in 0..<unique {
            let node = Int(batchNodes[s])
            let target = gradientBase + node * d, row = egoBase + node * d
            let factor = regularizationScale * Float(batchNodeCounts[s])
            for k in 0..<d { target[k] += factor * row[k] }
            slotOfNode[node] = -1
        }
        return loss
    }
}
