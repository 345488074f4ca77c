import EncoreEvaluation
import EncoreModels
import EncoreNumerics
import EncoreStore
import Foundation

/// The library behind `encore train --model rnn` and `encore eval --model rnn`.
///
/// Output goes through `emit` one line at a time: the data summary, one progress line per
/// epoch, the evaluation of the RNN and of three baselines (popularity, last-item
/// co-occurrence item-kNN, the user's most-played tracks) by the same evaluator in the same
/// run, and as the last line one JSON object.
public enum SequenceTraining {
    /// What an evaluation run measured.
    public struct Result: Sendable {
        /// The RNN's report.
        public var model: SequenceRankingReport
        /// Baseline reports by name (`popularity`, `item_knn`, `most_played`).
        public var baselines: [(String, SequenceRankingReport)]
        /// The final JSON line.
        public var json: String
    }

    /// Trains on the events before the split, evaluates on the rest, optionally saves.
    ///
    /// - Throws: ``EvaluationError`` for unreadable data, ``ModelError`` for bad options.
    @discardableResult
    public static func train(_ options: SequenceTrainingOptions, emit: (String) -> Void) throws -> Result {
        BLAS.setThreadCount(1)
        let data = try SequenceData.load(options.dataSource, format: options.format)
        let split = try SequenceSplit(parsing: options.split)
        let span = data.log.timeSpan
        let cutoff = split.cutoffMs(firstMs: span.first, lastMs: span.last)
        emit("data \(data.description): \(data.summary)")
        let train = data.corpus.prefix(beforeMs: cutoff)
        emit("split \(split): cut-off \(cutoff / 1000) s, \(train.events.count) training events")
        let (items, embeddingSeconds) = try measureSeconds { try itemTable(options, train: train, itemCount: data.log.itemCount) }
        emit(String(format: "items %@ d=%d (%.2fs)", items.source, items.dimension, embeddingSeconds))
        let configuration = options.model
        emit(
            "rnn gru H=\(configuration.hiddenSize) window=\(configuration.window) lanes=\(configuration.lanes) "
                + "lr=\(configuration.learningRate) beta=\(configuration.longWeight) epochs=\(configuration.epochs) "
                + "seed=\(configuration.seed) threads=\(configuration.threads) loss=\(configuration.loss.rawValue) "
                + "tau0=\(configuration.temperature)")
        let evaluator = SequenceEvaluator(log: data.log, cutoffMs: cutoff)
        var trainSeconds = 0.0, evalSeconds = 0.0, epochsRun = 0
        var model = try SequenceTrainer.fit(corpus: train, items: items, configuration: configuration) {
            progress, snapshot in
            trainSeconds += progress.seconds
            epochsRun = progress.epoch
            var line = String(
                format: "epoch %d/%d loss %.5f %.2fs %.0f sequences/s", progress.epoch, progress.epochCount,
                progress.loss, progress.seconds, Double(progress.examples) / max(progress.seconds, 1e-9))
            if options.evaluateEvery > 0 && progress.epoch % options.evaluateEvery == 0
                && progress.epoch < progress.epochCount
            {
                let (report, seconds) = measureSeconds { evaluateModel(snapshot(), data: data, evaluator: evaluator) }
                evalSeconds += seconds
                line += " | " + report.line + String(format: " (eval %.2fs)", seconds)
            }
            let remaining = Double(progress.epochCount - progress.epoch) * trainSeconds / Double(progress.epoch)
            line += String(format: " | elapsed %.0fs ETA %.0fs", trainSeconds + evalSeconds, remaining)
            emit(line)
            return .proceed
        }
        var result = try evaluateAll(model, data: data, evaluator: evaluator, emit: emit)
        evalSeconds += result.1
        var metrics = [String: Double]()
        metrics["hr@20"] = result.0.model.hitRate(at: 20)
        metrics["mrr@20"] = result.0.model.meanReciprocalRank(at: 20)
        metrics["train_seconds"] = trainSeconds
        model = model.withFingerprint("events=\(train.events.count) users=\(train.userCount) cutoff=\(cutoff)")
        if let path = options.savePath {
            try model.artifact(metrics: metrics).write(to: path)
            emit("saved \(path)")
        }
        if let path = options.registryPath {
            let name = try ArtifactRegistry(store: EncoreStore(path: path)).save(model.artifact(metrics: metrics))
            emit("registered \(name) in \(path)")
        }
        result.0.json = json(
            result.0, extra: [
                ("epochs", "\(epochsRun)"), ("hidden", "\(configuration.hiddenSize)"),
                ("embeddings", "\"\(items.source)\""), ("split", "\"\(split)\""), ("seed", "\(configuration.seed)"),
                ("loss", "\"\(configuration.loss.rawValue)\""), ("temperature", number(Double(model.temperature))),
                ("train_seconds", number(trainSeconds)), ("eval_seconds", number(evalSeconds)),
                ("embedding_seconds", number(embeddingSeconds)),
            ])
        emit(result.0.json)
        return result.0
    }

