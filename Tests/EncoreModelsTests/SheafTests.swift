import EncoreCore
import EncoreEvaluation
import EncoreNumerics
import Foundation
import Testing

@testable import EncoreModels

extension SheafTrainer {
    /// Δ of one layer as a dense matrix, read from the CSR caches of the last forward pass.
    func denseLaplacian(layer: Int) -> [[Double]] {
        var delta = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        let r = scale + layer * n, values = entryValues + layer * 2 * edgeCount
        for s in 0..<n {
            delta[s][s] = Double(1 - r[s] * r[s])
            for entry in graph.offsets[s]..<graph.offsets[s + 1] {
                delta[s][Int(graph.neighbours[entry])] -= Double(values[entry])
            }
        }
        return delta
    }
}

/// docs/design/graph-models.md §7.3: fused maps equal the concatenated form, Δ symmetric PSD and equal
/// to the dense formula, gradient check of every parameter, α = 0 is the identity.
@Suite struct SheafMathTests {
    static let tinyEdges = [(0, 0), (0, 1), (1, 1), (1, 2), (2, 3), (2, 0)]
    static let tinyTriplets = [(0, 0, 2), (1, 2, 3), (2, 3, 1), (0, 1, 3)]

    static func setup(
        edges: [(Int, Int)], users: Int, items: Int, d: Int, layers: Int, alpha: Float = 1, std: Float = 0.5,
        threads: Int = 2, seed: UInt64 = 17
    ) throws -> (SheafTrainer, SheafDenseReference, [Double]) {
        var configuration = SheafConfiguration()
        configuration.embeddingDimension = d
        configuration.layerCount = layers
        configuration.stepSize = alpha
        configuration.initialStandardDeviation = std
        configuration.threads = threads
        configuration.seed = seed
        configuration.batchSize = 64
        let r = SparseMatrix(
            rows: users, columns: items, rowIndices: edges.map { Int32($0.0) }, columnIndices: edges.map { Int32($0.1) }
        )
        let trainer = try SheafTrainer(interactions: r, configuration: configuration)
        let reference = SheafDenseReference(
            edges: edges, userCount: users, itemCount: items, width: d, layers: layers, alpha: Double(alpha),
            lambda: Double(configuration.regularization))
        return (trainer, reference, trainer.parameterVector.map(Double.init))
    }

    /// Finite differences (Float64 dense reference, central, step 1e-6) against the hand-written
    /// Float32 backward pass, for X⁰ and every w₁, w₂, W, b, on a 3 × 4 graph with K = 2.
    @Test(arguments: [0, 1, 2])
    func gradientCheck(layers: Int) throws {
        let (trainer, reference, parameters) = try Self.setup(
            edges: Self.tinyEdges, users: 3, items: 4, d: 3, layers: layers)
        let (loss, gradient) = trainer.lossAndGradient(
            users: Self.tinyTriplets.map { Int32($0.0) }, positives: Self.tinyTriplets.map { Int32($0.1) },
            negatives: Self.tinyTriplets.map { Int32($0.2) })
        #expect(abs(loss - reference.loss(parameters, Self.tinyTriplets)) < 1e-5)
        let step = 1e-6
        var worst = 0.0
        var largest = 0.0
        for index in parameters.indices {
            var plus = parameters, minus = parameters
            plus[index] += step
            minus[index] -= step
            let numeric =
                (reference.loss(plus, Self.tinyTriplets) - reference.loss(minus, Self.tinyTriplets)) / (2 * step)
            worst = max(worst, abs(numeric - Double(gradient[index])) / max(abs(numeric), 1e-2))
            largest = max(largest, abs(numeric))
        }
        #expect(worst < 1e-3)
        #expect(largest > 1e-2)  // the check is not vacuous
    }

