import EncoreCore
import EncoreNumerics
import Foundation
import Testing

@testable import EncoreModels

/// docs/design/lightgcn.md §11, tests 1–5: normalisation, propagation, loss, gradient exactness.
@Suite struct LightGCNMathTests {
    static func handGraph() -> SparseMatrix {
        // u0–i0, u0–i1, u1–i1
        SparseMatrix(rows: 2, columns: 2, rowIndices: [0, 0, 1], columnIndices: [0, 1, 1])
    }

    static func model(ego: Matrix, userCount: Int, itemCount: Int, configuration: LightGCNConfiguration) -> LightGCN {
        LightGCN(
            configuration: configuration, userCount: userCount, itemCount: itemCount, egoEmbeddings: ego,
            embeddings: ego,
            dataFingerprint: "", trainedEpochs: 0)
    }

    @Test func normalisationHandCase() {
        let a = NormalizedAdjacency.build(interactions: Self.handGraph()).dense()
        // node order u0, u1, i0, i1
        #expect(abs(a[0, 2] - 0.70711) < 1e-5 && abs(a[2, 0] - 0.70711) < 1e-5)
        #expect(abs(a[0, 3] - 0.5) < 1e-6 && abs(a[3, 0] - 0.5) < 1e-6)
        #expect(abs(a[1, 3] - 0.70711) < 1e-5 && a[1, 2] == 0 && a[0, 0] == 0)
        var a2 = Matrix(rows: 4, columns: 4)
        BLAS.sgemm(a, a, into: &a2)
        let expected: [[Float]] = [
            [0.75, 0.35355, 0, 0], [0.35355, 0.5, 0, 0], [0, 0, 0.5, 0.35355], [0, 0, 0.35355, 0.75],
        ]
        for r in 0..<4 { for c in 0..<4 { #expect(abs(a2[r, c] - expected[r][c]) < 1e-5) } }
    }

    @Test func isolatedNodeGetsZeroRow() {
        let r = SparseMatrix(rows: 2, columns: 2, rowIndices: [0], columnIndices: [0])
        let a = NormalizedAdjacency.build(interactions: r)
        #expect(a.rowLength(1) == 0 && a.rowLength(3) == 0)
        #expect(a.values.allSatisfy { $0.isFinite })
    }

    @Test func propagationOfIdentity() throws {
        var configuration = LightGCNConfiguration()
        configuration.embeddingDimension = 4
        configuration.layerCount = 2
        var identity = Matrix(rows: 4, columns: 4)
        for i in 0..<4 { identity[i, i] = 1 }
        let trainer = try LightGCNTrainer(
            interactions: Self.handGraph(), configuration: configuration,
            warmStart: Self.model(ego: identity, userCount: 2, itemCount: 2, configuration: configuration))
        let e = trainer.propagatedEmbeddings()
        let expected: [Float] = [0.58333, 0.11785, 0.23570, 0.16667]
        for c in 0..<4 { #expect(abs(e[0, c] - expected[c]) < 1e-5) }
    }

    @Test func lossHandCase() throws {
        var configuration = LightGCNConfiguration()
        configuration.embeddingDimension = 2
        configuration.layerCount = 0
        configuration.batchSize = 1
        let ego = Matrix(rows: 3, columns: 2, storage: [1, 0, 0.5, 0.5, -0.5, 1])
        let r = SparseMatrix(rows: 1, columns: 2, rowIndices: [0], columnIndices: [0])
        let trainer = try LightGCNTrainer(
            interactions: r, configuration: configuration,
            warmStart: Self.model(ego: ego, userCount: 1, itemCount: 2, configuration: configuration))
        let (loss, _) = trainer.lossAndGradient(users: [0], positives: [0], negatives: [1])
        #expect(abs(loss - 0.3133992) < 1e-6)
    }

    /// A 3-user × 4-item graph, d = 3, four triplets (with a repeated row).
    static let tinyEdges = [(0, 0), (0, 1), (1, 1), (1, 2), (2, 3), (2, 0)]
    static let tinyTriplets = [(0, 0, 2), (1, 2, 3), (2, 3, 1), (0, 1, 3)]

    static func tinySetup(layers: Int, seed: UInt64) throws -> (LightGCNTrainer, DenseLightGCNReference, [[Double]]) {
        var configuration = LightGCNConfiguration()
        configuration.embeddingDimension = 3
        configuration.layerCount = layers
        configuration.batchSize = 4
        configuration.seed = seed
        configuration.threads = 2
        let r = SparseMatrix(
            rows: 3, columns: 4, rowIndices: tinyEdges.map { Int32($0.0) }, columnIndices: tinyEdges.map { Int32($0.1) }
        )
        let trainer = try LightGCNTrainer(interactions: r, configuration: configuration)
        let reference = DenseLightGCNReference(
            interactions: tinyEdges, userCount: 3, itemCount: 4, layers: layers,
            lambda: Double(configuration.regularization), width: 3)
        let ego = trainer.egoEmbeddings
        let egoRows = (0..<7).map { r in (0..<3).map { Double(ego[r, $0]) } }
        return (trainer, reference, egoRows)
    }

    /// Finite differences of the Float64 reference agree with its analytic gradient to 1e-6,
    /// and the production Float32 gradient agrees with both.
    @Test(arguments: [0, 1, 2, 3])
    func gradientCheck(layers: Int) throws {
        let (trainer, reference, ego) = try Self.tinySetup(layers: layers, seed: 17)
        let analytic = reference.gradient(ego, Self.tinyTriplets)
        let step = 1e-6
        var worst = 0.0
        for r in 0..<7 {
            for k in 0..<3 {
                var plus = ego, minus = ego
                plus[r][k] += step
                minus[r][k] -= step
                let numeric =
                    (reference.loss(plus, Self.tinyTriplets) - reference.loss(minus, Self.tinyTriplets)) / (2 * step)
                let scale = max(abs(numeric), abs(analytic[r][k]), 1e-3)
                worst = max(worst, abs(numeric - analytic[r][k]) / scale)
            }
        }
        #expect(worst < 1e-6)

        let (loss, gradient) = trainer.lossAndGradient(
            users: Self.tinyTriplets.map { Int32($0.0) }, positives: Self.tinyTriplets.map { Int32($0.1) },
            negatives: Self.tinyTriplets.map { Int32($0.2) })
        #expect(abs(loss - reference.loss(ego, Self.tinyTriplets)) < 1e-6)
        for r in 0..<7 {
            for k in 0..<3 {
                #expect(abs(Double(gradient[r, k]) - analytic[r][k]) < 1e-6)
            }
        }
    }

    /// Equality with the naive dense implementation on a larger random graph (d = 64, K = 3,
    /// threaded SpMM, partial hops), and the propagated table equals M·E⁽⁰⁾.
    @Test func matchesDenseReferenceOnRandomGraph() throws {
        var rng = SeededGenerator(seed: 5)
        var edges = Set<[Int]>()
        while edges.count < 120 { edges.insert([rng.nextInt(below: 20), rng.nextInt(below: 30)]) }
        let list = edges.sorted { $0.lexicographicallyPrecedes($1) }.map { ($0[0], $0[1]) }
        var configuration = LightGCNConfiguration()
        configuration.threads = 2
        configuration.batchSize = 64
        let r = SparseMatrix(
            rows: 20, columns: 30, rowIndices: list.map { Int32($0.0) }, columnIndices: list.map { Int32($0.1) })
        let trainer = try LightGCNTrainer(interactions: r, configuration: configuration)
        let reference = DenseLightGCNReference(
            interactions: list, userCount: 20, itemCount: 30, layers: 3, lambda: 1e-4, width: 64)
        let egoMatrix = trainer.egoEmbeddings
        let ego = (0..<50).map { row in (0..<64).map { Double(egoMatrix[row, $0]) } }
        var triplets = [(Int, Int, Int)]()
        for _ in 0..<40 {
            let (u, i) = list[rng.nextInt(below: list.count)]
            var j = rng.nextInt(below: 30)
            while edges.contains([u, j]) { j = rng.nextInt(below: 30) }
            triplets.append((u, i, j))
        }
        let propagated = trainer.propagatedEmbeddings()
        let expected = reference.propagate(ego)
        for row in 0..<50 { for k in 0..<64 { #expect(abs(Double(propagated[row, k]) - expected[row][k]) < 1e-5) } }
        let (loss, gradient) = trainer.lossAndGradient(
            users: triplets.map { Int32($0.0) }, positives: triplets.map { Int32($0.1) },
            negatives: triplets.map { Int32($0.2) })
        #expect(abs(loss - reference.loss(ego, triplets)) < 1e-5)
        let analytic = reference.gradient(ego, triplets)
        var worst = 0.0
        for row in 0..<50 { for k in 0..<64 { worst = max(worst, abs(Double(gradient[row, k]) - analytic[row][k])) } }
        #expect(worst < 1e-6)
    }

    /// K = 0 is matrix-factorisation BPR: the gradient touches only the batch rows.
    @Test func zeroLayersIsMatrixFactorisationBPR() throws {
        let (trainer, _, ego) = try Self.tinySetup(layers: 0, seed: 3)
        let (_, gradient) = trainer.lossAndGradient(users: [0], positives: [0], negatives: [2])
        // MF-BPR by hand: x = e_u·(e_j − e_i), s = σ(x).
        let eu = ego[0], ei = ego[3 + 0], ej = ego[3 + 2]
        let x = (0..<3).reduce(0.0) { $0 + eu[$1] * (ej[$1] - ei[$1]) }
        let s = 1 / (1 + exp(-x))
        for k in 0..<3 {
            #expect(abs(Double(gradient[0, k]) - (s * (ej[k] - ei[k]) + 1e-4 * eu[k])) < 1e-6)
            #expect(abs(Double(gradient[3, k]) - (-s * eu[k] + 1e-4 * ei[k])) < 1e-6)
            #expect(abs(Double(gradient[5, k]) - (s * eu[k] + 1e-4 * ej[k])) < 1e-6)
            for untouched in [1, 2, 4, 6] { #expect(gradient[untouched, k] == 0) }
        }
    }
}
