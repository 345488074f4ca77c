import EncoreCore
import EncoreEvaluation
import EncoreNumerics
import Foundation

/// A seeded synthetic implicit-feedback data set with power-law degrees (benchmark input).
///
/// User degrees follow a Pareto law with a minimum of 10 (Gowalla is a 10-core), trimmed so the
/// training set has exactly `trainCount` pairs; items are chosen by power-law popularity
/// (weight ∝ rank^−0.8) under a seeded permutation of item ids. Each user additionally gets
/// about a quarter of its degree as distinct test items.
public enum SyntheticInteractionGraph {
    /// Generates the data set.
    public static func generate(users: Int, items: Int, trainCount: Int, seed: UInt64) throws -> InteractionDataset {
        var rng = SeededGenerator(seed: seed)
        let minimum = 10.0
        let alpha = 1.585
        let cap = min(items / 4, 2000)
        var degrees = (0..<users).map { _ -> Int in
            let u = Double(max(rng.nextUniform(), 1e-7))
            return min(cap, Int(minimum * pow(u, -1 / alpha)))
        }
        // Adjust to exactly trainCount.
        var total = degrees.reduce(0, +)
        while total != trainCount {
            let u = rng.nextInt(below: users)
            if total < trainCount, degrees[u] < cap {
                degrees[u] += 1
                total += 1
            } else if total > trainCount, degrees[u] > 1 {
                degrees[u] -= 1
                total -= 1
            }
        }
        // Item popularity: cumulative weights over a permuted id space.
        var permutation = (0..<items).map(Int32.init)
        permutation.withUnsafeMutableBufferPointer { rng.shuffle($0) }
        var cumulative = [Double](repeating: 0, count: items)
        var running = 0.0
        for rank in 0..<items {
            running += pow(Double(rank + 1), -0.8)
            cumulative[rank] = running
        }
        func drawItem() -> Int32 {
            let target = Double(rng.nextUniform()) * running
            var low = 0, high = items - 1
            while low < high {
                let middle = (low + high) / 2
                if cumulative[middle] < target { low = middle + 1 } else { high = middle }
            }
            return permutation[low]
        }
        var train = [(Int32, Int32)](), test = [(Int32, Int32)]()
        train.reserveCapacity(trainCount)
        for u in 0..<users {
            var seen = Set<Int32>()
            while seen.count < degrees[u] { seen.insert(drawItem()) }
            for item in seen.sorted() { train.append((Int32(u), item)) }
            let testCount = max(1, degrees[u] / 4)
            var held = Set<Int32>()
            while held.count < testCount {
                let item = drawItem()
                if !seen.contains(item) { held.insert(item) }
            }
            for item in held.sorted() { test.append((Int32(u), item)) }
        }
        return try InteractionDataset(userCount: users, itemCount: items, train: train, test: test)
    }
}
