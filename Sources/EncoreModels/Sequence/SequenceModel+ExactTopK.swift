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

/// The model's items as the rows [e_i, b_i] (d + 1 wide), so one GEMM with the user vectors'
/// first d + 1 coordinates [τu, v_d] gives ⟨τu, e_i⟩ + v_d·b_i, bias included. Built once per
/// model generation.
public final class SequenceScoringTable: Sendable {
    public let rows: [Float]
    public let width: Int
    public let itemCount: Int

    public init(model: SequenceModel) {
        let d = model.dimension, n = model.itemCount
        var rows = [Float](repeating: 0, count: n * (d + 1))
        model.items.vectors.withUnsafeBufferPointer { table in
            for item in 0..<n {
                for k in 0..<d { rows[item * (d + 1) + k] = table[item * d + k] }
                rows[item * (d + 1) + d] = model.parameters[model.layout.itemBias + item]
            }
        }
        self.rows = rows
        width = d + 1
        itemCount = n
    }
}

extension SequenceModel {
    /// Users scored together by ``exactTopK(userVectors:count:k:history:exclusions:scratch:emit:)``.
    public static let exactRows = 64

    /// The exact top-`k` items of up to ``exactRows`` short-head user vectors (row-major,
    /// ``vectorWidth`` each): score = ⟨v, e_i⟩ + v_d·b_i (one GEMM per tile of items against
    /// `table`, the bias a column of it), plus the
    /// repeat term of the row's `history`, with the row's `exclusions` never returned.
    ///
    /// The catalogue is scored tile by tile (``ExactScoringScratch/tileWidth`` items), each tile
    /// adjusted and scanned into a streaming top-K while it is still in cache, instead of writing
    /// and re-reading a full row of scores per user. `emit(row, items, scores)` receives each
    /// row's items, best first (ties toward the lower item).
    public func exactTopK<History: BidirectionalCollection, Exclusions: Sequence>(
        userVectors: UnsafePointer<Float>, count: Int, k: Int, table: SequenceScoringTable, history: (Int) -> History,
        exclusions: (Int) -> Exclusions, scratch: inout ExactScoringScratch,
        emit: (Int, UnsafeBufferPointer<Int32>, UnsafeBufferPointer<Float>) -> Void
    ) where History.Element == SequenceEvent, Exclusions.Element == Int32 {
        precondition(count <= Self.exactRows, "at most \(Self.exactRows) rows at once")
        precondition(table.width == dimension + 1 && table.itemCount == itemCount, "scoring table of another model")
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
        table.rows.withUnsafeBufferPointer { table in
            scratch.tile.withUnsafeMutableBufferPointer { tile in
                var first = 0
                while first < n {
                    let columns = min(tileWidth, n - first)
                    BLAS.sgemm(
                        transposeA: false, transposeB: true, m: count, n: columns, k: d + 1, alpha: 1, a: userVectors,
                        lda: width, b: table.baseAddress! + first * (d + 1), ldb: d + 1, beta: 0, c: tile.baseAddress!,
                        ldc: columns)
                    for row in 0..<count {
                        let scores = tile.baseAddress! + row * columns
                        var cursor = scratch.cursors[row]
                        scratch.adjustments[row].withUnsafeBufferPointer { adjustments in
                            while cursor < adjustments.count, Int(adjustments[cursor].item) < first + columns {
                                let (item, _, addend) = adjustments[cursor]
                                let slot = Int(item) - first
                                if addend == -.infinity { scores[slot] = -.infinity } else { scores[slot] += addend }
                                cursor += 1
                            }
                        }
                        scratch.cursors[row] = cursor
                        scratch.selectors[row].offer(
                            UnsafeBufferPointer(start: scores, count: columns), firstIndex: Int32(first))
                    }
                    first += columns
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
