/// Indices of the largest values by partial selection (a size-k min-heap), never a full sort.
public enum TopSelection {
    /// The indices of the `k` largest values, largest first; ties broken by the lower index.
    public static func largest(_ k: Int, of values: [Double]) -> [Int32] {
        guard k > 0, !values.isEmpty else { return [] }
        var heap: [(value: Double, index: Int32)] = []
        heap.reserveCapacity(k)
        // "a is worse than b": smaller value, or equal value and larger index.
        func worse(_ a: (value: Double, index: Int32), _ b: (value: Double, index: Int32)) -> Bool {
            a.value < b.value || (a.value == b.value && a.index > b.index)
        }
        func siftDown(_ start: Int) {
            var parent = start
            while true {
                let left = 2 * parent + 1
                let right = left + 1
                var smallest = parent
                if left < heap.count, worse(heap[left], heap[smallest]) { smallest = left }
                if right < heap.count, worse(heap[right], heap[smallest]) { smallest = right }
                if smallest == parent { return }
                heap.swapAt(parent, smallest)
                parent = smallest
            }
        }
        for (position, value) in values.enumerated() {
            let entry = (value: value, index: Int32(position))
            if heap.count < k {
                heap.append(entry)
                var child = heap.count - 1
                while child > 0 {
                    let parent = (child - 1) / 2
                    guard worse(heap[child], heap[parent]) else { break }
                    heap.swapAt(child, parent)
                    child = parent
                }
            } else if worse(heap[0], entry) {
                heap[0] = entry
                siftDown(0)
            }
        }
        return heap.sorted { worse($1, $0) }.map(\.index)
    }
}
