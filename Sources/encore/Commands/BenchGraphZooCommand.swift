import ArgumentParser
import EncoreApp
import EncoreEvaluation
import EncoreModels
import EncoreNumerics
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `encore bench sheaf` and `encore bench peco`: quality and cost of the sheaf and PECO models on
/// a data set (beside popularity, and for PECO beside LightGCN and Node-Copy, in the same run), or
/// their speed on the seeded Gowalla-shaped synthetic graph. A stand-in until
/// `encore eval --compare` exists; the last output line is one JSON object.
enum BenchGraphZooCommand {
    /// Options shared by both models.
    struct Common: ParsableArguments {
        @Option(help: "Data directory (lastfm tsv, RecBole .inter, LightGCN txt); omit for the synthetic graph.")
        var data: String?
        @Option(help: "Training epochs on --data.") var epochs = 50
        @Option(help: "Steps to time on the synthetic graph (extrapolated to an epoch).") var steps = 3
        @Option(help: "Embedding size d.") var dim = 64
        @Option(help: "Layers K.") var layers: Int?
        @Option(help: "Adam learning rate.") var lr: Float?
        @Option(help: "Mini-batch size.") var batchSize: Int?
        @Option(help: "Regularisation weight.") var decay: Float?
        @Option(help: "Evaluate every N epochs (0: only at the end).") var evalEvery = 0
        @Option(help: "Worker threads.") var threads = ProcessInfo.processInfo.activeProcessorCount
        @Option(help: "Seed.") var seed: UInt64?
        @Option(help: "Synthetic graph: users.") var users = 29_858
        @Option(help: "Synthetic graph: items.") var items = 40_981
        @Option(help: "Synthetic graph: training pairs.") var trainPairs = 810_128
    }

    static func emit(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// User + system CPU seconds of the process so far (the machine is shared: wall time
    /// includes waiting for a core, CPU time does not).
    static var cpuSeconds: Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6
    }

    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        try body()
        let elapsed = clock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    static func load(_ common: Common) throws -> (InteractionDataset, String) {
        if let directory = common.data {
            guard let format = DatasetLoader.detectFormat(directory: directory) else {
                throw ValidationError("cannot tell the format of \(directory)")
            }
            return (try DatasetLoader.load(directory: directory, format: format), directory)
        }
        let data = try SyntheticInteractionGraph.generate(
            users: common.users, items: common.items, trainCount: common.trainPairs, seed: 2020)
        return (data, "synthetic-gowalla")
    }

    struct Scorer<Model: BatchRecommender>: RankingScorer {
        let model: Model
        var itemCount: Int { model.itemCount }
        func scores(users: UnsafeBufferPointer<Int32>, into output: UnsafeMutableBufferPointer<Float>) {
            model.scores(users: users, into: output)
        }
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
            scorer: Scorer(model: model), train: data.train, test: data.test)
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

    /// Trains with per-epoch progress lines (and evaluations every `evalEvery` epochs).
    static func train<Model: BatchRecommender>(
        _: Model.Type, name: String, data: InteractionDataset, configuration: Model.Configuration, common: Common
    ) throws -> (Model, Double) {
        var trainSeconds = 0.0
        let cpuStart = cpuSeconds
        var evalCPU = 0.0
        let model = try Model.fit(interactions: data.train, configuration: configuration, warmStart: nil) {
            progress, snapshot in
            trainSeconds += progress.seconds
            var line = String(
                format: "%@ epoch %d/%d: loss %.5f, %.2fs", name, progress.epoch, progress.epochCount, progress.loss,
                progress.seconds)
            if common.evalEvery > 0, progress.epoch % common.evalEvery == 0 {
                let before = cpuSeconds
                line += " — " + evaluate(snapshot(), data, threads: common.threads).line
                evalCPU += cpuSeconds - before
            }
            emit(line)
            return .proceed
        }
        emit(
            String(format: "%@: %.1fs wall, %.1fs CPU in training", name, trainSeconds, cpuSeconds - cpuStart - evalCPU)
        )
        return (model, trainSeconds)
    }

