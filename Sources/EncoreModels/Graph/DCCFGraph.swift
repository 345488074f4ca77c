import EncoreNumerics

/// The directed edge structure DCCF propagates over: the 2|E| edges of Ā (both directions,
/// users `0..<M` then items), with the index of each edge's reverse, so that a per-edge weight
/// matrix G and its transpose Gᵀ can both be applied as row-parallel SpMMs without building a
/// second matrix.
struct DCCFGraph {
    /// Nodes n = M + N.
    let nodeCount: Int
    /// CSR row offsets of the directed edges.
    let offsets: [Int]
    /// Tail node of each edge (the head is its CSR row).
    let tails: [Int32]
    /// Ā values D^{-1/2} Â D^{-1/2} per edge.
    let normalized: [Float]
    /// Index of edge (t, h) for edge (h, t).
    let reverse: [Int32]
    /// Fixed row chunks for the parallel kernels (independent of the thread count).
    let bounds: [Int]

    init(interactions: SparseMatrix) {
        let adjacency = NormalizedAdjacency.build(interactions: interactions)
        nodeCount = adjacency.rows
        offsets = adjacency.rowOffsets
        tails = adjacency.columnIndices
        normalized = adjacency.values
        var reverse = [Int32](repeating: 0, count: adjacency.nonzeroCount)
        for h in 0..<nodeCount {
            for e in offsets[h]..<offsets[h + 1] {
                let t = Int(tails[e])
                var low = offsets[t], high = offsets[t + 1]
                while low < high {
                    let middle = (low + high) / 2
                    if tails[middle] < Int32(h) { low = middle + 1 } else { high = middle }
                }
                reverse[e] = Int32(low)
            }
        }
        self.reverse = reverse
        bounds = adjacency.rowPartition(parts: max(1, min(nodeCount, 16)))
    }

    var edgeCount: Int { tails.count }

    /// Runs `body(rows)` over the fixed row chunks on up to `threads` workers.
    func forRows(threads: Int, _ body: (Range<Int>) -> Void) {
        parallelChunks(chunkCount: bounds.count - 1, threads: threads) { part in body(bounds[part]..<bounds[part + 1]) }
    }

    /// Y = W·X with per-edge weights W (`transposed`: Y = Wᵀ·X, reading W at the reverse edges);
    /// `accumulate` adds to Y instead of overwriting it.
    func multiply(
        weights: UnsafePointer<Float>, transposed: Bool = false, input: UnsafePointer<Float>,
        output: UnsafeMutablePointer<Float>, width d: Int, accumulate: Bool = false, threads: Int
    ) {
        offsets.withUnsafeBufferPointer { offsets in
            tails.withUnsafeBufferPointer { tails in
                reverse.withUnsafeBufferPointer { reverse in
                    let box = UncheckedSendableBox((offsets, tails, reverse, weights, input, output))
                    forRows(threads: threads) { rows in
                        let (offsets, tails, reverse, weights, input, output) = box.value
                        for h in rows {
                            let y = output + h * d
                            if !accumulate { y.update(repeating: 0, count: d) }
                            for e in offsets[h]..<offsets[h + 1] {
                                let w = transposed ? weights[Int(reverse[e])] : weights[e]
                                let x = input + Int(tails[e]) * d
                                for k in 0..<d { y[k] += w * x[k] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// out[e] = ⟨A_h, B_t⟩ for every edge (h, t) (an SDDMM).
    func edgeDots(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, width d: Int, into out: UnsafeMutablePointer<Float>,
        threads: Int
    ) {
        offsets.withUnsafeBufferPointer { offsets in
            tails.withUnsafeBufferPointer { tails in
                let box = UncheckedSendableBox((offsets, tails, a, b, out))
                forRows(threads: threads) { rows in
                    let (offsets, tails, a, b, out) = box.value
                    for h in rows {
                        let x = a + h * d
                        for e in offsets[h]..<offsets[h + 1] {
                            let y = b + Int(tails[e]) * d
                            var dot: Float = 0
                            for k in 0..<d { dot += x[k] * y[k] }
                            out[e] = dot
                        }
                    }
                }
            }
        }
    }
}
