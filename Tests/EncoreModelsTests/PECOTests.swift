import EncoreCore
import EncoreEvaluation
import EncoreNumerics
import Foundation
import Testing

@testable import EncoreModels

/// docs/design/graph-models.md §7.4 and the open-question choices of docs/peco-open-questions.md.
@Suite struct PECOGeneratorTests {
    static func configuration(omega: Float, ratio: Float = 0.5, samples: Int = 3, threads: Int = 2)
        -> PECOConfiguration
    {
        var configuration = PECOConfiguration()
        configuration.backbone.embeddingDimension = 8
        configuration.backbone.threads = threads
        configuration.concurrenceWeight = omega
        configuration.sampledDegreeRatio = ratio
        configuration.sampleCount = samples
        configuration.similarUsers = 5
        return configuration
    }

    static func randomEmbeddings(rows: Int, d: Int, seed: UInt64) -> Matrix {
        var rng = SeededGenerator(seed: seed)
        return Matrix(rows: rows, columns: d, normalMean: 0, std: 1, using: &rng)
    }

    /// Blocked GEMM + top-K equals brute-force cosine ranking.
    @Test func similarUsersMatchBruteForce() {
        let embeddings = Self.randomEmbeddings(rows: 300, d: 6, seed: 4)
        let similar = PECOGraphGenerator.similarUsers(userEmbeddings: embeddings, count: 4, threads: 2)
        func cosine(_ a: Int, _ b: Int) -> Double {
            let x = embeddings.row(a).map(Double.init), y = embeddings.row(b).map(Double.init)
            let dot = zip(x, y).reduce(0) { $0 + $1.0 * $1.1 }
            return dot / (x.reduce(0) { $0 + $1 * $1 }.squareRoot() * y.reduce(0) { $0 + $1 * $1 }.squareRoot())
        }
        for u in [0, 17, 255, 256, 299] {
            let expected = (0..<300).filter { $0 != u }.sorted { cosine(u, $0) > cosine(u, $1) }.prefix(4)
            #expect(similar[(u * 4)..<(u * 4 + 4)].map(Int.init) == Array(expected))
        }
    }

    /// ω = 0 is Node-Copy: all of a user's sampled items come from one of its similar users'
    /// lists, and never repeat an observed item.
    @Test func zeroConcurrenceIsNodeCopy() throws {
        let data = try BatchRecommenderConformance.syntheticData()
        let configuration = Self.configuration(omega: 0)
        let generator = PECOGraphGenerator(interactions: data.train, configuration: configuration)
        let similar = PECOGraphGenerator.similarUsers(
            userEmbeddings: Self.randomEmbeddings(rows: data.userCount, d: 8, seed: 1), count: 5, threads: 2)
        let sampled = generator.sampledEdges(sample: 0, similar: similar)
        #expect(sampled.nonzeroCount > 0)
        for u in 0..<data.userCount {
            let items = Set(sampled.columns(inRow: u))
            #expect(items.isDisjoint(with: data.train.columns(inRow: u)))
            let sources = similar[(u * 5)..<(u * 5 + 5)].filter { source in
                items.isSubset(of: data.train.columns(inRow: Int(source)))
            }
            #expect(!sources.isEmpty)
        }
    }

    /// ω = 1: every sampled item co-occurs with one of the user's items (a u → j → u′ → i walk).
    @Test func fullConcurrenceFollowsCoOccurrence() throws {
        let data = try BatchRecommenderConformance.syntheticData()
        let configuration = Self.configuration(omega: 1)
        let generator = PECOGraphGenerator(interactions: data.train, configuration: configuration)
        let similar = PECOGraphGenerator.similarUsers(
            userEmbeddings: Self.randomEmbeddings(rows: data.userCount, d: 8, seed: 1), count: 5, threads: 2)
        let sampled = generator.sampledEdges(sample: 1, similar: similar)
        let rt = data.train.transposed()
        #expect(sampled.nonzeroCount > 0)
        for u in 0..<data.userCount {
            var reachable = Set<Int32>()
            for j in data.train.columns(inRow: u) {
                for other in rt.columns(inRow: Int(j)) { reachable.formUnion(data.train.columns(inRow: Int(other))) }
            }
            #expect(Set(sampled.columns(inRow: u)).isSubset(of: reachable))
        }
    }

