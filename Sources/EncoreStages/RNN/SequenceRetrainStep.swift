import EncoreCore
import EncoreEvaluation
import EncoreKafka
import EncoreModels
import EncoreNumerics
import EncorePipeline
import EncoreStore
import EncoreTraining
import Foundation
import Logging
import Synchronization

/// The RNN stage's retrain step: snapshot the listens → graph model (LightGCN, warm-started from
/// the previous cycle) → item embeddings → RNN (warm-started from the serving generation) → judge
/// candidate against the serving generation on the latest listens → promote in the registry and
/// publish the item embeddings, or keep the serving generation and say why. The cycle installs
/// what was promoted (docs/ARCHITECTURE.md, "The path of one retrain cycle").
///
/// **Holdout.** The candidate trains on listens before a cut-off (the last `holdout_fraction` of
/// the time span is held out). Candidate and serving generation are scored by the same
/// next-listen evaluator on the held-out listens, states carried through the whole history.
/// Before the first generation the popularity baseline serves, so the first candidate must not
/// be worse than popularity on the same holdout. The
/// promoted generation is the one that was judged (it has not seen the holdout; the live states
/// catch up by replay).
///
/// **Embeddings.** `graph_model: lightgcn` embeds the items by LightGCN; `cooccurrence` by the
/// skip-gram embedding over listening sessions (useful while the graph is tiny). Any other model
/// of the zoo (`gte`, `dccf`, `sheaf`, `peco`) is retrained and promoted on its own holdout recall
/// (``GraphRetrainStep``) and the RNN's items are embedded by co-occurrence.
public final class SequenceRetrainStep: RetrainStep, Sendable {
    public struct Options: Sendable {
        /// The pipeline's `retrain:` settings (epochs, threads, holdout, margin, graph model).
        public var settings: RetrainSettings
        /// RNN shape and optimiser: ``EncoreModels/SequenceModelConfiguration``'s defaults (epochs
        /// and threads come from the settings).
        public var rnn = SequenceModelConfiguration()
        /// LightGCN shape and optimiser (epochs and threads come from the settings): ``cycleGraph``.
        public var graph = Self.cycleGraph
        /// Train on listens whose tracks are shuffled across the corpus: a deliberately worse
        /// candidate, to show (and test) that promotion refuses it.
        public var shuffleTrainingTracks = false
        /// Prefix of the Kafka topic names (the embeddings topic is published under it).
        public var topicPrefix = ""

        public init(settings: RetrainSettings) {
            self.settings = settings
        }

        /// The one place where a retrain cycle's LightGCN differs from
        /// ``EncoreModels/LightGCNConfiguration``'s defaults: batch 4096 and learning rate 0.004
        /// (the model's are 2048 and 0.001). These are the values the cycle has used since it was
        /// written (commit dc19129); kept so that retraining does not change.
        public static var cycleGraph: LightGCNConfiguration {
            var graph = LightGCNConfiguration()
            graph.batchSize = 4096
            graph.learningRate = 0.004
            return graph
        }
    }

    public let options: Options
    private let store: EncoreStore
    private let generations: ModelGenerations
    private let producer: KafkaProducer?
    private let logger: Logger
    /// The graph model of the last promoted cycle (warm start of the next one).
    private let lastGraph = Mutex<LightGCN?>(nil)

    public init(
        options: Options, store: EncoreStore, generations: ModelGenerations, producer: KafkaProducer?, logger: Logger
    ) throws {
        let name = options.settings.graphModel
        guard name == "cooccurrence" || GraphModelKind.all.contains(where: { $0.name == name }) else {
            throw ConfigurationError(
                source: "pipeline", field: "retrain.graph_model",
                message: "unknown model '\(name)'; use cooccurrence or one of \(GraphModelKind.availableNames)")
        }
        self.options = options
        self.store = store
        self.generations = generations
        self.producer = producer
        self.logger = logger
    }

    public var modelName: String { SequenceModel.modelName }

