import EncoreCore
import EncoreEvaluation
import EncoreNumerics
import Foundation
import Testing

@testable import EncoreModels

/// GTE: the reference loop and the closed form agree; the hand example of
/// docs/design/graph-models.md §7.2; masking and tie
/// rules; conformance.
@Suite struct GTETests {
    /// The reference algorithm, naively: dense U (M×N) = 0, I (N×N) = Id, k simultaneous steps
    /// U ← R·I + U, I ← Rᵀ·U + I (both from the previous values). Double precision.
    static func referenceLoop(_ r: [[Double]], steps: Int) -> [[Double]] {
        let m = r.count, n = r[0].count
        var u = [[Double]](repeating: [Double](repeating: 0, count: n), count: m)
        var i = (0..<n).map { a in (0..<n).map { b in a == b ? 1.0 : 0.0 } }
        for _ in 0..<steps {
            var nextU = u, nextI = i
            for a in 0..<m { for c in 0..<n { for b in 0..<n where r[a][b] != 0 { nextU[a][c] += r[a][b] * i[b][c] } } }
            for b in 0..<n { for c in 0..<n { for a in 0..<m where r[a][b] != 0 { nextI[b][c] += r[a][b] * u[a][c] } } }
            (u, i) = (nextU, nextI)
        }
        return u
    }

    static func sparse(_ dense: [[Double]]) -> SparseMatrix {
        var rows = [Int32](), columns = [Int32]()
        for (a, row) in dense.enumerated() {
            for (b, value) in row.enumerated() where value != 0 {
                rows.append(Int32(a))
                columns.append(Int32(b))
            }
        }
        return SparseMatrix(rows: dense.count, columns: dense[0].count, rowIndices: rows, columnIndices: columns)
    }

    static func model(_ r: SparseMatrix, steps: Int, threads: Int = 1) throws -> GTE {
        var configuration = GTEConfiguration()
        configuration.steps = steps
        configuration.threads = threads
        return try GTE(interactions: r, configuration: configuration)
    }

    static let specExample: [[Double]] = [[1, 1, 0], [0, 1, 1], [0, 0, 1]]

    @Test func specExampleByLoopAndClosedForm() throws {
        let expected: [[Double]] = [[5, 6, 1], [1, 6, 6], [0, 1, 5]]
        #expect(Self.referenceLoop(Self.specExample, steps: 3) == expected)
        let scores = try Self.model(Self.sparse(Self.specExample), steps: 3).scores(users: [0, 1, 2])
        for u in 0..<3 { #expect(scores.row(u).map(Double.init) == expected[u]) }
    }

    @Test func specExampleRankingAfterMasking() throws {
        let r = Self.sparse(Self.specExample)
        let lists = try Self.model(r, steps: 3).recommend(users: [0, 1, 2], k: 2, excluding: r)
        #expect(lists[0].first == 2)  // score 1
        #expect(lists[1].first == 0)  // score 1
        #expect(lists[2] == [1, 0])  // scores 1, then 0
        // k = 4 (4R RᵀR + 4R) ranks like k = 3.
        let four = try Self.model(r, steps: 4).recommend(users: [0, 1, 2], k: 2, excluding: r)
        #expect(four == lists)
    }

    /// A seeded random 7 × 9 graph with a user of degree 0 and an item nobody has.
    static func randomGraph(seed: UInt64) -> [[Double]] {
        var rng = SeededGenerator(seed: seed)
        var dense = (0..<7).map { _ in (0..<9).map { _ in rng.nextUniform() < 0.3 ? 1.0 : 0.0 } }
        dense[3] = [Double](repeating: 0, count: 9)
        for u in 0..<7 { dense[u][8] = 0 }
        dense[0][0] = 1
        return dense
    }

    @Test(arguments: [3, 4, 5, 6])
    func closedFormEqualsReferenceLoop(steps: Int) throws {
        let dense = Self.randomGraph(seed: UInt64(40 + steps))
        let expected = Self.referenceLoop(dense, steps: steps)
        let scores = try Self.model(Self.sparse(dense), steps: steps, threads: 2).scores(users: (0..<7).map(Int32.init))
        for u in 0..<7 {
            for i in 0..<9 { #expect(Double(scores[u, i]) == expected[u][i], "user \(u) item \(i) k \(steps)") }
        }
    }

    @Test func cooccurrenceIsRtRAndThreadIndependent() throws {
        let dense = Self.randomGraph(seed: 5)
        let r = Self.sparse(dense)
        let one = GTECooccurrence.build(r, threads: 1), two = GTECooccurrence.build(r, threads: 2)
        #expect(one == two)
        let c = one.dense()
        for a in 0..<9 {
            for b in 0..<9 {
                let expected = (0..<7).reduce(0.0) { $0 + dense[$1][a] * dense[$1][b] }
                #expect(Double(c[a, b]) == expected)
            }
        }
    }

    @Test func rejectsDegenerateDepths() {
        var configuration = GTEConfiguration()
        configuration.steps = 2
        #expect(throws: ModelError.self) {
            try GTE(interactions: Self.sparse(Self.specExample), configuration: configuration)
        }
    }

    @Test func gtePassesTheConformanceSuite() throws {
        var configuration = GTEConfiguration()
        configuration.threads = 2
        try BatchRecommenderConformance.check(GTE.self, configuration: configuration)
    }
}
