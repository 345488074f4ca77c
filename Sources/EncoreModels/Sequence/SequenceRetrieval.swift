import EncoreNumerics

/// Approximate retrieval for the short head: an inner-product index over the items' rows
/// [e_i, b_i], queried with the first d + 1 coordinates of a user vector ([τ u^S, 1]), so the
/// index ranks by exactly the GEMM part of the score (docs/design/retrieval-index.md).
///
/// A recommendation takes the index's candidates, adds the user's history items (the repeat
/// term can lift any of them), and scores that set exactly — dot product, item bias, repeat term
/// — before the exclusions and the top-K. Only items the index misses and that would have made
/// the exact top-K are lost; `encore bench ingest --stage rnn` measures how many (recall@20
/// against exact scoring of the same vectors).
///
/// Built once per model generation (off the pipeline thread, by the generation's loader), then
/// read-only except for ``add(item:vector:bias:)`` (new items between generations).
public final class SequenceRetrieval: Sendable {
    /// Catalogues smaller than this are scored exactly: below it the tiled exact scoring was as
    /// fast as the index at a 0.95 recall floor on this machine (docs/design/retrieval-index.md).
    public static let minimumItems = 100_000

    public let index: InnerProductIndex
    /// Width of an index row: d + 1.
    public let width: Int

    /// Indexes every item of `model` (in item order, so the graph is the same every time).
    public init(model: SequenceModel, parameters: InnerProductIndex.Parameters = .init()) throws(ModelError) {
        let table = SequenceScoringTable(model: model)
        width = table.width
        do {
            index = try table.rows.withUnsafeBufferPointer { rows throws(InnerProductIndex.Failure) in
                try InnerProductIndex(rows: rows, count: table.itemCount, dimension: table.width, parameters: parameters)
            }
        } catch {
            throw ModelError(.invalidInput, "cannot build the retrieval index: \(error)")
        }
    }

    /// Adds (or replaces) an item's row: its embedding in the model's item space and its bias.
    public func add(item: Int32, vector: [Float], bias: Float) throws(ModelError) {
        guard vector.count == width - 1 else {
            throw ModelError(.invalidInput, "item vector has \(vector.count) values, the index \(width - 1)")
        }
        do {
            try (vector + [bias]).withUnsafeBufferPointer { row throws(InnerProductIndex.Failure) in
                try index.add(row, label: Int(item))
            }
        } catch {
            throw ModelError(.invalidInput, "cannot add item \(item) to the retrieval index: \(error)")
        }
    }
}

/// Reusable buffers for ``SequenceModel/recommend(userVector:history:exclusions:retrieval:scratch:into:)``
/// (one per worker thread; nothing is allocated per recommendation once they have grown).
public struct RetrievalScratch {
    var labels: [UInt64]
    var indexScores: [Float]
    var candidates: [Int32] = []
    var scores: [Float] = []
    var picked: [Int32]
    /// Candidate position of each item in this query (-1: not a candidate).
    var position: [Int32]
    var selector: TopKSelector

    public init(model: SequenceModel, retrieval: SequenceRetrieval, k: Int) {
        let ef = retrieval.index.parameters.searchCandidates
        labels = [UInt64](repeating: 0, count: ef)
        indexScores = [Float](repeating: 0, count: ef)
        candidates.reserveCapacity(ef + SequenceModel.historyLength)
        scores.reserveCapacity(ef + SequenceModel.historyLength)
        picked = [Int32](repeating: 0, count: k)
        position = [Int32](repeating: -1, count: model.itemCount)
        selector = TopKSelector(k: k)
    }
}

extension SequenceModel {
    /// The top-K items for one short-head user vector from the index's candidates and the
    /// user's history, scored exactly; `exclusions` never appear. Writes (item, score) pairs,
    /// best first, into `output` and returns how many.
    public func recommend<History: BidirectionalCollection, Exclusions: Sequence>(
        userVector v: UnsafeBufferPointer<Float>, history: History, exclusions: Exclusions,
        retrieval: SequenceRetrieval, scratch: inout RetrievalScratch,
        into output: UnsafeMutableBufferPointer<(Int32, Float)>
    ) -> Int where History.Element == SequenceEvent, Exclusions.Element == Int32 {
        let d = dimension, n = itemCount
        precondition(v.count >= vectorWidth && retrieval.width == d + 1, "vector does not match the index")
        let found = scratch.labels.withUnsafeMutableBufferPointer { labels in
            scratch.indexScores.withUnsafeMutableBufferPointer { scores in
                retrieval.index.search(v.baseAddress!, labels: labels, scores: scores)
            }
        }
        scratch.candidates.removeAll(keepingCapacity: true)
        for slot in 0..<found {
            let item = Int(scratch.labels[slot])
            guard item < n, scratch.position[item] < 0 else { continue }
            scratch.position[item] = Int32(scratch.candidates.count)
            scratch.candidates.append(Int32(item))
        }
        Self.forEachHistoryPlay(history, itemCount: n) { item, _ in
            guard scratch.position[item] < 0 else { return }
            scratch.position[item] = Int32(scratch.candidates.count)
            scratch.candidates.append(Int32(item))
        }
        // Exact scores: v_d·b_i + Σ_k v_k e_ik, then the repeat term, then the exclusions.
        let count = scratch.candidates.count
        scratch.scores.removeAll(keepingCapacity: true)
        parameters.withUnsafeBufferPointer { p in
            let bias = p.baseAddress! + layout.itemBias
            items.vectors.withUnsafeBufferPointer { table in
                for slot in 0..<count {
                    let item = Int(scratch.candidates[slot])
                    let row = table.baseAddress! + item * d
                    var sum: Float = 0
                    for k in 0..<d { sum += v[k] * row[k] }
                    scratch.scores.append(v[d] * bias[item] + sum)
                }
            }
        }
        let weights = SIMD4<Float>(v[d + 1], v[d + 2], v[d + 3], 0)
        if weights != .zero {
            Self.forEachHistoryPlay(history, itemCount: n) { item, factors in
                scratch.scores[Int(scratch.position[item])] += (weights * factors).sum()
            }
        }
        for item in exclusions where item >= 0 && Int(item) < n {
            let slot = scratch.position[Int(item)]
            if slot >= 0 { scratch.scores[Int(slot)] = -.infinity }
        }
        let selected = scratch.picked.withUnsafeMutableBufferPointer { picked in
            scratch.scores.withUnsafeBufferPointer { scores in scratch.selector.select(scores, into: picked) }
        }
        let written = min(selected, output.count)
        for rank in 0..<written {
            let slot = Int(scratch.picked[rank])
            output[rank] = (scratch.candidates[slot], scratch.scores[slot])
        }
        for item in scratch.candidates { scratch.position[Int(item)] = -1 }
        return written
    }
}
