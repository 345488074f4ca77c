import EncoreNumerics

/// GTE, the learning-less Graph Topology Encoder (Cai, Xia, Ren, Huang, CIKM 2023;
/// docs/design/graph-models.md §2).
///
/// The reference starts items one-hot and users at zero and runs k simultaneous steps
/// U ← R·I + U, I ← Rᵀ·U + I on the raw binary R. Its closed form
/// (docs/design/graph-models.md §2) is
///
/// ```
/// U⁽ᵏ⁾ = Σ_{j ≥ 0, 2j+1 ≤ k} C(k, 2j+1) · R (RᵀR)ʲ        (k = 3: R RᵀR + 3R)
/// ```
///
/// so ŷ(u, i) = U⁽ᵏ⁾[u, i] is a weighted count of odd-length paths u → … → i. "Fitting" builds
/// the item co-occurrence C = RᵀR once (sparse, Σ_u deg(u)² work, both cores); scoring a user is
/// P₀ = R_u, P_j = P_{j−1}·C, ŷ_u = Σ_j C(k, 2j+1)·P_j: for k ≤ 4 one sparse row sum of C per
/// training item of the user, no BLAS and no dense (M+N) × N state (the reference keeps ≈ 25 GB
/// of it on HKUDS Gowalla). Scores are path counts in Float32, exact up to 2²⁴.
///
/// Training items must be masked with −∞ before ranking (the evaluator does); ties at the
/// cut-off are frequent (integer scores) and go to the lower item index (``TopKSelector``).
/// The artifact stores R itself (per-user row lengths and item indices as Float32, exact for
/// N < 2²⁴); loading and warm starts rebuild C, which takes seconds.
public struct GTE: BatchRecommender {
    public static let modelName = "gte"
    /// Version of the blob layout.
    public static let formatVersion = 1

    public let configuration: GTEConfiguration
    public let userCount: Int
    public let itemCount: Int
    /// The binary training matrix R (users × items).
    public let interactions: SparseMatrix
    /// C = RᵀR (items × items), values are co-occurrence counts.
    public let cooccurrence: SparseMatrix
    /// Fingerprint of R.
    public let dataFingerprint: String
    let weights: [Float]

    /// Computes the model from a training matrix (stored values are ignored; entries count 1).
    ///
    /// - Throws: ``ModelError`` for an invalid configuration or an empty matrix.
    public init(interactions: SparseMatrix, configuration: GTEConfiguration) throws {
        try self.init(interactions: interactions, configuration: configuration, fingerprint: nil)
    }

    init(interactions: SparseMatrix, configuration: GTEConfiguration, fingerprint: String?) throws {
        try configuration.validate()
        guard interactions.rows > 0, interactions.columns > 0 else {
            throw ModelError(.invalidInput, "GTE needs at least one user and one item")
        }
        guard interactions.columns < 1 << 24 else {
            throw ModelError(.invalidInput, "GTE artifacts store item indices as Float32: at most 2²⁴ items")
        }
        let binary = SparseMatrix(
            rows: interactions.rows, columns: interactions.columns, rowOffsets: interactions.rowOffsets,
            columnIndices: interactions.columnIndices,
            values: [Float](repeating: 1, count: interactions.nonzeroCount))
        self.configuration = configuration
        self.userCount = interactions.rows
        self.itemCount = interactions.columns
        self.interactions = binary
        self.cooccurrence = GTECooccurrence.build(binary, threads: configuration.threads)
        self.dataFingerprint = fingerprint ?? interactions.fingerprint()
        self.weights = configuration.pathWeights
    }

    /// GTE has nothing to train: one "epoch" computes C; a warm start is ignored (the model is
    /// recomputed from the new matrix, which is as fast as any update would be).
    public static func fit(
        interactions: SparseMatrix, configuration: GTEConfiguration, warmStart: GTE?,
        observer: (TrainingProgress, () -> GTE) throws -> TrainingDecision
    ) throws -> GTE {
        let clock = ContinuousClock()
        let start = clock.now
        let model = try GTE(interactions: interactions, configuration: configuration)
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        _ = try observer(
            TrainingProgress(epoch: 1, epochCount: 1, loss: 0, seconds: seconds, examples: interactions.nonzeroCount),
            { model })
        return model
    }

