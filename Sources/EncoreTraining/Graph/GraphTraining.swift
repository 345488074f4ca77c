import EncoreEvaluation
import EncoreModels
import EncoreStore
import EncoreNumerics
import Foundation

/// The library behind `encore train` and `encore eval` for batch graph models.
///
/// Output goes through `emit` one line at a time: a header, one progress line per epoch, and
/// as the last line one JSON object with the final metrics and timings.
public enum GraphTraining {
    /// Trains the model named in the options (any ``GraphModelKind``), evaluates it with the
    /// full-ranking protocol, optionally saves the artifact, and returns the final JSON line
    /// (also emitted).
    ///
    /// - Throws: ``EvaluationError`` for unreadable data, ``ModelError`` for bad options or models.
    @discardableResult
    public static func train(_ options: GraphTrainingOptions, emit: (String) -> Void) throws -> String {
        let kind = try GraphModelKind.named(options.model)
        let (header, fields) = try kind.configureAndDescribe(options)
        BLAS.setThreadCount(1)
        let data = try loadData(directory: options.dataDirectory, formatName: options.format)
        emit("data \(options.dataDirectory): \(data.summary)")
        warnAboutColdTestUsers(data, emit: emit)
        emit(header)
        var warmStart: ModelArtifact?
        if let path = options.warmStartPath {
            let artifact = try ModelArtifact(contentsOf: path)
            warmStart = artifact
            emit("warm start from \(path) (\(trainedEpochs(of: artifact)) epochs)")
        }
        let evaluator = FullRankingEvaluator(k: options.topK, threads: options.threads)
        let cpuAtStart = ProcessStatistics.cpuSeconds
        var trainSeconds = 0.0, evalSeconds = 0.0
        var lastReport: EvaluationReport?
        var lastEvaluatedEpoch = -1
        var epochsRun = 0
        let model = try kind.fit(interactions: data.train, options: options, warmStart: warmStart) {
            progress, snapshot in
            trainSeconds += progress.seconds
            epochsRun = progress.epoch
            var line = String(
                format: "epoch %d/%d loss %.5f %.2fs %.0f %@/s", progress.epoch, progress.epochCount,
                progress.loss, progress.seconds, Double(progress.examples) / max(progress.seconds, 1e-9),
                kind.exampleUnit)
            let due = options.evaluateEvery > 0 && progress.epoch % options.evaluateEvery == 0
            if due {
                let (report, seconds) = measureSeconds {
                    evaluator.evaluate(scorer: snapshot().scorer, train: data.train, test: data.test)
                }
                evalSeconds += seconds
                lastReport = report
                lastEvaluatedEpoch = progress.epoch
                line += " | " + report.line + String(format: " (eval %.2fs)", seconds)
            }
            let remaining = Double(progress.epochCount - progress.epoch) * trainSeconds / Double(progress.epoch)
            line += String(format: " | elapsed %.0fs ETA %.0fs", trainSeconds + evalSeconds, remaining)
            emit(line)
            if let target = options.targetRecall, let report = lastReport, report.recall >= target {
                emit(
                    String(
                        format: "target recall@%d %.4f reached at epoch %d after %.1f train seconds", options.topK,
                        target, progress.epoch, trainSeconds))
                return .stop
            }
            return .proceed
        }
        let cpuSeconds = ProcessStatistics.cpuSeconds - cpuAtStart
        let report: EvaluationReport
        if let lastReport, lastEvaluatedEpoch == epochsRun {
            report = lastReport
        } else {
            let (fresh, seconds) = measureSeconds {
                evaluator.evaluate(scorer: model.scorer, train: data.train, test: data.test)
            }
            evalSeconds += seconds
            report = fresh
            emit("final " + report.line + String(format: " (eval %.2fs)", seconds))
        }
        let popularity = evaluator.evaluate(
            scorer: PopularityScorer(train: data.train), train: data.train, test: data.test)
        emit("baseline popularity " + popularity.line)
        if let path = options.savePath {
            var metrics = report.dictionary
            metrics["train_seconds"] = trainSeconds
            try model.artifact(metrics: metrics).write(to: path)
            emit("saved \(path)")
        }
        if let path = options.registryPath {
            var metrics = report.dictionary
            metrics["train_seconds"] = trainSeconds
            let name = try ArtifactRegistry(store: EncoreStore(path: path)).save(model.artifact(metrics: metrics))
            emit("registered \(name) in \(path)")
        }
        let json = summaryJSON(
            [
                ("model", .string(kind.name)), ("epochs", .integer(epochsRun)),
                ("recall@\(options.topK)", .number(report.recall)), ("ndcg@\(options.topK)", .number(report.ndcg)),
                ("precision@\(options.topK)", .number(report.precision)),
                ("popularity_recall@\(options.topK)", .number(popularity.recall)),
                ("train_seconds", .number(trainSeconds)), ("eval_seconds", .number(evalSeconds)),
                ("cpu_seconds", .number(cpuSeconds)),
            ] + fields + [("max_rss_mib", .number(Double(ProcessStatistics.peakResidentBytes) / 1_048_576))])
        emit(json)
        return json
    }

