import EncoreCore
import EncoreEvaluation
import EncoreNumerics
import Foundation
import Testing

@testable import EncoreModels

/// DCCF (docs/design/graph-models.md §7.1): naive-forward equivalence, finite-difference gradient
/// check through full layers, tiled InfoNCE equals the untiled form, mask normalisation, zero
/// prototypes give a zero intent view, thread independence, conformance.
@Suite struct DCCFTests {
    /// A 3-user × 4-item graph and four triplets (a repeated user and item).
    static let edges = [(0, 0), (0, 1), (1, 1), (1, 2), (2, 3), (2, 0)]
    static let triplets = [(0, 0, 2), (1, 2, 3), (2, 3, 1), (0, 1, 3)]

    static func configuration(threads: Int = 1) -> DCCFConfiguration {
        var configuration = DCCFConfiguration()
        configuration.embeddingDimension = 4
        configuration.prototypeCount = 3
        configuration.layerCount = 2
        configuration.batchSize = 4
        configuration.temperature = 0.5
        configuration.contrastWeight = 0.5
        configuration.embeddingRegularization = 0.01
        configuration.prototypeRegularization = 0.02
        configuration.contrastTileRows = 2
        configuration.threads = threads
        return configuration
    }

    /// A trainer on the tiny graph whose parameters are N(0, 0.5²) (through a warm start), so
    /// that every term of the loss has a sizeable gradient.
    static func trainer(
        _ configuration: DCCFConfiguration, seed: UInt64 = 3, zeroPrototypes: Bool = false
    ) throws -> DCCFTrainer {
        let r = SparseMatrix(
            rows: 3, columns: 4, rowIndices: edges.map { Int32($0.0) }, columnIndices: edges.map { Int32($0.1) })
        var rng = SeededGenerator(seed: seed)
        let d = configuration.embeddingDimension, kp = configuration.prototypeCount
        let ego = Matrix(rows: 7, columns: d, normalMean: 0, std: 0.5, using: &rng)
        let cu = zeroPrototypes ? Matrix(rows: d, columns: kp) : Matrix(rows: d, columns: kp, normalMean: 0, std: 0.5, using: &rng)
        let ci = zeroPrototypes ? Matrix(rows: d, columns: kp) : Matrix(rows: d, columns: kp, normalMean: 0, std: 0.5, using: &rng)
        let warm = DCCF(
            configuration: configuration, userCount: 3, itemCount: 4, egoEmbeddings: ego, userPrototypes: cu,
            itemPrototypes: ci, embeddings: ego, dataFingerprint: "", trainedEpochs: 0)
        return try DCCFTrainer(interactions: r, configuration: configuration, warmStart: warm)
    }

    static func batch() -> ([Int32], [Int32], [Int32]) {
        (triplets.map { Int32($0.0) }, triplets.map { Int32($0.1) }, triplets.map { Int32($0.2) })
    }

    @Test func lossEqualsTheNaiveDenseForward() throws {
        let configuration = Self.configuration()
        let trainer = try Self.trainer(configuration)
        let reference = DenseDCCFReference(edges: Self.edges, userCount: 3, itemCount: 4, configuration: configuration)
        let (u, p, n) = Self.batch()
        let (loss, _) = trainer.lossAndGradient(users: u, positives: p, negatives: n)
        let expected = reference.loss(trainer.parameterValues.map(Double.init), triplets: Self.triplets)
        #expect(abs(loss - expected) <= 1e-5 * abs(expected), "\(loss) vs \(expected)")
        // The contrastive part is a real share of it.
        var noContrast = configuration
        noContrast.contrastWeight = 0
        let plain = DenseDCCFReference(edges: Self.edges, userCount: 3, itemCount: 4, configuration: noContrast)
        #expect(expected - plain.loss(trainer.parameterValues.map(Double.init), triplets: Self.triplets) > 0.1)
    }

    @Test func gradientMatchesFiniteDifferencesThroughTwoLayers() throws {
        let configuration = Self.configuration()
        let trainer = try Self.trainer(configuration)
        let reference = DenseDCCFReference(edges: Self.edges, userCount: 3, itemCount: 4, configuration: configuration)
        let (u, p, n) = Self.batch()
        let (_, gradient) = trainer.lossAndGradient(users: u, positives: p, negatives: n)
        let theta = trainer.parameterValues.map(Double.init)
        let h = 1e-6
        var worst = 0.0
        var largest = 0.0
        for index in theta.indices {
            var plus = theta, minus = theta
            plus[index] += h
            minus[index] -= h
            let numeric =
                (reference.loss(plus, triplets: Self.triplets) - reference.loss(minus, triplets: Self.triplets)) / (2 * h)
            largest = max(largest, abs(numeric))
            let error = abs(Double(gradient[index]) - numeric) / (1e-3 + abs(numeric))
            worst = max(worst, error)
            #expect(error < 2e-3, "parameter \(index): analytic \(gradient[index]), numeric \(numeric)")
        }
        #expect(largest > 0.01)  // the check is not vacuous
        #expect(worst < 2e-3)
    }