    public func scores(users: UnsafeBufferPointer<Int32>, into output: UnsafeMutableBufferPointer<Float>) {
        let n = itemCount
        precondition(output.count >= users.count * n, "score buffer too small")
        guard !users.isEmpty else { return }
        let higherPowers = weights.count > 2
        withUnsafeTemporaryAllocation(of: Float.self, capacity: higherPowers ? 2 * n : 1) { scratch in
            interactions.columnIndices.withUnsafeBufferPointer { items in
                cooccurrence.rowOffsets.withUnsafeBufferPointer { cOffsets in
                    cooccurrence.columnIndices.withUnsafeBufferPointer { cColumns in
                        cooccurrence.values.withUnsafeBufferPointer { cValues in
                            for (row, user) in users.enumerated() {
                                precondition(user >= 0 && Int(user) < userCount, "user \(user) out of range")
                                let out = output.baseAddress! + row * n
                                out.update(repeating: 0, count: n)
                                let range = interactions.rowOffsets[Int(user)]..<interactions.rowOffsets[Int(user) + 1]
                                // j = 0: w₀·R_u.
                                for e in range { out[Int(items[e])] += weights[0] }
                                guard weights.count > 1 else { continue }
                                // j = 1: w₁·R_u·C (sum of the C rows of the user's items).
                                let target = higherPowers ? scratch.baseAddress! : out
                                if higherPowers { target.update(repeating: 0, count: n) }
                                for e in range {
                                    let i = Int(items[e])
                                    for f in cOffsets[i]..<cOffsets[i + 1] { target[Int(cColumns[f])] += cValues[f] }
                                }
                                if !higherPowers {
                                    if weights[1] != 1 {
                                        // out = w₀R_u + w₁(R_u C): rescale the path part in place.
                                        for e in range { out[Int(items[e])] -= weights[0] }
                                        for c in 0..<n { out[c] *= weights[1] }
                                        for e in range { out[Int(items[e])] += weights[0] }
                                    }
                                    continue
                                }
                                // j ≥ 1 with dense powers: P_j = P_{j−1}·C.
                                var current = scratch.baseAddress!, next = scratch.baseAddress! + n
                                for j in 1..<weights.count {
                                    if j > 1 {
                                        next.update(repeating: 0, count: n)
                                        for i in 0..<n where current[i] != 0 {
                                            let v = current[i]
                                            for f in cOffsets[i]..<cOffsets[i + 1] {
                                                next[Int(cColumns[f])] += v * cValues[f]
                                            }
                                        }
                                        swap(&current, &next)
                                    }
                                    let w = weights[j]
                                    for c in 0..<n { out[c] += w * current[c] }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    static let blobLayout = "rowLength[users] then itemIndex[nnz(R)] of the training matrix R, as Float32"

    public func artifact(metrics: [String: Double]) throws -> ModelArtifact {
        let metadata = ModelMetadata(
            modelName: Self.modelName, formatVersion: Self.formatVersion, dataFingerprint: dataFingerprint,
            userCount: userCount, itemCount: itemCount, metrics: metrics, hyperparameters: configuration,
            blobLayout: Self.blobLayout, trainedEpochs: 1)
        var blob = [Float]()
        blob.reserveCapacity(userCount + interactions.nonzeroCount)
        for u in 0..<userCount { blob.append(Float(interactions.rowLength(u))) }
        for item in interactions.columnIndices { blob.append(Float(item)) }
        return ModelArtifact(metadataJSON: try metadata.json(), blob: blob)
    }

    /// Restores the model: reads R from the artifact and recomputes C.
    public init(artifact: ModelArtifact) throws {
        let metadata = try ModelMetadata<GTEConfiguration>.decode(
            artifact, expectedModel: Self.modelName, formatVersion: Self.formatVersion)
        let m = metadata.userCount, n = metadata.itemCount
        let blob = artifact.blob
        guard m > 0, n > 0, blob.count >= m else {
            throw ModelError(.corruptArtifact, "gte blob has \(blob.count) floats for \(m) users")
        }
        var offsets = [Int](repeating: 0, count: m + 1)
        for u in 0..<m {
            let length = blob[u]
            guard length >= 0, length <= Float(n), length == length.rounded() else {
                throw ModelError(.corruptArtifact, "gte row length \(length) of user \(u) is invalid")
            }
            offsets[u + 1] = offsets[u] + Int(length)
        }
        guard blob.count == m + offsets[m] else {
            throw ModelError(.corruptArtifact, "gte blob has \(blob.count) floats, expected \(m + offsets[m])")
        }
        var columns = [Int32]()
        columns.reserveCapacity(offsets[m])
        for u in 0..<m {
            var previous = -1
            for e in offsets[u]..<offsets[u + 1] {
                let value = blob[m + e]
                guard value >= 0, value < Float(n), value == value.rounded(), Int(value) > previous else {
                    throw ModelError(.corruptArtifact, "gte item index \(value) of user \(u) is invalid")
                }
                previous = Int(value)
                columns.append(Int32(value))
            }
        }
        let r = SparseMatrix(
            rows: m, columns: n, rowOffsets: offsets, columnIndices: columns,
            values: [Float](repeating: 1, count: columns.count))
        try self.init(interactions: r, configuration: metadata.hyperparameters, fingerprint: metadata.dataFingerprint)
    }
}