    static func randomGraph(users: Int, items: Int, edges: Int, seed: UInt64) -> [(Int, Int)] {
        var rng = SeededGenerator(seed: seed)
        var set = Set<[Int]>()
        while set.count < edges { set.insert([rng.nextInt(below: users), rng.nextInt(below: items)]) }
        return set.sorted { $0.lexicographicallyPrecedes($1) }.map { ($0[0], $0[1]) }
    }

    /// The fused, CSR, multi-threaded forward pass equals the dense concatenated-map form.
    @Test func readoutMatchesDenseReference() throws {
        let edges = Self.randomGraph(users: 12, items: 15, edges: 50, seed: 5)
        let (trainer, reference, parameters) = try Self.setup(edges: edges, users: 12, items: 15, d: 8, layers: 3)
        let readout = trainer.readout()
        let states = reference.forward(parameters)
        var worst = 0.0
        for s in 0..<27 {
            for layer in 0...3 {
                for k in 0..<8 { worst = max(worst, abs(Double(readout[s, layer * 8 + k]) - states[layer][s][k])) }
            }
        }
        #expect(worst < 1e-4)
        // The last layer differs from the first (the layers do something).
        #expect(abs(Double(readout[0, 24]) - states[0][0][0]) > 1e-4)
    }

    /// The d = 64 SIMD kernels: readout and gradient equal the dense reference and finite differences.
    @Test func simdWidthMatchesDenseReference() throws {
        let edges = Self.randomGraph(users: 5, items: 6, edges: 14, seed: 13)
        let (trainer, reference, parameters) = try Self.setup(
            edges: edges, users: 5, items: 6, d: 64, layers: 2, std: 0.2)
        let readout = trainer.readout()
        let states = reference.forward(parameters)
        var worst = 0.0
        for s in 0..<11 {
            for layer in 0...2 {
                for k in 0..<64 { worst = max(worst, abs(Double(readout[s, layer * 64 + k]) - states[layer][s][k])) }
            }
        }
        #expect(worst < 1e-4)
        let triplets = [(0, 1, 2), (3, 4, 5), (4, 0, 3)].filter { t in !edges.contains { $0 == (t.0, t.2) } }
        let (_, gradient) = trainer.lossAndGradient(
            users: triplets.map { Int32($0.0) }, positives: triplets.map { Int32($0.1) },
            negatives: triplets.map { Int32($0.2) })
        // Finite differences on a sample of parameters: X⁰ rows, w₁, w₂, W and b of layer 0.
        let base = 11 * 64
        let sample = [0, 70, 300, 700] + [base, base + 64, base + 130, base + 64 * 66 + 5, base + 128 + 64 * 64 + 3]
        for index in sample {
            var plus = parameters, minus = parameters
            plus[index] += 1e-6
            minus[index] -= 1e-6
            let numeric = (reference.loss(plus, triplets) - reference.loss(minus, triplets)) / 2e-6
            #expect(abs(numeric - Double(gradient[index])) < 1e-3 * max(abs(numeric), 1e-2))
        }
    }

    /// Δ via CSR equals the dense formula; it is symmetric and positive semi-definite.
    @Test func laplacianIsSymmetricPSDAndMatchesDenseFormula() throws {
        let edges = Self.randomGraph(users: 10, items: 12, edges: 40, seed: 9)
        let (trainer, reference, parameters) = try Self.setup(edges: edges, users: 10, items: 12, d: 4, layers: 2)
        _ = trainer.readout()
        let states = reference.forward(parameters)
        var rng = SeededGenerator(seed: 3)
        for layer in 0..<2 {
            let ours = trainer.denseLaplacian(layer: layer)
            let dense = reference.laplacian(states[layer], parameters: parameters, layer: layer)
            for r in 0..<22 {
                for c in 0..<22 {
                    #expect(abs(ours[r][c] - dense[r][c]) < 1e-5)
                    #expect(abs(ours[r][c] - ours[c][r]) < 1e-6)
                }
            }
            for _ in 0..<50 {
                let v = (0..<22).map { _ in Double(rng.nextNormal()) }
                var quadratic = 0.0
                for r in 0..<22 { for c in 0..<22 { quadratic += v[r] * ours[r][c] * v[c] } }
                #expect(quadratic >= -1e-6)
            }
        }
    }

