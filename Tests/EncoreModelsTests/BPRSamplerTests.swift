import EncoreCore
import EncoreNumerics
import Testing

@testable import EncoreModels

/// docs/design/lightgcn.md §11.6.
@Suite struct BPRSamplerTests {
    static func graph() -> SparseMatrix {
        var rng = SeededGenerator(seed: 8)
        var users = [Int32](), items = [Int32]()
        for u in 0..<40 {
            for _ in 0..<(1 + rng.nextInt(below: 12)) {
                users.append(Int32(u))
                items.append(Int32(rng.nextInt(below: 25)))
            }
        }
        // user 40 has no items and must never be drawn
        return SparseMatrix(rows: 41, columns: 25, rowIndices: users, columnIndices: items, duplicates: .keepFirst)
    }

    func draw(_ sampler: inout BPRSampler, count: Int) -> ([Int32], [Int32], [Int32]) {
        var u = [Int32](repeating: 0, count: count), p = u, n = u
        u.withUnsafeMutableBufferPointer { ub in
            p.withUnsafeMutableBufferPointer { pb in
                n.withUnsafeMutableBufferPointer { sampler.sample(users: ub, positives: pb, negatives: $0) }
            }
        }
        return (u, p, n)
    }

    @Test func positivesArePositivesAndNegativesAreNot() throws {
        let r = Self.graph()
        var sampler = try BPRSampler(interactions: r, seed: 1)
        #expect(sampler.tripletsPerEpoch == r.nonzeroCount)
        let (u, p, n) = draw(&sampler, count: 20_000)
        for t in 0..<u.count {
            #expect(u[t] != 40)
            #expect(r.contains(row: Int(u[t]), column: p[t]))
            #expect(!r.contains(row: Int(u[t]), column: n[t]))
        }
    }

    @Test func usersAreDrawnUniformly() throws {
        var sampler = try BPRSampler(interactions: Self.graph(), seed: 2)
        let draws = 40_000
        let (u, _, _) = draw(&sampler, count: draws)
        var counts = [Int](repeating: 0, count: 40)
        for user in u { counts[Int(user)] += 1 }
        let expected = Double(draws) / 40
        let chiSquare = counts.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        #expect(chiSquare < 72.05)  // χ²(39) at p = 0.001
    }

    @Test func sameSeedSameStream() throws {
        var a = try BPRSampler(interactions: Self.graph(), seed: 9)
        var b = try BPRSampler(interactions: Self.graph(), seed: 9)
        let x = draw(&a, count: 500), y = draw(&b, count: 500)
        #expect(x.0 == y.0 && x.1 == y.1 && x.2 == y.2)
    }

    @Test func emptyGraphIsRejected() {
        #expect(throws: ModelError.self) {
            try BPRSampler(interactions: SparseMatrix(rows: 2, columns: 2, rowIndices: [], columnIndices: []), seed: 1)
        }
    }
}