    /// The `trainedEpochs` recorded in an artifact's metadata (0 if absent).
    static func trainedEpochs(of artifact: ModelArtifact) -> Int {
        let object = try? JSONSerialization.jsonObject(with: Data(artifact.metadataJSON.utf8)) as? [String: Any]
        return object?["trainedEpochs"] as? Int ?? 0
    }

    /// Evaluates a saved model on a data set with the full-ranking protocol.
    ///
    /// - Returns: The JSON summary line (also emitted last).
    @discardableResult
    public static func evaluate(
        modelPath: String, dataDirectory: String, format: String?, topK: Int, threads: Int,
        emit: (String) -> Void
    ) throws -> String {
        BLAS.setThreadCount(1)
        let artifact = try ModelArtifact(contentsOf: modelPath)
        let header = try artifact.header()
        let model = try GraphModelKind.named(header.modelName).load(artifact)
        let epochs = trainedEpochs(of: artifact)
        let data = try loadData(directory: dataDirectory, formatName: format)
        guard data.userCount <= model.userCount, data.itemCount <= model.itemCount else {
            throw ModelError(
                .invalidInput,
                "data has \(data.userCount) users × \(data.itemCount) items, model \(model.userCount) × \(model.itemCount)"
            )
        }
        emit("model \(modelPath): \(header.modelName), \(epochs) epochs, created \(header.created)")
        emit("data \(dataDirectory): \(data.summary)")
        warnAboutColdTestUsers(data, emit: emit)
        if header.dataFingerprint != data.train.fingerprint() {
            emit(
                "warning: the training data differs from the data this model was trained on (fingerprint \(header.dataFingerprint))"
            )
        }
        let evaluator = FullRankingEvaluator(k: topK, threads: threads)
        let (report, seconds) = measureSeconds {
            evaluator.evaluate(scorer: model.scorer, train: data.train, test: data.test)
        }
        emit(report.line + String(format: " (eval %.2fs)", seconds))
        let json = summaryJSON([
            ("model", .string(header.modelName)), ("epochs", .integer(epochs)),
            ("recall@\(topK)", .number(report.recall)), ("ndcg@\(topK)", .number(report.ndcg)),
            ("precision@\(topK)", .number(report.precision)), ("eval_seconds", .number(seconds)),
        ])
        emit(json)
        return json
    }

    /// Test users without training items are ranked from their untrained initial embedding;
    /// the references do the same, so they are kept for parity but reported (docs/design/lightgcn.md §10).
    static func warnAboutColdTestUsers(_ data: InteractionDataset, emit: (String) -> Void) {
        let cold = data.testUsers.filter { data.train.rowLength(Int($0)) == 0 }
        if !cold.isEmpty {
            emit(
                "warning: \(cold.count) test user(s) have no training items (e.g. \(cold.prefix(3).map(String.init).joined(separator: ", "))); evaluated anyway, as the reference code does"
            )
        }
    }

    static func parseFormat(_ name: String?) throws -> DatasetLoader.Format? {
        guard let name else { return nil }
        guard let format = DatasetLoader.Format(rawValue: name) else {
            throw EvaluationError(
                .malformedInput,
                "unknown data format '\(name)' (expected \(GraphTrainingOptions.formatNames.joined(separator: ", ")))")
        }
        return format
    }

    /// Writes one line to standard output immediately (progress lines must not wait in a buffer).
    public static func writeLine(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Loads a data set by format name; `store` (or a path ending in `.sqlite`) reads Encore's
    /// SQLite store; `synthetic:gowalla` or `synthetic:USERSxITEMSxPAIRS[:SEED]` generates a
    /// seeded synthetic graph (``SyntheticDataSpec``).
    static func loadData(directory: String, formatName: String?) throws -> InteractionDataset {
        if directory.hasPrefix("synthetic:") { return try SyntheticDataSpec(directory).generate() }
        if formatName == "store" || (formatName == nil && directory.hasSuffix(".sqlite")) {
            return try StoreInteractions.load(path: directory)
        }
        return try loadData(directory: directory, format: try parseFormat(formatName))
    }

    static func loadData(directory: String, format: DatasetLoader.Format?) throws -> InteractionDataset {
        guard let format = format ?? DatasetLoader.detectFormat(directory: directory) else {
            throw EvaluationError(
                .unreadableFile,
                "cannot tell the format of \(directory): expected train.txt, train.tsv or a .inter file")
        }
        return try DatasetLoader.load(directory: directory, format: format)
    }

    /// A value of the last-line JSON summary.
    public enum JSONValue: Sendable {
        /// A string, escaped when rendered.
        case string(String)
        /// An integer.
        case integer(Int)
        /// A number, rendered with six significant digits (`null` when not finite).
        case number(Double)
    }

    /// One JSON object with keys in the given order (the last line of `encore train`, `encore
    /// eval` and the benchmarks).
    ///
    /// - Parameter fields: Keys and values, in output order.
    /// - Returns: The object on one line.
    public static func summaryJSON(_ fields: [(String, JSONValue)]) -> String {
        let body = fields.map { key, value in
            let rendered: String
            switch value {
            case .string(let text):
                rendered =
                    "\""
                    + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                    + "\""
            case .integer(let number): rendered = String(number)
            case .number(let number): rendered = number.isFinite ? String(format: "%.6g", number) : "null"
            }
            return "\"\(key)\":\(rendered)"
        }
        return "{" + body.joined(separator: ",") + "}"
    }
}
