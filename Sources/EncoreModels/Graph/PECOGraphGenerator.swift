import EncoreCore
import EncoreNumerics

/// The generative model of Encore's PECO-inspired Bayesian GNN: draws alternative user–item
/// graphs from the observed one using user preference, item concurrence and node degree.
///
/// For user u with observed items N(u) (degree deg u), sampled graph s:
/// 1. **Structure.** Target size k_u = round(ρ · deg u): the sampled list tracks the observed
///    degree, so sampled graphs keep the degree profile (up to the candidates available).
/// 2. **Preference (Node-Copy, BGCF).** A source user v is drawn uniformly from u's T nearest users
///    by cosine similarity of the pretrained user embeddings (excluding u).
/// 3. Each draw: with probability 1 − ω an item uniform over N(v) (copy); with probability ω
///    an item from the **concurrence** walk u → j → u′ → i (j uniform in N(u), u′ uniform over
///    j's users, i uniform in N(u′)), i.e. P(i | j) ∝ Σ_{u′} R_{u′j} R_{u′i} / deg u′, which
///    favours items that co-occur with u's items without building RᵀR.
/// 4. Items already in N(u) or already drawn are rejected; drawing stops at k_u items or after
///    4·k_u + 16 attempts.
/// The sampled graph is the observed graph plus these edges; it is normalised like LightGCN's Ã.
///
/// Every (sample, user) pair has its own generator seeded from (seed, s, u), so graphs do not
/// depend on the thread count, and the same seed gives the same graphs.
public struct PECOGraphGenerator: Sendable {
    /// The observed matrix R.
    public let interactions: SparseMatrix
    /// Rᵀ (users of each item).
    public let transposed: SparseMatrix
    /// The generator settings.
    public let configuration: PECOConfiguration

    /// Prepares a generator for one training matrix.
    public init(interactions: SparseMatrix, configuration: PECOConfiguration) {
        self.interactions = interactions
        transposed = interactions.transposed()
        self.configuration = configuration
    }

    /// The T nearest users of every user by cosine similarity (row-major M × T, best first,
    /// −1 where a user has fewer than T others), by blocked GEMM and top-K selection.
    ///
    /// - Parameter userEmbeddings: M × d.
    public static func similarUsers(userEmbeddings: Matrix, count: Int, threads: Int) -> [Int32] {
        let m = userEmbeddings.rows, d = userEmbeddings.columns
        var normalised = userEmbeddings
        for u in 0..<m {
            var norm: Float = 0
            for k in 0..<d { norm += normalised[u, k] * normalised[u, k] }
            let inverse = norm > 0 ? 1 / norm.squareRoot() : 0
            for k in 0..<d { normalised.storage[u * d + k] *= inverse }
        }
        let t = min(count, max(m - 1, 0))
        var result = [Int32](repeating: -1, count: m * count)
        guard t > 0, d > 0 else { return result }
        let block = 256
        let blocks = (m + block - 1) / block
        normalised.storage.withUnsafeBufferPointer { table in
            result.withUnsafeMutableBufferPointer { out in
                let box = UncheckedSendableBox((table, out))
                parallelChunks(chunkCount: blocks, threads: threads) { b in
                    let (table, out) = box.value
                    let first = b * block, rows = min(block, m - first)
                    var scores = [Float](repeating: 0, count: rows * m)
                    var selector = TopKSelector(k: t)
                    var chosen = [Int32](repeating: 0, count: t)
                    scores.withUnsafeMutableBufferPointer { s in
                        BLAS.sgemm(
                            transposeA: false, transposeB: true, m: rows, n: m, k: d, alpha: 1,
                            a: table.baseAddress! + first * d, lda: d, b: table.baseAddress!, ldb: d, beta: 0,
                            c: s.baseAddress!, ldc: m)
                        for r in 0..<rows {
                            s[r * m + first + r] = -.infinity
                            let found = chosen.withUnsafeMutableBufferPointer { c in
                                selector.select(UnsafeBufferPointer(rebasing: s[(r * m)..<((r + 1) * m)]), into: c)
                            }
                            for k in 0..<found { out[(first + r) * count + k] = chosen[k] }
                        }
                    }
                }
            }
        }
        return result
    }