    /// With α = 0 every layer returns its input.
    @Test func zeroStepIsIdentity() throws {
        let edges = Self.randomGraph(users: 6, items: 7, edges: 15, seed: 2)
        let (trainer, _, _) = try Self.setup(edges: edges, users: 6, items: 7, d: 5, layers: 3, alpha: 0)
        let readout = trainer.readout()
        for s in 0..<13 {
            for layer in 1...3 { for k in 0..<5 { #expect(readout[s, layer * 5 + k] == readout[s, k]) } }
        }
    }
}

@Suite struct SheafTrainingTests {
    static func configuration(threads: Int) -> SheafConfiguration {
        var configuration = SheafConfiguration()
        configuration.embeddingDimension = 16
        configuration.layerCount = 2
        configuration.epochs = 2
        configuration.batchSize = 64
        configuration.threads = threads
        return configuration
    }

    @Test func trainingIsIndependentOfThreadCount() throws {
        let data = try BatchRecommenderConformance.syntheticData()
        let one = try SheafRecommender.fit(interactions: data.train, configuration: Self.configuration(threads: 1))
        let two = try SheafRecommender.fit(interactions: data.train, configuration: Self.configuration(threads: 2))
        // Equal to OpenBLAS's rounding: the thread count changes how it splits a GEMM (BLASRounding).
        #expect(BLASRounding.agree(one.parameters, two.parameters))
        #expect(BLASRounding.agree(one.readout.storage, two.readout.storage))
        #expect(one.trainedEpochs == 2)
    }

    @Test func invalidConfigurationIsRejected() throws {
        var configuration = SheafConfiguration()
        configuration.embeddingDimension = 0
        let data = try BatchRecommenderConformance.syntheticData()
        let error = #expect(throws: ModelError.self) {
            try SheafRecommender.fit(interactions: data.train, configuration: configuration)
        }
        #expect(error?.reason.contains("embeddingDimension") == true)
    }

    @Test func sheafPassesTheConformanceSuite() throws {
        var configuration = SheafConfiguration()
        configuration.embeddingDimension = 16
        configuration.layerCount = 2
        configuration.epochs = 30
        configuration.batchSize = 64
        configuration.learningRate = 0.01
        configuration.regularization = 1e-3
        configuration.threads = 2
        try BatchRecommenderConformance.check(SheafRecommender.self, configuration: configuration)
    }
}

/// The reference's evaluation bug (scores × (1 − train)) reproduced on purpose, beside Encore's
/// −∞ mask: with negative unseen scores the zeroed training item would be recommended.
@Suite struct SheafMaskingParityTests {
    @Test func multiplicativeMaskLetsTrainingItemsIn() throws {
        var configuration = SheafConfiguration()
        configuration.embeddingDimension = 2
        configuration.layerCount = 0
        // One user; item 0 is a training item; items 1–3 are unseen with negative scores.
        let table: [Float] = [1, 0, 2, 0, -1, 0, -2, 0, -0.5, 0]
        let model = SheafRecommender(
            configuration: configuration, userCount: 1, itemCount: 4, parameters: table,
            readout: Matrix(rows: 5, columns: 2, storage: table), dataFingerprint: "", trainedEpochs: 0)
        let train = SparseMatrix(rows: 1, columns: 4, rowIndices: [0], columnIndices: [0])
        var scores = model.scores(users: [0])
        for item in train.columns(inRow: 0) { scores[0, Int(item)] *= 0 }  // the reference's mask
        var selector = TopKSelector(k: 2)
        #expect(selector.select(scores.row(0)) == [0, 3])  // training item 0 ranks first
        #expect(model.recommend(users: [0], k: 2, excluding: train)[0] == [3, 1])
    }
}
