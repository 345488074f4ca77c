import EncoreEvaluation
import EncoreModels
import EncoreNumerics
import EncoreTraining
import Foundation

/// `encore bench sheaf` and `encore bench peco`: quality and cost of the sheaf and PECO models on
/// a data set (beside popularity, and for PECO beside LightGCN and Node-Copy, in the same run), or
/// their speed on the seeded Gowalla-shaped synthetic graph. A stand-in until
/// `encore eval --compare` covers it; the last output line is one JSON object.
public enum GraphZooBenchmark {
    /// Options shared by both models.
    public struct Options: Sendable {
        /// Data directory (lastfm tsv, RecBole .inter, LightGCN txt); `nil` for the synthetic graph.
        public var data: String?
        /// Training epochs on ``data``.
        public var epochs = 50
        /// Steps to time on the synthetic graph (extrapolated to an epoch).
        public var steps = 3
        /// Embedding size d.
        public var dimension = 64
        /// Layers K (`nil`: the model's default).
        public var layerCount: Int?
        /// Adam learning rate (`nil`: the model's default).
        public var learningRate: Float?
        /// Mini-batch size (`nil`: the model's default).
        public var batchSize: Int?
        /// Regularisation weight (`nil`: the model's default).
        public var regularization: Float?
        /// Evaluate every N epochs (0: only at the end).
        public var evaluateEvery = 0
        /// Worker threads.
        public var threads = ProcessInfo.processInfo.activeProcessorCount
        /// Seed (`nil`: the model's default).
        public var seed: UInt64?
        /// Synthetic graph: users.
        public var users = 29_858
        /// Synthetic graph: items.
        public var items = 40_981
        /// Synthetic graph: training pairs.
        public var trainPairs = 810_128

        /// The defaults above.
        public init() {}
    }

    /// PECO's own options.
    public struct PECOOptions: Sendable {
        /// Concurrence weight ω.
        public var concurrenceWeight: Float = 0.3
        /// Sampled graphs S.
        public var sampleCount = 5
        /// Sampled degree ratio ρ.
        public var sampledDegreeRatio: Float = 0.5
        /// Pretraining fraction of the epochs.
        public var pretrainFraction: Float = 0.25
        /// Skip the LightGCN and Node-Copy runs.
        public var alone = false

        /// The defaults above.
        public init() {}
    }