    /// Evaluates a saved RNN artifact (or, without one, trains first) on a data set.
    @discardableResult
    public static func evaluate(_ options: SequenceTrainingOptions, emit: (String) -> Void) throws -> Result {
        guard let path = options.artifactPath else { return try train(options, emit: emit) }
        BLAS.setThreadCount(1)
        let model = try SequenceModel(artifact: ModelArtifact(contentsOf: path))
        let data = try SequenceData.load(options.dataSource, format: options.format)
        guard data.log.itemCount <= model.itemCount else {
            throw ModelError(.invalidInput, "data has \(data.log.itemCount) items, the model \(model.itemCount)")
        }
        let split = try SequenceSplit(parsing: options.split)
        let span = data.log.timeSpan
        let cutoff = split.cutoffMs(firstMs: span.first, lastMs: span.last)
        emit("model \(path): rnn H=\(model.hiddenSize), items \(model.items.source), \(model.trainedEpochs) epochs")
        emit("data \(data.description): \(data.summary)")
        emit("split \(split): cut-off \(cutoff / 1000) s")
        let log = SequenceLog(
            offsets: data.log.offsets, items: data.log.items, timestampsMs: data.log.timestampsMs,
            listened: data.log.listened, itemCount: model.itemCount)
        let padded = SequenceData(corpus: data.corpus, log: log, description: data.description)
        var (result, seconds) = try evaluateAll(model, data: padded, evaluator: SequenceEvaluator(log: log, cutoffMs: cutoff), emit: emit)
        result.json = json(result, extra: [("epochs", "\(model.trainedEpochs)"), ("hidden", "\(model.hiddenSize)"),
            ("embeddings", "\"\(model.items.source)\""), ("split", "\"\(split)\""), ("eval_seconds", number(seconds))])
        emit(result.json)
        return result
    }

    /// The item space the options ask for, from training events only.
    static func itemTable(_ options: SequenceTrainingOptions, train: SequenceCorpus, itemCount: Int) throws
        -> ItemEmbeddingTable
    {
        if options.embeddings == "lightgcn" || options.embeddings.hasPrefix("lightgcn:epochs=") {
            // A graph generation trained here on the training events only (no leakage past the cut-off).
            var configuration = LightGCNConfiguration()
            configuration.embeddingDimension = options.cooccurrence.dimension
            configuration.epochs = options.embeddings.hasPrefix("lightgcn:epochs=")
                ? Int(options.embeddings.dropFirst("lightgcn:epochs=".count)) ?? 100 : 100
            configuration.seed = options.model.seed
            configuration.threads = options.model.threads
            var users = [Int32](), items = [Int32]()
            for user in 0..<train.userCount {
                for index in train.offsets[user]..<train.offsets[user + 1] {
                    users.append(Int32(user))
                    items.append(train.events[index].item)
                }
            }
            let matrix = SparseMatrix(
                rows: train.userCount, columns: itemCount, rowIndices: users, columnIndices: items, duplicates: .keepFirst)
            let graph = try LightGCN.fit(interactions: matrix, configuration: configuration, warmStart: nil) { _, _ in .proceed }
            // Items without training events keep their random initial row: zero them ("unknown").
            var vectors = graph.itemEmbeddings.storage
            let d = configuration.embeddingDimension
            var seen = [Bool](repeating: false, count: itemCount)
            for item in items { seen[Int(item)] = true }
            for item in 0..<itemCount where !seen[item] { for k in 0..<d { vectors[item * d + k] = 0 } }
            return ItemEmbeddingTable(
                vectors: vectors, itemCount: itemCount, dimension: d, source: "lightgcn(\(configuration.epochs) epochs)")
        }
        if options.embeddings.hasPrefix("lightgcn:") {
            let path = String(options.embeddings.dropFirst("lightgcn:".count))
            let graph = try LightGCN(artifact: ModelArtifact(contentsOf: path))
            guard graph.itemCount >= itemCount else {
                throw ModelError(.invalidInput, "LightGCN has \(graph.itemCount) items, the data \(itemCount)")
            }
            return ItemEmbeddingTable(lightGCN: graph, source: "lightgcn:\(path)")
        }
        guard options.embeddings == "cooccurrence" || options.embeddings.hasPrefix("cooccurrence:") else {
            throw ModelError(
                .invalidInput,
                "unknown embeddings '\(options.embeddings)' (cooccurrence[:epochs=…,window=…,min=…,negatives=…,dim=…,sub=…,lr=…,pop=…] or lightgcn:ARTIFACT)")
        }
        var configuration = options.cooccurrence
        configuration.seed = options.model.seed
        if let colon = options.embeddings.firstIndex(of: ":") {
            for pair in options.embeddings[options.embeddings.index(after: colon)...].split(separator: ",") {
                let parts = pair.split(separator: "=").map(String.init)
                guard parts.count == 2, let value = Double(parts[1]), value >= 0 else {
                    throw ModelError(.invalidInput, "bad co-occurrence option '\(pair)'")
                }
                switch parts[0] {
                case "epochs": configuration.epochs = Int(value)
                case "window": configuration.window = max(1, Int(value))
                case "min": configuration.minimumCount = Int(value)
                case "negatives": configuration.negatives = Int(value)
                case "dim": configuration.dimension = max(1, Int(value))
                case "sub": configuration.subsampling = value
                case "lr": configuration.initialLearningRate = Float(value)
                case "pop": configuration.popularityAxis = Float(value)
                default: throw ModelError(.invalidInput, "unknown co-occurrence option '\(parts[0])'")
                }
            }
        }
        return CooccurrenceEmbedding.train(sessions: train.sessions(), itemCount: itemCount, configuration: configuration)
    }

