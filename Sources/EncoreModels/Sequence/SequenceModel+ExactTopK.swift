import EncoreNumerics

/// Reusable buffers for ``SequenceModel/exactTopK(userVectors:count:k:history:exclusions:scratch:emit:)``
/// (one per worker thread).
public struct ExactScoringScratch {
    /// Items per tile: a tile of scores for ``SequenceModel/exactRows`` users stays in the L2
    /// cache (64 × 1024 floats = 256 KiB) while it is adjusted and scanned.
    public static let tileWidth = 1024
    var tile: [Float]
    /// Per user: (item, addend) of the repeat term and the exclusions (addend −∞), by item.
    var adjustments: [[(item: Int32, order: Int32, addend: Float)]]
    var cursors: [Int]
    var selectors: [TopKSelector]
    var picked: [Int32]
    var pickedScores: [Float]

    public init(k: Int) {
        tile = [Float](repeating: 0, count: SequenceModel.exactRows * Self.tileWidth)
        adjustments = [[(item: Int32, order: Int32, addend: Float)]](repeating: [], count: SequenceModel.exactRows)
        cursors = [Int](repeating: 0, count: SequenceModel.exactRows)
        selectors = (0..<SequenceModel.exactRows).map { _ in TopKSelector(k: k) }
        picked = [Int32](repeating: 0, count: k)
        pickedScores = [Float](repeating: 0, count: k)
    }
}

extension SequenceModel {
    /// Users scored together by ``exactTopK(userVectors:count:k:history:exclusions:scratch:emit:)``.
    public static let exactRows = 64

    /// The exact top-`k` items of up to ``exactRows`` short-head user vectors (row-major,
    /// ``vectorWidth`` each): score = v_d·b_i + ⟨v, e_i⟩ (one GEMM per tile of items), plus the
    /// repeat term of the row's `history`, with the row's `exclusions` never returned.
    ///
    /// The catalogue is scored tile by tile (``ExactScoringScratch/tileWidth`` items), each tile
    /// adjusted and scanned into a streaming top-K while it is still in cache, instead of writing
    /// and re-reading a full row of scores per user. `emit(row, items, scores)` receives each
    /// row's items, best first (ties toward the lower item).
    public func exactTopK<History: BidirectionalCollection, Exclusions: Sequence>(
        userVectors: UnsafePointer<Float>, count: Int, k: Int, history: (Int) -> History,
        exclusions: (Int) -> Exclusions, scratch: inout ExactScoringScratch,
        emit: (Int, UnsafeBufferPointer<Int32>, UnsafeBufferPointer<Float>) -> Void
    ) where History.Element == SequenceEvent, Exclusions.Element == Int32 {
        precondition(count <= Self.exactRows, "at most \(Self.exactRows) rows at once")
        let d = dimension, n = itemCount, width = vectorWidth
        guard count > 0, n > 0 else { return }
        for row in 0..<count {
            scratch.adjustments[row].removeAll(keepingCapacity: true)
            let v = userVectors + row * width
            let weights = SIMD4<Float>(v[d + 1], v[d + 2], v[d + 3], 0)
            if weights != .zero {
                Self.forEachHistoryPlay(history(row), itemCount: n) { item, factors in
                    let order = Int32(scratch.adjustments[row].count)
                    scratch.adjustments[row].append((Int32(item), order, (weights * factors).sum()))
                }
            }
            for item in exclusions(row) where item >= 0 && Int(item) < n {
                scratch.adjustments[row].append((item, Int32(scratch.adjustments[row].count), -.infinity))
            }
            // By item, then in the order made: one item's plays add up in the same order as the
            // full-row path, and an exclusion comes last. In place (no allocation).
            scratch.adjustments[row].sort { ($0.item, $0.order) < ($1.item, $1.order) }
            scratch.cursors[row] = 0
            scratch.selectors[row].reset()
        }
        let tileWidth = ExactScoringScratch.tileWidth
        parameters.withUnsafeBufferPointer { p in
            let bias = p.baseAddress! + layout.itemBias
            items.vectors.withUnsafeBufferPointer { table in
                scratch.tile.withUnsafeMutableBufferPointer { tile in
                    var first = 0
                    while first < n {
                        let columns = min(tileWidth, n - first)
                        for row in 0..<count {
                            let weight = userVectors[row * width + d]
                            let scores = tile.baseAddress! + row * columns
                            if weight == 0 {
                                scores.update(repeating: 0, count: columns)
                            } else {
                                for column in 0..<columns { scores[column] = weight * bias[first + column] }
                            }
                        }
                        BLAS.sgemm(
                            transposeA: false, transposeB: true, m: count, n: columns, k: d, alpha: 1, a: userVectors,
                            lda: width, b: table.baseAddress! + first * d, ldb: d, beta: 1, c: tile.baseAddress!,
                            ldc: columns)
                        for row in 0..<count {
                            let scores = tile.baseAddress! + row * columns
                            var cursor = scratch.cursors[row]
                            let adjustments = scratch.adjustments[row]
                            while cursor < adjustments.count, Int(adjustments[cursor].item) < first + columns {
                                let (item, _, addend) = adjustments[cursor]
                                let slot = Int(item) - first
                                if addend == -.infinity { scores[slot] = -.infinity } else { scores[slot] += addend }
                                cursor += 1
                            }
                            scratch.cursors[row] = cursor
                            scratch.selectors[row].offer(
                                UnsafeBufferPointer(start: scores, count: columns), firstIndex: Int32(first))
                        }
                        first += columns
                    }
                }
            }
        }
        for row in 0..<count {
            let found = scratch.picked.withUnsafeMutableBufferPointer { picked in
                scratch.pickedScores.withUnsafeMutableBufferPointer { scores in
                    scratch.selectors[row].finish(into: picked, scores: scores)
                }
            }
            scratch.picked.withUnsafeBufferPointer { picked in
                scratch.pickedScores.withUnsafeBufferPointer { scores in
                    emit(row, UnsafeBufferPointer(rebasing: picked[0..<found]), UnsafeBufferPointer(rebasing: scores[0..<found]))
                }
            }
        }
    }
}