    /// Sheaf4Rec: recall/ndcg@20 (−∞ mask and the reference's multiplicative mask), train
    /// seconds and peak RSS on ``Options/data``; or step and epoch time on the synthetic graph.
    ///
    /// - Throws: ``EncoreEvaluation/EvaluationError`` for unreadable data, ``EncoreModels/ModelError``
    ///   for a bad configuration.
    public static func runSheaf(_ options: Options, emit: (String) -> Void) throws {
        BLAS.setThreadCount(1)
        let (data, name) = try load(options)
        emit("\(name): \(data.summary)")
        var configuration = SheafConfiguration()
        configuration.embeddingDimension = options.dimension
        configuration.layerCount = options.layerCount ?? configuration.layerCount
        configuration.learningRate = options.learningRate ?? configuration.learningRate
        configuration.batchSize = options.batchSize ?? configuration.batchSize
        configuration.regularization = options.regularization ?? configuration.regularization
        configuration.seed = options.seed ?? configuration.seed
        configuration.threads = options.threads
        configuration.epochs = options.epochs
        if options.data == nil {
            let trainer = try SheafTrainer(interactions: data.train, configuration: configuration)
            var stepSeconds = Double.infinity
            // One batch at a time through the public epoch API would take a whole epoch; time
            // single steps on sampled users instead (forward + backward + Adam).
            let users = Array(data.trainUsers.prefix(configuration.batchSize))
            let positives = users.map { data.train.columns(inRow: Int($0)).first! }
            let negatives = users.map { u in
                (0..<Int32(data.itemCount)).first { !data.train.contains(row: Int(u), column: $0) }!
            }
            var stepCPU = Double.infinity
            for step in 1...options.steps {
                let cpu = ProcessStatistics.cpuSeconds
                let s = seconds {
                    _ = trainer.lossAndGradient(users: users, positives: positives, negatives: negatives)
                }
                let used = ProcessStatistics.cpuSeconds - cpu
                stepSeconds = min(stepSeconds, s)
                stepCPU = min(stepCPU, used)
                emit(
                    String(
                        format: "step %d: %.3fs wall, %.3fs CPU (forward + backward, %d users)", step, s, used,
                        users.count))
            }
            let epochSeconds = stepSeconds * Double(trainer.batchesPerEpoch)
            var model: SheafRecommender?
            let readoutSeconds = seconds { model = trainer.model() }
            var report: EvaluationReport?
            let evalSeconds = seconds { report = evaluate(model!, data, threads: options.threads) }
            emit(
                String(
                    format:
                        "sheaf synthetic: %.3fs per step (best of %d), %.0fs per epoch extrapolated (%d batches); readout %.2fs; eval of %d users %.2fs; peak RSS %.0f MiB",
                    stepSeconds, options.steps, epochSeconds, trainer.batchesPerEpoch, readoutSeconds,
                    report!.userCount, evalSeconds, peakMiB))
            emit(
                json([
                    ("benchmark", "sheaf-synthetic"), ("step_seconds", stepSeconds), ("step_cpu_seconds", stepCPU),
                    ("epoch_seconds", epochSeconds),
                    ("batches_per_epoch", trainer.batchesPerEpoch), ("eval_seconds", evalSeconds),
                    ("threads", options.threads), ("dim", configuration.embeddingDimension),
                    ("layers", configuration.layerCount), ("max_rss_mib", peakMiB),
                ]))
            return
        }
        let (model, trainSeconds) = try train(
            SheafRecommender.self, name: "sheaf", data: data, configuration: configuration, options: options, emit: emit)
        let ours = evaluate(model, data, threads: options.threads)
        let empty = SparseMatrix(rows: data.userCount, columns: data.itemCount, rowIndices: [], columnIndices: [])
        let reference = FullRankingEvaluator(k: 20, threads: options.threads).evaluate(
            scorer: MultiplicativeMaskScorer(model: model, train: data.train), train: empty, test: data.test)
        let popularity = FullRankingEvaluator(k: 20, threads: options.threads).evaluate(
            scorer: PopularityScorer(train: data.train), train: data.train, test: data.test)
        emit("sheaf (−∞ mask):              \(ours.line)")
        emit("sheaf (reference ×(1−train)): \(reference.line)")
        emit("popularity:                   \(popularity.line)")
        emit(String(format: "train %.1fs, peak RSS %.0f MiB", trainSeconds, peakMiB))
        emit(
            json([
                ("benchmark", "sheaf"), ("data", name), ("epochs", options.epochs),
                ("recall@20", ours.recall), ("ndcg@20", ours.ndcg),
                ("recall@20_reference_mask", reference.recall), ("ndcg@20_reference_mask", reference.ndcg),
                ("popularity_recall@20", popularity.recall), ("popularity_ndcg@20", popularity.ndcg),
                ("train_seconds", trainSeconds), ("max_rss_mib", peakMiB),
            ]))
    }