    public func run(_ context: RetrainContext) throws -> RetrainStepOutcome {
        let settings = options.settings
        // Wall seconds per phase, returned with the candidate's metrics (`seconds_<phase>`; not
        // stored with the artifact) for `encore bench retrain` and the logs.
        var timings: [String: Double] = [:]
        var phaseStart = ContinuousClock.now
        func lap(_ phase: String) {
            timings["seconds_\(phase)"] = phaseStart.duration(to: .now).inSeconds
            phaseStart = .now
        }
        let data = try SequenceData(store: store)
        let span = data.log.timeSpan
        let cutoff = span.first + Int64(Double(span.last - span.first) * (1 - settings.holdoutFraction))
        var train = data.corpus.prefix(beforeMs: cutoff)
        if options.shuffleTrainingTracks { train = Self.shuffledTracks(train, seed: options.rnn.seed) }
        context.progress(
            "snapshot: \(data.summary); training on \(train.events.count) listens before \(cutoff / 1000) s")
        lap("snapshot")

        // Item embeddings from the graph model.
        let items: ItemEmbeddingTable
        var graphModel: LightGCN?
        var graphNote: String?
        var graphMetrics: [String: Double] = [:]
        let itemCount = data.log.itemCount
        if settings.graphModel == "lightgcn" {
            var configuration = options.graph
            configuration.epochs = settings.graphEpochs
            configuration.threads = settings.threads
            let matrix = Self.interactionMatrix(train, users: train.userCount, items: itemCount)
            let warm = lastGraph.withLock { $0 }.flatMap {
                $0.userCount <= matrix.rows && $0.itemCount <= matrix.columns ? $0 : nil
            }
            let model = try LightGCN.fit(interactions: matrix, configuration: configuration, warmStart: warm) {
                progress, _ in
                context.progress(
                    String(format: "lightgcn epoch %d/%d loss %.4f %.1fs", progress.epoch, progress.epochCount,
                           progress.loss, progress.seconds))
                return context.isCancelled() ? .stop : .proceed
            }
            graphModel = model
            items = ItemEmbeddingTable(lightGCN: model, source: "lightgcn")
        } else {
            if settings.graphModel != "cooccurrence" {
                // Another model of the zoo: retrained and promoted on its own merits; the RNN's
                // item space then comes from co-occurrence.
                let kind = try GraphModelKind.named(settings.graphModel)
                let step = GraphRetrainStep(
                    kind: kind, store: store, epochs: settings.graphEpochs, threads: settings.threads,
                    promoteMargin: settings.promoteMargin)
                let holdout = Self.interactionMatrix(
                    Self.suffix(data.corpus, fromMs: cutoff), users: train.userCount, items: itemCount)
                let graph = try step.run(
                    train: Self.interactionMatrix(train, users: train.userCount, items: itemCount), holdout: holdout,
                    progress: context.progress, isCancelled: context.isCancelled)
                context.progress(graph.reason)
                graphNote = graph.reason
                graphMetrics = graph.metrics
            }
            var configuration = CooccurrenceEmbedding.Configuration()
            configuration.dimension = options.rnn.hiddenSize >= 64 ? 64 : 32
            configuration.minimumCount = 1
            items = CooccurrenceEmbedding.train(
                sessions: train.sessions(), itemCount: itemCount, configuration: configuration)
        }
        if context.isCancelled() { return Self.cancelled() }
        lap("graph")

        // The RNN, warm-started from the serving generation when the shapes allow.
        let current = generations.currentMusic
        var configuration = options.rnn
        configuration.epochs = settings.rnnEpochs
        configuration.threads = settings.threads
        var warm: SequenceModel?
        if let current, current.model.hiddenSize == configuration.hiddenSize,
            current.model.items.dimension == items.dimension, !options.shuffleTrainingTracks
        {
            warm = try current.model.replacingItems(items)
        }
        let candidate = try SequenceTrainer.fit(corpus: train, items: items, configuration: configuration, warmStart: warm) {
            progress, _ in
            context.progress(
                String(format: "rnn epoch %d/%d loss %.4f %.1fs", progress.epoch, progress.epochCount, progress.loss,
                       progress.seconds))
            return context.isCancelled() ? .stop : .proceed
        }
        if context.isCancelled() { return Self.cancelled() }
        lap("rnn")

        // Judge on the holdout: candidate, serving generation, and popularity for scale.
        let evaluator = SequenceEvaluator(log: data.log, cutoffMs: cutoff)
        var candidateScorer = SequenceModelScorer(model: candidate, corpus: data.corpus)
        let candidateReport = evaluator.evaluate(&candidateScorer)
        var popularity = SequencePopularityBaseline(log: data.log, cutoffMs: cutoff)
        let popularityReport = evaluator.evaluate(&popularity)
        var candidateMetrics = Self.metrics(candidateReport)
        candidateMetrics["popularity_hr@20"] = popularityReport.hitRate(at: 20)
        candidateMetrics.merge(graphMetrics) { a, _ in a }
        let graphSuffix = graphNote.map { "; " + $0 } ?? ""
        var currentMetrics: [String: Double] = [:]
        if let current {
            var scorer = PaddedSequenceScorer(
                inner: SequenceModelScorer(model: current.model, corpus: data.corpus), itemCount: itemCount)
            currentMetrics = Self.metrics(evaluator.evaluate(&scorer))
        }
        let candidateHR = candidateMetrics["hr@20"] ?? 0
        context.progress(
            String(format: "holdout hr@20: candidate %.4f, serving %@, popularity %.4f (%d points)", candidateHR,
                   currentMetrics["hr@20"].map { String(format: "%.4f", $0) } ?? "none", popularityReport.hitRate(at: 20),
                   candidateReport.points))
        lap("holdout")

        // Not worse than what serves now: the current generation, or before the first one the
        // popularity baseline (which answers until a generation is promoted).
        let servingHR = currentMetrics["hr@20"] ?? popularityReport.hitRate(at: 20)
        let servingName = current?.label ?? PopularityBaseline.modelName
        if candidateHR < servingHR * (1 - settings.promoteMargin) {
            return RetrainStepOutcome(
                modelName: modelName, decision: .kept,
                reason: String(
                    format: "kept %@: candidate hr@20 %.4f is worse than the serving %.4f by more than the %.0f%% margin",
                    servingName, candidateHR, servingHR, settings.promoteMargin * 100) + graphSuffix,
                candidateMetrics: candidateMetrics.merging(timings) { $1 }, currentMetrics: currentMetrics)
        }

        // Promote: registry (graph model and RNN), embeddings topic, then the live swap.
        let registry = ArtifactRegistry(store: store)
        let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
        var embeddingLabel = items.source
        if let graphModel {
            let name = try registry.save(graphModel.artifact(metrics: [:]))
            if let version = Int(name.split(separator: "@").last ?? "") {
                try registry.registry.promote(name: LightGCN.modelName, version: version, atMs: nowMs)
            }
            embeddingLabel = name
            lastGraph.withLock { $0 = graphModel }
        }
        let model = try candidate.replacingItems(
            ItemEmbeddingTable(
                vectors: items.vectors, itemCount: items.itemCount, dimension: items.dimension, source: embeddingLabel))
        let name = try registry.save(model.artifact(metrics: candidateMetrics))
        guard let version = Int(name.split(separator: "@").last ?? "") else {
            throw ModelError(.invalidInput, "registry returned an unexpected name \(name)")
        }
        try registry.registry.promote(name: SequenceModel.modelName, version: version, atMs: nowMs)
        try publishEmbeddings(items, label: embeddingLabel)
        lap("promote")
        return RetrainStepOutcome(
            modelName: modelName, decision: .promoted, version: Int64(version),
            reason: String(format: "candidate hr@20 %.4f vs serving %@ %.4f", candidateHR, servingName, servingHR)
                + graphSuffix,
            candidateMetrics: candidateMetrics.merging(timings) { $1 }, currentMetrics: currentMetrics)
    }

