/// Top-K selection by partial selection (a bounded min-heap), never a full sort.
///
/// Order: higher score first; exactly equal scores break toward the lower index. Entries
/// equal to −∞ or NaN (masked) are never selected, so fewer than `k` results come back when
/// fewer valid entries exist. Cost O(n + k log k) typical, O(n log k) worst case.
public struct TopKSelector: Sendable {
    /// Number of entries to keep.
    public let k: Int
    private var heapScores: [Float]
    private var heapIndices: [Int32]

    /// Creates a selector with reusable scratch for `k` entries.
    public init(k: Int) {
        precondition(k >= 0, "k must be non-negative")
        self.k = k
        heapScores = []
        heapIndices = []
        heapScores.reserveCapacity(k)
        heapIndices.reserveCapacity(k)
    }

    /// Whether entry a ranks below entry b (lower score, or equal score and higher index).
    @inline(__always)
    private static func worse(_ sa: Float, _ ia: Int32, _ sb: Float, _ ib: Int32) -> Bool {
        sa < sb || (sa == sb && ia > ib)
    }

    /// Selects the best `k` entries of `scores` and writes their indices, best first.
    ///
    /// - Parameters:
    ///   - scores: One score per index.
    ///   - output: Receives up to `k` indices.
    /// - Returns: The number of indices written.
    @discardableResult
    public mutating func select(_ scores: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Int32>)
        -> Int
    {
        precondition(output.count >= k, "output too small for k")
        reset()
        offer(scores, firstIndex: 0)
        return finish(into: output)
    }

    /// Starts a selection fed in pieces (``offer(_:firstIndex:)``, then ``finish(into:)``).
    public mutating func reset() {
        heapScores.removeAll(keepingCapacity: true)
        heapIndices.removeAll(keepingCapacity: true)
    }

    /// Offers the scores of indices `firstIndex ..< firstIndex + scores.count`. Pieces must come
    /// in increasing index order (equal scores then keep the earlier, lower index, as ``select(_:into:)``).
    ///
    /// Once `k` entries are held, a score is compared with the current k-th best held in a
    /// register and skipped unless it beats it, so a long scan costs little more than reading
    /// the scores.
    public mutating func offer(_ scores: UnsafeBufferPointer<Float>, firstIndex: Int32) {
        guard k > 0, let base = scores.baseAddress else { return }
        let count = scores.count
        var i = 0
        while i < count, heapScores.count < k {
            consider(base[i], firstIndex + Int32(i))
            i += 1
        }
        guard i < count else { return }
        // Strictly better only: an equal later score has a higher index and ranks lower.
        var threshold = heapScores[0]
        while i < count {
            let score = base[i]
            if score > threshold {
                consider(score, firstIndex + Int32(i))
                threshold = heapScores[0]
            }
            i += 1
        }
    }

    @inline(__always)
    private mutating func consider(_ s: Float, _ index: Int32) {
        guard s > -Float.infinity else { return }  // skips −∞ and NaN
        if heapScores.count < k {
            heapScores.append(s)
            heapIndices.append(index)
            siftUp(heapScores.count - 1)
        } else if Self.worse(heapScores[0], heapIndices[0], s, index) {
            heapScores[0] = s
            heapIndices[0] = index
            siftDown(0)
        }
    }

    /// Writes the selection's indices, best first, and returns how many (at most `k`).
    @discardableResult
    public mutating func finish(into output: UnsafeMutableBufferPointer<Int32>) -> Int {
        finish(into: output, scores: nil)
    }

    /// Writes the selection's indices and (if given a buffer) their scores, best first, and
    /// returns how many (at most `k`).
    @discardableResult
    public mutating func finish(
        into output: UnsafeMutableBufferPointer<Int32>, scores: UnsafeMutableBufferPointer<Float>?
    ) -> Int {
        precondition(output.count >= min(k, heapScores.count), "output too small for k")
        precondition((scores?.count ?? k) >= min(k, heapScores.count), "scores too small for k")
        // Pop the min repeatedly; fill the output from the back.
        let count = heapScores.count
        var position = count - 1
        while !heapScores.isEmpty {
            output[position] = heapIndices[0]
            scores?[position] = heapScores[0]
            position -= 1
            let last = heapScores.count - 1
            heapScores.swapAt(0, last)
            heapIndices.swapAt(0, last)
            heapScores.removeLast()
            heapIndices.removeLast()
            if !heapScores.isEmpty { siftDown(0) }
        }
        return count
    }

    /// Convenience: the best `k` indices of an array, best first.
    public mutating func select(_ scores: [Float]) -> [Int32] {
        var output = [Int32](repeating: 0, count: k)
        let count = scores.withUnsafeBufferPointer { s in
            output.withUnsafeMutableBufferPointer { select(s, into: $0) }
        }
        return Array(output.prefix(count))
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            if Self.worse(heapScores[child], heapIndices[child], heapScores[parent], heapIndices[parent]) {
                heapScores.swapAt(child, parent)
                heapIndices.swapAt(child, parent)
                child = parent
            } else {
                return
            }
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        let count = heapScores.count
        while true {
            let left = 2 * parent + 1
            if left >= count { return }
            var smallest = left
            let right = left + 1
            if right < count, Self.worse(heapScores[right], heapIndices[right], heapScores[left], heapIndices[left]) {
                smallest = right
            }
            if Self.worse(heapScores[smallest], heapIndices[smallest], heapScores[parent], heapIndices[parent]) {
                heapScores.swapAt(smallest, parent)
                heapIndices.swapAt(smallest, parent)
                parent = smallest
            } else {
                return
            }
        }
    }
}