    /// Seed of the generator of (sample, user).
    static func seed(base: UInt64, sample: Int, user: Int) -> UInt64 {
        var z = base &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(sample + 1) &+ 0xBF58_476D_1CE4_E5B9 &* UInt64(user + 1)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The sampled edges (not the observed ones) of graph `sample`, as a user × item matrix.
    ///
    /// - Parameters:
    ///   - sample: Index of the sampled graph (0..<S).
    ///   - similar: ``similarUsers(userEmbeddings:count:threads:)`` with T = `configuration.similarUsers`.
    public func sampledEdges(sample: Int, similar: [Int32]) -> SparseMatrix {
        let m = interactions.rows, n = interactions.columns, t = configuration.similarUsers
        precondition(similar.count == m * t, "similar-user table has the wrong size")
        let ratio = configuration.sampledDegreeRatio, omega = configuration.concurrenceWeight
        let base = configuration.backbone.seed
        let threads = configuration.backbone.threads
        var lists = [[Int32]](repeating: [], count: m)
        let r = interactions, rt = transposed
        lists.withUnsafeMutableBufferPointer { lists in
            let box = UncheckedSendableBox(lists)
            parallelFor(count: m, threads: threads) { range in
                let lists = box.value
                var marker = [Int32](repeating: -1, count: n)
                for u in range {
                    let row = r.columns(inRow: u)
                    let target = Int((ratio * Float(row.count)).rounded())
                    guard target > 0 else { continue }
                    var rng = SeededGenerator(seed: Self.seed(base: base, sample: sample, user: u))
                    var candidates = 0
                    while candidates < t, similar[u * t + candidates] >= 0 { candidates += 1 }
                    let source = candidates > 0 ? Int(similar[u * t + rng.nextInt(below: candidates)]) : -1
                    let copyRow: ArraySlice<Int32> = source >= 0 ? r.columns(inRow: source) : []
                    for item in row { marker[Int(item)] = Int32(u) }
                    var picked = [Int32]()
                    picked.reserveCapacity(target)
                    var attempts = 0
                    while picked.count < target, attempts < 4 * target + 16 {
                        attempts += 1
                        var item: Int32
                        if omega > 0, rng.nextUniform() < omega {
                            let j = row[row.startIndex + rng.nextInt(below: row.count)]
                            let users = rt.columns(inRow: Int(j))
                            let other = Int(users[users.startIndex + rng.nextInt(below: users.count)])
                            let items = r.columns(inRow: other)
                            item = items[items.startIndex + rng.nextInt(below: items.count)]
                        } else {
                            guard !copyRow.isEmpty else { continue }
                            item = copyRow[copyRow.startIndex + rng.nextInt(below: copyRow.count)]
                        }
                        if marker[Int(item)] == Int32(u) { continue }
                        marker[Int(item)] = Int32(u)
                        picked.append(item)
                    }
                    picked.sort()
                    lists[u] = picked
                }
            }
        }
        let rows = lists.enumerated().flatMap { u, items in [Int32](repeating: Int32(u), count: items.count) }
        return SparseMatrix(rows: m, columns: n, rowIndices: rows, columnIndices: lists.flatMap { $0 })
    }

    /// Observed ∪ sampled edges (both binary).
    public func union(_ sampled: SparseMatrix) -> SparseMatrix {
        let m = interactions.rows
        var rows = [Int32](), columns = [Int32]()
        rows.reserveCapacity(interactions.nonzeroCount + sampled.nonzeroCount)
        columns.reserveCapacity(interactions.nonzeroCount + sampled.nonzeroCount)
        for u in 0..<m {
            for item in interactions.columns(inRow: u) {
                rows.append(Int32(u))
                columns.append(item)
            }
            for item in sampled.columns(inRow: u) {
                rows.append(Int32(u))
                columns.append(item)
            }
        }
        return SparseMatrix(
            rows: m, columns: interactions.columns, rowIndices: rows, columnIndices: columns, duplicates: .keepFirst)
    }
}