    // MARK: Steps

    /// Writes every item's vector to the compacted `encore.item-embeddings` topic (key = track id).
    private func publishEmbeddings(_ items: ItemEmbeddingTable, label: String) throws {
        guard let producer else { return }
        let tracks = try IdentifierMap(kind: .tracks, store: store)
        let topic = EncoreTopic.itemEmbeddings.name(prefix: options.topicPrefix)
        let d = items.dimension
        for (index, id) in tracks.allIDs().enumerated() where index < items.itemCount {
            let vector = Array(items.vectors[(index * d)..<((index + 1) * d)])
            let value = EventEncoder.encode(ItemEmbedding(trackID: TrackID(id), model: label, vector: vector))
            try producer.send(topic: topic, key: Array(id.utf8), value: value)
        }
        try producer.flush(timeout: .seconds(60))
    }

    private static func cancelled() -> RetrainStepOutcome { .cancelled(SequenceModel.modelName) }

    static func metrics(_ report: SequenceRankingReport) -> [String: Double] {
        [
            "hr@20": report.hitRate(at: 20), "mrr@20": report.meanReciprocalRank(at: 20), "hr@5": report.hitRate(at: 5),
            "points": Double(report.points),
        ]
    }

    /// The binary user × item matrix of a corpus.
    static func interactionMatrix(_ corpus: SequenceCorpus, users: Int, items: Int) -> SparseMatrix {
        var rows: [Int32] = [], columns: [Int32] = []
        rows.reserveCapacity(corpus.events.count)
        columns.reserveCapacity(corpus.events.count)
        for user in 0..<corpus.userCount {
            for position in corpus.offsets[user]..<corpus.offsets[user + 1] {
                rows.append(Int32(user))
                columns.append(corpus.events[position].item)
            }
        }
        return SparseMatrix(rows: users, columns: items, rowIndices: rows, columnIndices: columns, duplicates: .keepFirst)
    }