    struct Sheaf: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sheaf",
            abstract:
                "Sheaf4Rec: recall/ndcg@20 (−∞ mask and the reference's multiplicative mask), train s, peak RSS; or speed on the synthetic graph.",
            discussion: "The last line of output is one JSON object with the measurements.")
        @OptionGroup var common: Common

        func run() throws {
            BLAS.setThreadCount(1)
            let (data, name) = try load(common)
            emit("\(name): \(data.summary)")
            var configuration = SheafConfiguration()
            configuration.embeddingDimension = common.dim
            configuration.layerCount = common.layers ?? configuration.layerCount
            configuration.learningRate = common.lr ?? configuration.learningRate
            configuration.batchSize = common.batchSize ?? configuration.batchSize
            configuration.regularization = common.decay ?? configuration.regularization
            configuration.seed = common.seed ?? configuration.seed
            configuration.threads = common.threads
            configuration.epochs = common.epochs
            if common.data == nil {
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
                for step in 1...common.steps {
                    let cpu = cpuSeconds
                    let s = seconds {
                        _ = trainer.lossAndGradient(users: users, positives: positives, negatives: negatives)
                    }
                    let used = cpuSeconds - cpu
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
                let evalSeconds = seconds { report = evaluate(model!, data, threads: common.threads) }
                emit(
                    String(
                        format:
                            "sheaf synthetic: %.3fs per step (best of %d), %.0fs per epoch extrapolated (%d batches); readout %.2fs; eval of %d users %.2fs; peak RSS %.0f MiB",
                        stepSeconds, common.steps, epochSeconds, trainer.batchesPerEpoch, readoutSeconds,
                        report!.userCount, evalSeconds, peakMiB))
                emit(
                    json([
                        ("benchmark", "sheaf-synthetic"), ("step_seconds", stepSeconds), ("step_cpu_seconds", stepCPU),
                        ("epoch_seconds", epochSeconds),
                        ("batches_per_epoch", trainer.batchesPerEpoch), ("eval_seconds", evalSeconds),
                        ("threads", common.threads), ("dim", configuration.embeddingDimension),
                        ("layers", configuration.layerCount), ("max_rss_mib", peakMiB),
                    ]))
                return
            }
            let (model, trainSeconds) = try train(
                SheafRecommender.self, name: "sheaf", data: data, configuration: configuration, common: common)
            let ours = evaluate(model, data, threads: common.threads)
            let empty = SparseMatrix(rows: data.userCount, columns: data.itemCount, rowIndices: [], columnIndices: [])
            let reference = FullRankingEvaluator(k: 20, threads: common.threads).evaluate(
                scorer: MultiplicativeMaskScorer(model: model, train: data.train), train: empty, test: data.test)
            let popularity = FullRankingEvaluator(k: 20, threads: common.threads).evaluate(
                scorer: PopularityScorer(train: data.train), train: data.train, test: data.test)
            emit("sheaf (−∞ mask):              \(ours.line)")
            emit("sheaf (reference ×(1−train)): \(reference.line)")
            emit("popularity:                   \(popularity.line)")
            emit(String(format: "train %.1fs, peak RSS %.0f MiB", trainSeconds, peakMiB))
            emit(
                json([
                    ("benchmark", "sheaf"), ("data", name), ("epochs", common.epochs),
                    ("recall@20", ours.recall), ("ndcg@20", ours.ndcg),
                    ("recall@20_reference_mask", reference.recall), ("ndcg@20_reference_mask", reference.ndcg),
                    ("popularity_recall@20", popularity.recall), ("popularity_ndcg@20", popularity.ndcg),
                    ("train_seconds", trainSeconds), ("max_rss_mib", peakMiB),
                ]))
        }
    }

    struct PECO: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "peco",
            abstract:
                "PECO-inspired model beside LightGCN and Node-Copy (ω = 0) in one run; or speed on the synthetic graph.",
            discussion: "The last line of output is one JSON object with the measurements.")
        @OptionGroup var common: Common
        @Option(help: "Concurrence weight ω.") var omega: Float = 0.3
        @Option(help: "Sampled graphs S.") var samples = 5
        @Option(help: "Sampled degree ratio ρ.") var ratio: Float = 0.5
        @Option(help: "Pretraining fraction of the epochs.") var pretrain: Float = 0.25
        @Flag(help: "Skip the LightGCN and Node-Copy runs.") var alone = false

        func run() throws {
            BLAS.setThreadCount(1)
            let (data, name) = try load(common)
            emit("\(name): \(data.summary)")
            var configuration = PECOConfiguration()
            configuration.backbone.embeddingDimension = common.dim
            configuration.backbone.layerCount = common.layers ?? configuration.backbone.layerCount
            configuration.backbone.learningRate = common.lr ?? configuration.backbone.learningRate
            configuration.backbone.batchSize = common.batchSize ?? configuration.backbone.batchSize
            configuration.backbone.regularization = common.decay ?? configuration.backbone.regularization
            configuration.backbone.seed = common.seed ?? configuration.backbone.seed
            configuration.backbone.threads = common.threads
            configuration.backbone.epochs = common.epochs
            configuration.concurrenceWeight = omega
            configuration.sampleCount = samples
            configuration.sampledDegreeRatio = ratio
            configuration.pretrainFraction = pretrain
            if common.data == nil {
                let trainer = try LightGCNTrainer(interactions: data.train, configuration: configuration.backbone)
                var graphs = [SparseMatrix]()
                let users = trainer.propagatedEmbeddings().rows(0..<data.userCount)
                var similar = [Int32]()
                let similarSeconds = seconds {
                    similar = PECOGraphGenerator.similarUsers(
                        userEmbeddings: users, count: configuration.similarUsers, threads: common.threads)
                }
                let generator = PECOGraphGenerator(interactions: data.train, configuration: configuration)
                var sampledEdges = 0
                let generateSeconds = seconds {
                    for s in 0..<samples {
                        let sampled = generator.sampledEdges(sample: s, similar: similar)
                        sampledEdges += sampled.nonzeroCount
                        graphs.append(NormalizedAdjacency.build(interactions: generator.union(sampled)))
                    }
                }
                trainer.usePropagationAdjacency(graphs[0])
                let stepsPerEpoch =
                    (data.train.nonzeroCount + configuration.backbone.batchSize - 1)
                    / configuration.backbone.batchSize
                let partial = trainer.trainPartialEpoch(batches: common.steps * 10)
                let epochSeconds = partial.seconds / Double(common.steps * 10) * Double(stepsPerEpoch)
                let plain = try LightGCNTrainer(interactions: data.train, configuration: configuration.backbone)
                let plainPartial = plain.trainPartialEpoch(batches: common.steps * 10)
                let plainEpoch = plainPartial.seconds / Double(common.steps * 10) * Double(stepsPerEpoch)
                var model: PECORecommender?
                let modelSeconds = seconds {
                    model = PECORecommender.model(trainer: trainer, configuration: configuration, graphs: graphs)
                }
                var report: EvaluationReport?
                let evalSeconds = seconds { report = evaluate(model!, data, threads: common.threads) }
                emit(
                    String(
                        format:
                            "peco synthetic: similar users %.2fs, %d graphs generated in %.2fs (%.0f sampled edges each); epoch %.1fs extrapolated vs LightGCN %.1fs on the observed graph; averaged readout %.2fs; eval of %d users (S·d = %d) %.2fs; peak RSS %.0f MiB",
                        similarSeconds, samples, generateSeconds, Double(sampledEdges) / Double(samples), epochSeconds,
                        plainEpoch, modelSeconds, report!.userCount, samples * common.dim, evalSeconds, peakMiB))
                emit(
                    json([
                        ("benchmark", "peco-synthetic"), ("similar_seconds", similarSeconds),
                        ("generate_seconds", generateSeconds), ("epoch_seconds", epochSeconds),
                        ("lightgcn_epoch_seconds", plainEpoch), ("readout_seconds", modelSeconds),
                        ("eval_seconds", evalSeconds), ("threads", common.threads), ("max_rss_mib", peakMiB),
                    ]))
                return
            }
            var fields: [(String, Any)] = [("benchmark", "peco"), ("data", name), ("epochs", common.epochs)]
            let popularity = FullRankingEvaluator(k: 20, threads: common.threads).evaluate(
                scorer: PopularityScorer(train: data.train), train: data.train, test: data.test)
            emit("popularity: \(popularity.line)")
            fields += [("popularity_recall@20", popularity.recall), ("popularity_ndcg@20", popularity.ndcg)]
            if !alone {
                let (lightGCN, lightSeconds) = try train(
                    LightGCN.self, name: "lightgcn", data: data, configuration: configuration.backbone, common: common)
                let report = evaluate(lightGCN, data, threads: common.threads)
                emit(String(format: "lightgcn: %@, train %.1fs", report.line, lightSeconds))
                fields += [
                    ("lightgcn_recall@20", report.recall), ("lightgcn_ndcg@20", report.ndcg),
                    ("lightgcn_train_seconds", lightSeconds),
                ]
                var nodeCopy = configuration
                nodeCopy.concurrenceWeight = 0
                let (copyModel, copySeconds) = try train(
                    PECORecommender.self, name: "node-copy", data: data, configuration: nodeCopy, common: common)
                let copyReport = evaluate(copyModel, data, threads: common.threads)
                emit(String(format: "node-copy (ω = 0): %@, train %.1fs", copyReport.line, copySeconds))
                fields += [
                    ("nodecopy_recall@20", copyReport.recall), ("nodecopy_ndcg@20", copyReport.ndcg),
                    ("nodecopy_train_seconds", copySeconds),
                ]
            }
            let (model, trainSeconds) = try train(
                PECORecommender.self, name: "peco", data: data, configuration: configuration, common: common)
            let report = evaluate(model, data, threads: common.threads)
            emit(
                String(
                    format: "peco (ω = %.2f): %@, train %.1fs, peak RSS %.0f MiB", omega, report.line, trainSeconds,
                    peakMiB))
            fields += [
                ("omega", Double(omega)), ("recall@20", report.recall), ("ndcg@20", report.ndcg),
                ("train_seconds", trainSeconds), ("max_rss_mib", peakMiB),
            ]
            emit(json(fields))
        }
    }
}