    /// Sampled degrees track ρ · observed degree; same seed → same graphs, for any thread count.
    @Test func degreesTrackAndGraphsAreReproducible() throws {
        let data = try BatchRecommenderConformance.syntheticData()
        let embeddings = Self.randomEmbeddings(rows: data.userCount, d: 8, seed: 2)
        var gap = 0.0, target = 0.0
        for omega: Float in [0, 0.3, 1] {
            let configuration = Self.configuration(omega: omega)
            let similar = PECOGraphGenerator.similarUsers(userEmbeddings: embeddings, count: 5, threads: 2)
            let generator = PECOGraphGenerator(interactions: data.train, configuration: configuration)
            let sampled = generator.sampledEdges(sample: 2, similar: similar)
            for u in 0..<data.userCount {
                let wanted = (0.5 * Double(data.train.rowLength(u))).rounded()
                gap += abs(Double(sampled.rowLength(u)) - wanted)
                target += wanted
            }
            let again = generator.sampledEdges(sample: 2, similar: similar)
            #expect(again == sampled)
            let single = PECOGraphGenerator(
                interactions: data.train, configuration: Self.configuration(omega: omega, threads: 1))
            #expect(single.sampledEdges(sample: 2, similar: similar) == sampled)
            #expect(generator.sampledEdges(sample: 3, similar: similar) != sampled)
        }
        // Mean absolute gap relative to the mean target degree.
        #expect(gap / target < 0.05)
    }

    /// The sampled graph is observed ∪ sampled and normalised like LightGCN's Ã.
    @Test func sampledAdjacencyIsNormalisedUnion() throws {
        let data = try BatchRecommenderConformance.syntheticData()
        let configuration = Self.configuration(omega: 0.3, samples: 2)
        let embeddings = Self.randomEmbeddings(rows: data.userCount, d: 8, seed: 3)
        let graphs = PECORecommender.sampledAdjacencies(
            interactions: data.train, configuration: configuration, userEmbeddings: embeddings)
        #expect(graphs.count == 2 && graphs[0] != graphs[1])
        let generator = PECOGraphGenerator(interactions: data.train, configuration: configuration)
        let similar = PECOGraphGenerator.similarUsers(userEmbeddings: embeddings, count: 5, threads: 2)
        let union = generator.union(generator.sampledEdges(sample: 0, similar: similar))
        #expect(union.nonzeroCount > data.train.nonzeroCount)
        for u in 0..<data.userCount {
            #expect(Set(data.train.columns(inRow: u)).isSubset(of: union.columns(inRow: u)))
        }
        #expect(graphs[0] == NormalizedAdjacency.build(interactions: union))
    }
}

@Suite struct PECOTrainingTests {
    static func configuration() -> PECOConfiguration {
        var configuration = PECOConfiguration()
        configuration.backbone.embeddingDimension = 16
        configuration.backbone.epochs = 4
        configuration.backbone.batchSize = 128
        configuration.backbone.threads = 2
        configuration.similarUsers = 5
        configuration.sampleCount = 2
        return configuration
    }

    /// ρ = 0 (identity generator) with S = 1 trains bitwise like LightGCN and scores alike.
    @Test func identityGeneratorWithOneSampleIsLightGCN() throws {
        let data = try BatchRecommenderConformance.syntheticData()
        var configuration = Self.configuration()
        configuration.sampledDegreeRatio = 0
        configuration.sampleCount = 1
        let peco = try PECORecommender.fit(interactions: data.train, configuration: configuration)
        let lightGCN = try LightGCN.fit(interactions: data.train, configuration: configuration.backbone)
        #expect(peco.egoEmbeddings == lightGCN.egoEmbeddings)
        let users: [Int32] = [0, 3, 50]
        #expect(peco.scores(users: users) == lightGCN.scores(users: users))
    }

    /// Training on a sampled graph: the trainer's loss and gradient (after the adjacency hook)
    /// equal the dense LightGCN reference built on observed ∪ sampled edges, whose analytic
    /// gradient agrees with finite differences.
    @Test func gradientOnSampledGraphMatchesDenseReference() throws {
        let observed = [(0, 0), (0, 1), (1, 1), (1, 2), (2, 3), (2, 0), (3, 2), (3, 3)]
        let r = SparseMatrix(
            rows: 4, columns: 4, rowIndices: observed.map { Int32($0.0) }, columnIndices: observed.map { Int32($0.1) })
        var configuration = PECOGeneratorTests.configuration(omega: 0.5, ratio: 1, samples: 1)
        configuration.backbone.embeddingDimension = 3
        configuration.backbone.layerCount = 2
        configuration.backbone.batchSize = 4
        configuration.similarUsers = 2
        let generator = PECOGraphGenerator(interactions: r, configuration: configuration)
        let similar = PECOGraphGenerator.similarUsers(
            userEmbeddings: PECOGeneratorTests.randomEmbeddings(rows: 4, d: 3, seed: 8), count: 2, threads: 1)
        let union = generator.union(generator.sampledEdges(sample: 0, similar: similar))
        #expect(union.nonzeroCount > r.nonzeroCount)
        let trainer = try LightGCNTrainer(interactions: r, configuration: configuration.backbone)
        trainer.usePropagationAdjacency(NormalizedAdjacency.build(interactions: union))
        var edges = [(Int, Int)]()
        for u in 0..<4 { for item in union.columns(inRow: u) { edges.append((u, Int(item))) } }
        let reference = DenseLightGCNReference(
            interactions: edges, userCount: 4, itemCount: 4, layers: 2, lambda: 1e-4, width: 3)
        let egoMatrix = trainer.egoEmbeddings
        let ego = (0..<8).map { row in (0..<3).map { Double(egoMatrix[row, $0]) } }
        let triplets = [(0, 0, 2), (1, 2, 3), (2, 3, 1), (3, 3, 1)]
        let (loss, gradient) = trainer.lossAndGradient(
            users: triplets.map { Int32($0.0) }, positives: triplets.map { Int32($0.1) },
            negatives: triplets.map { Int32($0.2) })
        #expect(abs(loss - reference.loss(ego, triplets)) < 1e-6)
        let step = 1e-6
        for row in 0..<8 {
            for k in 0..<3 {
                var plus = ego, minus = ego
                plus[row][k] += step
                minus[row][k] -= step
                let numeric = (reference.loss(plus, triplets) - reference.loss(minus, triplets)) / (2 * step)
                #expect(abs(numeric - Double(gradient[row, k])) < 1e-5)
            }
        }
    }