    /// The RNN's report alone.
    static func evaluateModel(_ model: SequenceModel, data: SequenceData, evaluator: SequenceEvaluator)
        -> SequenceRankingReport
    {
        var scorer = SequenceModelScorer(model: model, corpus: data.corpus, maximumGroup: evaluator.groupSize)
        return evaluator.evaluate(&scorer)
    }

    /// The RNN and the three baselines through the same evaluator; returns the result and seconds.
    static func evaluateAll(
        _ model: SequenceModel, data: SequenceData, evaluator: SequenceEvaluator, emit: (String) -> Void
    ) throws -> (Result, Double) {
        let (report, seconds) = measureSeconds { evaluateModel(model, data: data, evaluator: evaluator) }
        emit("rnn " + report.line + String(format: " (eval %.2fs)", seconds))
        let cutoff = evaluator.cutoffMs
        var popularity = SequencePopularityBaseline(log: data.log, cutoffMs: cutoff)
        var knn = SequenceItemKNNBaseline(log: data.log, cutoffMs: cutoff)
        var mostPlayed = SequenceMostPlayedBaseline(log: data.log, cutoffMs: cutoff)
        let baselines = [
            ("popularity", evaluator.evaluate(&popularity)), ("item_knn", evaluator.evaluate(&knn)),
            ("most_played", evaluator.evaluate(&mostPlayed)),
        ]
        for (name, baseline) in baselines { emit("baseline \(name) " + baseline.line) }
        let best = baselines.map { $0.1.hitRate(at: 20) }.max() ?? 0
        emit(
            String(
                format: "rnn hr@20 %.4f vs best baseline %.4f (%+.1f%%); %d points, %d skipped (target unseen in training)",
                report.hitRate(at: 20), best, best > 0 ? 100 * (report.hitRate(at: 20) / best - 1) : 0, report.points,
                report.skippedOutOfVocabulary))
        return (Result(model: report, baselines: baselines, json: ""), seconds)
    }

    static func number(_ value: Double) -> String { value.isFinite ? String(format: "%.6g", value) : "null" }

    /// `{"model":"rnn","hr@20":…,"mrr@20":…,"baseline_hr@20":{…},"baseline_mrr@20":{…},…}`.
    static func json(_ result: Result, extra: [(String, String)]) -> String {
        let report = result.model
        var fields: [(String, String)] = [
            ("model", "\"rnn\""), ("hr@20", number(report.hitRate(at: 20))),
            ("mrr@20", number(report.meanReciprocalRank(at: 20))),
        ]
        func object(_ metric: (SequenceRankingReport) -> Double) -> String {
            "{" + result.baselines.map { "\"\($0.0)\":\(number(metric($0.1)))" }.joined(separator: ",") + "}"
        }
        fields.append(("baseline_hr@20", object { $0.hitRate(at: 20) }))
        fields.append(("baseline_mrr@20", object { $0.meanReciprocalRank(at: 20) }))
        for k in [1, 5, 10] {
            fields.append(("hr@\(k)", number(report.hitRate(at: k))))
            fields.append(("mrr@\(k)", number(report.meanReciprocalRank(at: k))))
        }
        fields.append(("conservative_hr@20", number(report.conservativeHitRate(at: 20))))
        fields.append(("conservative_mrr@20", number(report.conservativeMeanReciprocalRank(at: 20))))
        fields.append(("user_hr@20", number(report.userHitRate)))
        fields.append(("points", "\(report.points)"))
        fields.append(("skipped_out_of_vocabulary", "\(report.skippedOutOfVocabulary)"))
        fields += extra
        fields.append(("max_rss_mib", number(Double(ProcessStatistics.peakResidentBytes) / 1_048_576)))
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }
}