    /// Each user's events at or after `fromMs` (the holdout), with the same offsets layout.
    static func suffix(_ corpus: SequenceCorpus, fromMs: Int64) -> SequenceCorpus {
        var events: [SequenceEvent] = []
        var offsets = [0]
        for user in 0..<corpus.userCount {
            for position in corpus.offsets[user]..<corpus.offsets[user + 1] where corpus.events[position].timestampMs >= fromMs {
                events.append(corpus.events[position])
            }
            offsets.append(events.count)
        }
        return SequenceCorpus(events: events, offsets: offsets)
    }

    /// The corpus with every event's track replaced by a random one of the corpus (seeded).
    static func shuffledTracks(_ corpus: SequenceCorpus, seed: UInt64) -> SequenceCorpus {
        var random = EncoreCore.SeededGenerator(seed: seed ^ 0xBAD)
        var items = corpus.events.map(\.item)
        for index in stride(from: items.count - 1, to: 0, by: -1) {
            items.swapAt(index, random.nextInt(below: index + 1))
        }
        var events = corpus.events
        for index in events.indices { events[index].item = items[index] }
        return SequenceCorpus(events: events, offsets: corpus.offsets)
    }
}

/// A scorer over fewer items than the evaluator's vocabulary (a generation trained before the
/// newest tracks existed): the unknown tracks score −∞, so they can never be predicted.
struct PaddedSequenceScorer: SequenceScorer {
    var inner: SequenceModelScorer
    let itemCount: Int
    private var buffer: [Float] = []

    init(inner: SequenceModelScorer, itemCount: Int) {
        self.inner = inner
        self.itemCount = itemCount
    }

    mutating func begin(users: UnsafeBufferPointer<Int32>) { inner.begin(users: users) }

    mutating func score(lanes: UnsafeBufferPointer<Int32>, into output: UnsafeMutableBufferPointer<Float>) {
        let known = inner.itemCount
        if known >= itemCount {
            if known == itemCount { return inner.score(lanes: lanes, into: output) }
            if buffer.count < lanes.count * known { buffer = [Float](repeating: 0, count: lanes.count * known) }
            buffer.withUnsafeMutableBufferPointer { inner.score(lanes: lanes, into: $0) }
            for row in 0..<lanes.count {
                for item in 0..<itemCount { output[row * itemCount + item] = buffer[row * known + item] }
            }
            return
        }
        if buffer.count < lanes.count * known { buffer = [Float](repeating: 0, count: lanes.count * known) }
        buffer.withUnsafeMutableBufferPointer { inner.score(lanes: lanes, into: $0) }
        for row in 0..<lanes.count {
            for item in 0..<itemCount {
                output[row * itemCount + item] = item < known ? buffer[row * known + item] : -.infinity
            }
        }
    }

    mutating func advance(wave: Int, activeCount: Int) { inner.advance(wave: wave, activeCount: activeCount) }
}
