import EncoreCore

/// Walker's alias method (Vose's construction): O(1) draws from a fixed discrete distribution.
///
/// Each of the n columns keeps the probability of itself and one alias; a draw picks a column
/// uniformly and then one of its two outcomes:
/// ```
/// i = uniform(0..<n);  return uniform[0, 1) < keep[i] ? i : alias[i]
/// ```
/// Two random numbers and two memory reads per draw, instead of a binary search over the
/// cumulative sums (whose mispredicted branches dominated track sampling). Construction uses
/// only deterministic `Double` arithmetic, so the same weights give the same table everywhere.
struct AliasTable: Sendable {
    private let keep: [Double]
    private let alias: [Int32]

    /// Builds the table for non-negative `weights` with a positive sum.
    init(weights: [Double]) {
        let count = weights.count
        precondition(count > 0, "an alias table needs at least one weight")
        let total = weights.reduce(0, +)
        precondition(total > 0, "an alias table needs a positive total weight")
        var scaled = weights.map { $0 * Double(count) / total }
        var keep = [Double](repeating: 1, count: count)
        var alias = [Int32](repeating: 0, count: count)
        var small: [Int] = []
        var large: [Int] = []
        for index in 0..<count {
            alias[index] = Int32(index)
            if scaled[index] < 1 { small.append(index) } else { large.append(index) }
        }
        while let less = small.popLast(), let more = large.last {
            keep[less] = scaled[less]
            alias[less] = Int32(more)
            scaled[more] = (scaled[more] + scaled[less]) - 1
            if scaled[more] < 1 {
                large.removeLast()
                small.append(more)
            }
        }
        // Leftovers (rounding) keep themselves with probability 1.
        self.keep = keep
        self.alias = alias
    }

    /// One draw: an index with probability proportional to its weight.
    func sample(using generator: inout SeededGenerator) -> Int {
        let column = generator.nextInt(below: keep.count)
        return generator.nextUnit() < keep[column] ? column : Int(alias[column])
    }
}
