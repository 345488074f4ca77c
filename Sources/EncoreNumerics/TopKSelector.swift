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
        heapScores.removeAll(keepingCapacity: true)
        heapIndices.removeAll(keepingCapacity: true)
        guard k > 0 else { return 0 }
        for i in 0..<scores.count {
            let s = scores[i]
            guard s > -Float.infinity else { continue }  // skips −∞ and NaN
            if heapScores.count < k {
                heapScores.append(s)
                heapIndices.append(Int32(i))
                siftUp(heapScores.count - 1)
            } else if Self.worse(heapScores[0], heapIndices[0], s, Int32(i)) {
                heapScores[0] = s
                heapIndices[0] = Int32(i)
                siftDown(0)
            }
        }
        // Pop the min repeatedly; fill the output from the back.
        let count = heapScores.count
        var position = count - 1
        while !heapScores.isEmpty {
            output[position] = heapIndices[0]
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