    @Test func resultsDoNotDependOnTheThreadCount() throws {
        let (u, p, n) = Self.batch()
        let one = try Self.trainer(Self.configuration(threads: 1)).lossAndGradient(users: u, positives: p, negatives: n)
        let two = try Self.trainer(Self.configuration(threads: 2)).lossAndGradient(users: u, positives: p, negatives: n)
        #expect(one.loss == two.loss)
        #expect(one.gradient == two.gradient)
    }

    @Test func tiledInfoNCEEqualsTheUntiledForm() {
        let count = 37, d = 5
        var rng = SeededGenerator(seed: 9)
        let a = Matrix(rows: count, columns: d, normalMean: 0, std: 1, using: &rng)
        let p = Matrix(rows: count, columns: d, normalMean: 0, std: 1, using: &rng)
        func run(tile: Int, threads: Int) -> (Double, [Float], [Float]) {
            var ga = [Float](repeating: 0, count: count * d), gp = ga
            let loss = a.storage.withUnsafeBufferPointer { pa in
                p.storage.withUnsafeBufferPointer { pp in
                    ga.withUnsafeMutableBufferPointer { bga in
                        gp.withUnsafeMutableBufferPointer { bgp in
                            DCCFContrast.infoNCE(
                                anchors: pa.baseAddress!, positives: pp.baseAddress!, count: count, width: d,
                                temperature: 0.3, weight: 1, tileRows: tile, threads: threads,
                                gradAnchors: bga.baseAddress!, gradPositives: bgp.baseAddress!)
                        }
                    }
                }
            }
            return (loss, ga, gp)
        }
        let whole = run(tile: count, threads: 1), tiled = run(tile: 8, threads: 2)
        var configuration = DCCFConfiguration()
        configuration.temperature = 0.3
        let naive = DenseDCCFReference(edges: [], userCount: 0, itemCount: 0, configuration: configuration).infoNCE(
            (0..<count).map { a.row($0).map(Double.init) }, (0..<count).map { p.row($0).map(Double.init) })
        #expect(abs(whole.0 - naive) < 1e-5 * naive)
        #expect(abs(tiled.0 - naive) < 1e-5 * naive)
        let scale = whole.1.map(abs).max()!
        #expect(scale > 1e-3)
        for index in 0..<(count * d) {
            #expect(abs(whole.1[index] - tiled.1[index]) <= 1e-5 * scale)
            #expect(abs(whole.2[index] - tiled.2[index]) <= 1e-5 * scale)
        }
    }

    @Test func masksSumToOneOverEachHeadAndZeroPrototypesGiveNoIntent() throws {
        let trainer = try Self.trainer(Self.configuration(), zeroPrototypes: true)
        trainer.forward()
        for l in 0..<2 {
            for h in 0..<7 {
                for weights in [trainer.gb[l], trainer.gg[l]] {
                    let sum = (trainer.graph.offsets[h]..<trainer.graph.offsets[h + 1]).reduce(Float(0)) {
                        $0 + weights[$1]
                    }
                    #expect(abs(sum - 1) < 1e-6)
                }
            }
            #expect((0..<(7 * 4)).allSatisfy { trainer.r[l][$0] == 0 })
            // With a zero intent view every cosine is 0, so its mask is uniform over each row.
            for h in 0..<7 {
                let range = trainer.graph.offsets[h]..<trainer.graph.offsets[h + 1]
                for edge in range { #expect(abs(trainer.gg[l][edge] - 1 / Float(range.count)) < 1e-6) }
            }
        }
    }

    @Test func warmStartCopiesParameters() throws {
        let trainer = try Self.trainer(Self.configuration())
        let model = trainer.model()
        let r = SparseMatrix(
            rows: 3, columns: 4, rowIndices: Self.edges.map { Int32($0.0) },
            columnIndices: Self.edges.map { Int32($0.1) })
        let again = try DCCFTrainer(interactions: r, configuration: Self.configuration(), warmStart: model)
        #expect(again.parameterValues == trainer.parameterValues)
        #expect(again.model().embeddings == model.embeddings)
    }

    @Test func dccfPassesTheConformanceSuite() throws {
        var configuration = DCCFConfiguration()
        configuration.embeddingDimension = 16
        configuration.prototypeCount = 8
        configuration.batchSize = 256
        configuration.batchesPerEpoch = 5
        configuration.epochs = 12
        configuration.learningRate = 0.01
        configuration.threads = 2
        try BatchRecommenderConformance.check(DCCF.self, configuration: configuration)
    }
}