    /// PECO beside LightGCN and Node-Copy (ω = 0) in one run on ``Options/data``; or its speed
    /// on the synthetic graph.
    ///
    /// - Throws: ``EncoreEvaluation/EvaluationError`` for unreadable data, ``EncoreModels/ModelError``
    ///   for a bad configuration.
    public static func runPECO(_ options: Options, peco: PECOOptions, emit: (String) -> Void) throws {
        BLAS.setThreadCount(1)
        let (data, name) = try load(options)
        emit("\(name): \(data.summary)")
        var configuration = PECOConfiguration()
        configuration.backbone.embeddingDimension = options.dimension
        configuration.backbone.layerCount = options.layerCount ?? configuration.backbone.layerCount
        configuration.backbone.learningRate = options.learningRate ?? configuration.backbone.learningRate
        configuration.backbone.batchSize = options.batchSize ?? configuration.backbone.batchSize
        configuration.backbone.regularization = options.regularization ?? configuration.backbone.regularization
        configuration.backbone.seed = options.seed ?? configuration.backbone.seed
        configuration.backbone.threads = options.threads
        configuration.backbone.epochs = options.epochs
        configuration.concurrenceWeight = peco.concurrenceWeight
        configuration.sampleCount = peco.sampleCount
        configuration.sampledDegreeRatio = peco.sampledDegreeRatio
        configuration.pretrainFraction = peco.pretrainFraction
        if options.data == nil {
            let trainer = try LightGCNTrainer(interactions: data.train, configuration: configuration.backbone)
            var graphs = [SparseMatrix]()
            let users = trainer.propagatedEmbeddings().rows(0..<data.userCount)
            var similar = [Int32]()
            let similarSeconds = seconds {
                similar = PECOGraphGenerator.similarUsers(
                    userEmbeddings: users, count: configuration.similarUsers, threads: options.threads)
            }
            let generator = PECOGraphGenerator(interactions: data.train, configuration: configuration)
            var sampledEdges = 0
            let generateSeconds = seconds {
                for s in 0..<peco.sampleCount {
                    let sampled = generator.sampledEdges(sample: s, similar: similar)
                    sampledEdges += sampled.nonzeroCount
                    graphs.append(NormalizedAdjacency.build(interactions: generator.union(sampled)))
                }
            }
            trainer.usePropagationAdjacency(graphs[0])
            let stepsPerEpoch =
                (data.train.nonzeroCount + configuration.backbone.batchSize - 1)
                / configuration.backbone.batchSize
            let partial = trainer.trainPartialEpoch(batches: options.steps * 10)
            let epochSeconds = partial.seconds / Double(options.steps * 10) * Double(stepsPerEpoch)
            let plain = try LightGCNTrainer(interactions: data.train, configuration: configuration.backbone)
            let plainPartial = plain.trainPartialEpoch(batches: options.steps * 10)
            let plainEpoch = plainPartial.seconds / Double(options.steps * 10) * Double(stepsPerEpoch)
            var model: PECORecommender?
            let modelSeconds = seconds {
                model = PECORecommender.model(trainer: trainer, configuration: configuration, graphs: graphs)
            }
            var report: EvaluationReport?
            let evalSeconds = seconds { report = evaluate(model!, data, threads: options.threads) }
            emit(
                String(
                    format:
                        "peco synthetic: similar users %.2fs, %d graphs generated in %.2fs (%.0f sampled edges each); epoch %.1fs extrapolated vs LightGCN %.1fs on the observed graph; averaged readout %.2fs; eval of %d users (S·d = %d) %.2fs; peak RSS %.0f MiB",
                    similarSeconds, peco.sampleCount, generateSeconds, Double(sampledEdges) / Double(peco.sampleCount), epochSeconds,
                    plainEpoch, modelSeconds, report!.userCount, peco.sampleCount * options.dimension, evalSeconds, peakMiB))
            emit(
                json([
                    ("benchmark", "peco-synthetic"), ("similar_seconds", similarSeconds),
                    ("generate_seconds", generateSeconds), ("epoch_seconds", epochSeconds),
                    ("lightgcn_epoch_seconds", plainEpoch), ("readout_seconds", modelSeconds),
                    ("eval_seconds", evalSeconds), ("threads", options.threads), ("max_rss_mib", peakMiB),
                ]))
            return
        }
        var fields: [(String, Any)] = [("benchmark", "peco"), ("data", name), ("epochs", options.epochs)]
        let popularity = FullRankingEvaluator(k: 20, threads: options.threads).evaluate(
            scorer: PopularityScorer(train: data.train), train: data.train, test: data.test)
        emit("popularity: \(popularity.line)")
        fields += [("popularity_recall@20", popularity.recall), ("popularity_ndcg@20", popularity.ndcg)]
        if !peco.alone {
            let (lightGCN, lightSeconds) = try train(
                LightGCN.self, name: "lightgcn", data: data, configuration: configuration.backbone, options: options, emit: emit)
            let report = evaluate(lightGCN, data, threads: options.threads)
            emit(String(format: "lightgcn: %@, train %.1fs", report.line, lightSeconds))
            fields += [
                ("lightgcn_recall@20", report.recall), ("lightgcn_ndcg@20", report.ndcg),
                ("lightgcn_train_seconds", lightSeconds),
            ]
            var nodeCopy = configuration
            nodeCopy.concurrenceWeight = 0
            let (copyModel, copySeconds) = try train(
                PECORecommender.self, name: "node-copy", data: data, configuration: nodeCopy, options: options, emit: emit)
            let copyReport = evaluate(copyModel, data, threads: options.threads)
            emit(String(format: "node-copy (ω = 0): %@, train %.1fs", copyReport.line, copySeconds))
            fields += [
                ("nodecopy_recall@20", copyReport.recall), ("nodecopy_ndcg@20", copyReport.ndcg),
                ("nodecopy_train_seconds", copySeconds),
            ]
        }
        let (model, trainSeconds) = try train(
            PECORecommender.self, name: "peco", data: data, configuration: configuration, options: options, emit: emit)
        let report = evaluate(model, data, threads: options.threads)
        emit(
            String(
                format: "peco (ω = %.2f): %@, train %.1fs, peak RSS %.0f MiB", peco.concurrenceWeight, report.line, trainSeconds,
                peakMiB))
        fields += [
            ("omega", Double(peco.concurrenceWeight)), ("recall@20", report.recall), ("ndcg@20", report.ndcg),
            ("train_seconds", trainSeconds), ("max_rss_mib", peakMiB),
        ]
        emit(json(fields))
    }