    /// Inference averages e_u^{(s)} · e_i^{(s)} over the graphs (checked against dense propagation).
    @Test func scoresAverageOverSampledGraphs() throws {
        let data = try BatchRecommenderConformance.syntheticData(users: 24, items: 16, perUser: 5)
        var configuration = Self.configuration()
        configuration.backbone.embeddingDimension = 4
        configuration.backbone.layerCount = 2
        configuration.sampleCount = 3
        let trainer = try LightGCNTrainer(interactions: data.train, configuration: configuration.backbone)
        let graphs = PECORecommender.sampledAdjacencies(
            interactions: data.train, configuration: configuration,
            userEmbeddings: PECOGeneratorTests.randomEmbeddings(rows: 24, d: 4, seed: 5))
        let model = PECORecommender.model(trainer: trainer, configuration: configuration, graphs: graphs)
        let ego = trainer.egoEmbeddings
        let egoRows = (0..<40).map { row in (0..<4).map { Double(ego[row, $0]) } }
        let generator = PECOGraphGenerator(interactions: data.train, configuration: configuration)
        let similar = PECOGraphGenerator.similarUsers(
            userEmbeddings: PECOGeneratorTests.randomEmbeddings(rows: 24, d: 4, seed: 5), count: 5, threads: 2)
        var expected = [[Double]](repeating: [Double](repeating: 0, count: 16), count: 24)
        for s in 0..<3 {
            let union = generator.union(generator.sampledEdges(sample: s, similar: similar))
            var edges = [(Int, Int)]()
            for u in 0..<24 { for item in union.columns(inRow: u) { edges.append((u, Int(item))) } }
            let e = DenseLightGCNReference(
                interactions: edges, userCount: 24, itemCount: 16, layers: 2, lambda: 0, width: 4
            ).propagate(egoRows)
            for u in 0..<24 {
                for i in 0..<16 { expected[u][i] += (0..<4).reduce(0) { $0 + e[u][$1] * e[24 + i][$1] } / 3 }
            }
        }
        let scores = model.scores(users: (0..<24).map(Int32.init))
        for u in 0..<24 { for i in 0..<16 { #expect(abs(Double(scores[u, i]) - expected[u][i]) < 1e-5) } }
    }

    @Test func observerSeesEveryEpochAndCanStop() throws {
        let data = try BatchRecommenderConformance.syntheticData()
        var epochs = [Int]()
        let model = try PECORecommender.fit(
            interactions: data.train, configuration: Self.configuration(), warmStart: nil
        ) { progress, snapshot in
            epochs.append(progress.epoch)
            #expect(progress.examples == data.train.nonzeroCount)
            if progress.epoch == 3 {
                #expect(snapshot().trainedEpochs == 3)
                return .stop
            }
            return .proceed
        }
        #expect(epochs == [1, 2, 3] && model.trainedEpochs == 3)
    }

    @Test func invalidConfigurationIsRejected() throws {
        var configuration = Self.configuration()
        configuration.concurrenceWeight = 2
        let data = try BatchRecommenderConformance.syntheticData()
        let error = #expect(throws: ModelError.self) {
            try PECORecommender.fit(interactions: data.train, configuration: configuration)
        }
        #expect(error?.reason.contains("concurrenceWeight") == true)
    }

    @Test func pecoPassesTheConformanceSuite() throws {
        var configuration = Self.configuration()
        configuration.backbone.epochs = 40
        configuration.backbone.batchSize = 256
        configuration.backbone.learningRate = 0.01
        try BatchRecommenderConformance.check(PECORecommender.self, configuration: configuration)
    }
}
