import EncoreCore
import EncoreNumerics
import Foundation

/// Skip-gram item embeddings with negative sampling (word2vec) trained on listening sessions:
/// the item space of the RNN before any graph generation exists (docs/design/sequence-model.md §3).
///
/// For each kept (centre, context) pair within a random window ≤ `window`:
/// ```
/// maximise log σ(v_c · v'_w) + Σ_{k=1..neg} log σ(−v_c · v'_{n_k}),  n_k ~ count^0.75
/// ```
/// with frequent items subsampled (word2vec's keep probability, threshold `subsampling`), items
/// under `minimumCount` left out (zero rows: "unknown"), and the learning rate decaying
/// linearly from `initialLearningRate` to `finalLearningRate`. The input vectors v are the
/// embeddings. Seeded and single-threaded, so reproducible.
public enum CooccurrenceEmbedding {
    /// Hyperparameters (defaults from docs/design/sequence-model.md §3).
    public struct Configuration: Codable, Sendable, Equatable {
        /// Embedding size.
        public var dimension = 64
        /// Maximum window radius.
        public var window = 5
        /// Negative samples per positive pair.
        public var negatives = 5
        /// Exponent of the negative-sampling distribution.
        public var exponent = 0.75
        /// Subsampling threshold.
        public var subsampling = 1e-3
        /// Items with fewer plays get no vector.
        public var minimumCount = 5
        /// Passes over the sessions.
        public var epochs = 5
        /// Starting learning rate.
        public var initialLearningRate: Float = 0.025
        /// Final learning rate.
        public var finalLearningRate: Float = 1e-4
        /// Subtract the mean vector of the embedded items before normalising. Skip-gram vectors
        /// share a large common direction; without centring, every cosine is high and the RNN's
        /// cosine loss is satisfied by predicting that direction, which ranks nothing.
        public var centred = true
        /// Weight γ of an extra popularity coordinate, γ·log(1 + count) / log(1 + max count),
        /// appended after each row is normalised (0: none; the table then has `dimension + 1`
        /// columns). Lets the RNN's user vector lean towards popular tracks, which skip-gram's
        /// PMI-like geometry does not express.
        public var popularityAxis: Float = 0
        /// Seed.
        public var seed: UInt64 = 2024
        /// Creates the defaults.
        public init() {}
    }