    // MARK: Support

    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        try measureSeconds(body).1
    }

    static func load(_ options: Options) throws -> (InteractionDataset, String) {
        if let directory = options.data {
            guard let format = DatasetLoader.detectFormat(directory: directory) else {
                throw EvaluationError(.unreadableFile, "cannot tell the format of \(directory)")
            }
            return (try DatasetLoader.load(directory: directory, format: format), directory)
        }
        let data = try SyntheticInteractionGraph.generate(
            users: options.users, items: options.items, trainCount: options.trainPairs, seed: 2020)
        return (data, "synthetic-gowalla")
    }

    /// The Sheaf4Rec reference's evaluation: scores multiplied by (1 − train), no −∞ mask, so
    /// training items (score 0) outrank unseen items with negative scores.
    struct MultiplicativeMaskScorer<Model: BatchRecommender>: RankingScorer {
        let model: Model
        let train: SparseMatrix
        var itemCount: Int { model.itemCount }
        func scores(users: UnsafeBufferPointer<Int32>, into output: UnsafeMutableBufferPointer<Float>) {
            model.scores(users: users, into: output)
            for (row, user) in users.enumerated() {
                for item in train.columns(inRow: Int(user)) { output[row * itemCount + Int(item)] *= 0 }
            }
        }
    }

    static func evaluate<Model: BatchRecommender>(_ model: Model, _ data: InteractionDataset, threads: Int)
        -> EvaluationReport
    {
        FullRankingEvaluator(k: 20, threads: threads).evaluate(
            scorer: ModelRankingScorer(model: model), train: data.train, test: data.test)
    }

    static func json(_ fields: [(String, Any)]) -> String {
        let body = fields.map { key, value -> String in
            switch value {
            case let text as String: return "\"\(key)\":\"\(text)\""
            case let number as Double:
                return "\"\(key)\":" + (number.isFinite ? String(format: "%.6g", number) : "null")
            default: return "\"\(key)\":\(value)"
            }
        }
        return "{" + body.joined(separator: ",") + "}"
    }

    static var peakMiB: Double { Double(ProcessStatistics.peakResidentBytes) / 1_048_576 }

    /// Trains with per-epoch progress lines (and evaluations every `evaluateEvery` epochs).
    static func train<Model: BatchRecommender>(
        _: Model.Type, name: String, data: InteractionDataset, configuration: Model.Configuration, options: Options,
        emit: (String) -> Void
    ) throws -> (Model, Double) {
        var trainSeconds = 0.0
        let cpuStart = ProcessStatistics.cpuSeconds
        var evalCPU = 0.0
        let model = try Model.fit(interactions: data.train, configuration: configuration, warmStart: nil) {
            progress, snapshot in
            trainSeconds += progress.seconds
            var line = String(
                format: "%@ epoch %d/%d: loss %.5f, %.2fs", name, progress.epoch, progress.epochCount, progress.loss,
                progress.seconds)
            if options.evaluateEvery > 0, progress.epoch % options.evaluateEvery == 0 {
                let before = ProcessStatistics.cpuSeconds
                line += " — " + evaluate(snapshot(), data, threads: options.threads).line
                evalCPU += ProcessStatistics.cpuSeconds - before
            }
            emit(line)
            return .proceed
        }
        emit(
            String(
                format: "%@: %.1fs wall, %.1fs CPU in training", name, trainSeconds,
                ProcessStatistics.cpuSeconds - cpuStart - evalCPU))
        return (model, trainSeconds)
    }
}