    /// Trains embeddings for items `0..<itemCount` on `sessions` (lists of item indices).
    public static func train(sessions: [[Int32]], itemCount: Int, configuration: Configuration = Configuration())
        -> ItemEmbeddingTable
    {
        let d = configuration.dimension
        var counts = [Int](repeating: 0, count: itemCount)
        for session in sessions { for item in session where item >= 0 && Int(item) < itemCount { counts[Int(item)] += 1 } }
        let kept = counts.map { $0 >= configuration.minimumCount }
        let corpus = sessions.map { $0.filter { $0 >= 0 && Int($0) < itemCount && kept[Int($0)] } }.filter { $0.count > 1 }
        let total = corpus.reduce(0) { $0 + $1.count }
        var generator = SeededGenerator(seed: configuration.seed)
        var input = [Float](repeating: 0, count: itemCount * d)
        var output = [Float](repeating: 0, count: itemCount * d)
        for item in 0..<itemCount where kept[item] {
            for k in 0..<d { input[item * d + k] = (generator.nextUniform() - 0.5) / Float(d) }
        }
        guard total > 0 else {
            return ItemEmbeddingTable(vectors: input, itemCount: itemCount, dimension: d, source: "cooccurrence")
        }
        // Unigram^0.75 table for negatives.
        let tableSize = 1 << 20
        var table = [Int32](repeating: 0, count: tableSize)
        let weights = counts.enumerated().map { kept[$0.offset] ? pow(Double($0.element), configuration.exponent) : 0 }
        let weightSum = weights.reduce(0, +)
        var cumulative = 0.0, item = 0
        for slot in 0..<tableSize {
            while item < itemCount - 1 && (cumulative + weights[item]) / weightSum * Double(tableSize) <= Double(slot) {
                cumulative += weights[item]
                item += 1
            }
            table[slot] = Int32(item)
        }
        let threshold = configuration.subsampling * Double(total)
        let keepProbability = counts.map { count -> Float in
            guard count > 0, threshold > 0 else { return 1 }
            let f = Double(count)
            return Float(min(1, ((f / threshold).squareRoot() + 1) * threshold / f))
        }
        let steps = Double(total * configuration.epochs)
        var processed = 0.0
        var gradient = [Float](repeating: 0, count: d)
        input.withUnsafeMutableBufferPointer { v in
            output.withUnsafeMutableBufferPointer { u in
                for _ in 0..<configuration.epochs {
                    for session in corpus {
                        var sample = [Int32]()
                        sample.reserveCapacity(session.count)
                        for item in session where generator.nextUniform() < keepProbability[Int(item)] {
                            sample.append(item)
                        }
                        processed += Double(session.count)
                        let progress = Float(min(1, processed / steps))
                        let rate =
                            configuration.initialLearningRate
                            + (configuration.finalLearningRate - configuration.initialLearningRate) * progress
                        for (position, centre) in sample.enumerated() {
                            let radius = 1 + generator.nextInt(below: configuration.window)
                            let lower = max(0, position - radius), upper = min(sample.count - 1, position + radius)
                            guard lower <= upper else { continue }
                            for other in lower...upper where other != position {
                                let context = Int(sample[other])
                                for k in 0..<d { gradient[k] = 0 }
                                for negative in 0...configuration.negatives {
                                    let target: Int
                                    let label: Float
                                    if negative == 0 {
                                        target = Int(centre)
                                        label = 1
                                    } else {
                                        target = Int(table[generator.nextInt(below: tableSize)])
                                        if target == Int(centre) { continue }
                                        label = 0
                                    }
                                    var dot: Float = 0
                                    for k in 0..<d { dot += v[context * d + k] * u[target * d + k] }
                                    let sigma = 1 / (1 + Foundation.exp(-max(-30, min(30, dot))))
                                    let g = (label - sigma) * rate
                                    for k in 0..<d {
                                        gradient[k] += g * u[target * d + k]
                                        u[target * d + k] += g * v[context * d + k]
                                    }
                                }
                                for k in 0..<d { v[context * d + k] += gradient[k] }
                            }
                        }
                    }
                }
            }
        }
        if configuration.centred {
            var mean = [Double](repeating: 0, count: d)
            let embedded = kept.filter { $0 }.count
            for item in 0..<itemCount where kept[item] { for k in 0..<d { mean[k] += Double(input[item * d + k]) } }
            for item in 0..<itemCount where kept[item] {
                for k in 0..<d { input[item * d + k] -= Float(mean[k] / Double(max(embedded, 1))) }
            }
        }
        guard configuration.popularityAxis > 0 else {
            return ItemEmbeddingTable(vectors: input, itemCount: itemCount, dimension: d, source: "cooccurrence")
        }
        let unit = ItemEmbeddingTable(vectors: input, itemCount: itemCount, dimension: d, source: "cooccurrence")
        let top = Float(log1p(Double(counts.max() ?? 0)))
        var extended = [Float](repeating: 0, count: itemCount * (d + 1))
        for item in 0..<itemCount where kept[item] {
            for k in 0..<d { extended[item * (d + 1) + k] = unit.vectors[item * d + k] }
            extended[item * (d + 1) + d] = configuration.popularityAxis * Float(log1p(Double(counts[item]))) / max(top, 1e-6)
        }
        return ItemEmbeddingTable(
            vectors: extended, itemCount: itemCount, dimension: d + 1,
            source: "cooccurrence+popularity(\(configuration.popularityAxis))")
    }
}
