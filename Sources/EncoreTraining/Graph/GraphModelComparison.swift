import EncoreModels
import Foundation

/// `encore eval --compare a,b,c --data DIR`: trains each listed model in turn with its defaults
/// (and a per-model epoch budget), evaluates it with the full-ranking protocol on the same split,
/// and prints a comparison table and a last-line JSON summary.
///
/// **Peak memory.** By default every model runs in a child process of the same binary
/// (`encore train --model NAME …`), so its peak RSS is that child's own `getrusage` high-water
/// mark — the whole cost of loading the data and training that model, independent of the
/// order of the list. In-process mode (``Isolation/inProcess``, used by the tests) reports the
/// increase of this process's high-water mark during the model's run, a lower bound that is 0
/// when an earlier model already peaked higher.
public enum GraphModelComparison {
    /// How models are run.
    public enum Isolation: Sendable {
        /// Each model in `executable train …` (the `encore` binary).
        case childProcess(executable: String)
        /// In this process, one after another.
        case inProcess
    }

    /// Settings.
    public struct Options: Sendable {
        /// Model names, in order.
        public var models: [String]
        /// Data directory (as for `encore train`, including `synthetic:gowalla`).
        public var dataDirectory: String
        /// Data format name, or `nil` to detect.
        public var format: String?
        /// Epochs per model name (overrides ``GraphModelKind/comparisonEpochs``).
        public var epochs: [String: Int] = [:]
        /// Epochs for every trained model not in ``epochs`` (overrides the per-model budget).
        public var defaultEpochs: Int?
        /// Mini-batches per epoch for the models that take it (DCCF), or `nil` for their default.
        public var batchesPerEpoch: Int?
        /// Worker threads.
        public var threads = 1
        /// The K of recall@K and ndcg@K.
        public var topK = 20
        /// Child processes or in-process.
        public var isolation: Isolation = .inProcess

        /// Creates options.
        public init(models: [String], dataDirectory: String) {
            self.models = models
            self.dataDirectory = dataDirectory
        }
    }

    /// One model's results.
    public struct Row: Sendable, Equatable {
        public var model: String
        public var epochs: Int
        public var recall: Double
        public var ndcg: Double
        public var popularityRecall: Double
        public var trainSeconds: Double
        /// CPU seconds (user + system) of training and the in-training evaluations.
        public var cpuSeconds: Double
        public var peakMiB: Double
    }

    /// Parses `--epochs`: either `N` (every model) or `name=N,name=N`.
    ///
    /// - Throws: ``EncoreModels/ModelError`` for malformed text.
    public static func parseEpochs(_ text: String) throws -> (all: Int?, perModel: [String: Int]) {
        if let all = Int(text), all >= 0 { return (all, [:]) }
        var result = [String: Int]()
        for part in text.split(separator: ",") {
            let pieces = part.split(separator: "=")
            guard pieces.count == 2, let value = Int(pieces[1]), value >= 0 else {
                throw ModelError(.invalidInput, "--epochs must be N or name=N,name=N; got '\(text)'")
            }
            result[String(pieces[0]).lowercased()] = value
        }
        return (nil, result)
    }

    /// Runs the comparison; returns the rows (the JSON line is emitted last).
    ///
    /// - Throws: ``EncoreModels/ModelError`` naming the available models if a name is unknown
    ///   (before anything runs), or the first model's failure.
    @discardableResult
    public static func run(_ options: Options, emit: (String) -> Void) throws -> [Row] {
        let kinds = try options.models.map { try GraphModelKind.named($0) }
        guard !kinds.isEmpty else {
            throw ModelError(.invalidInput, "--compare needs at least one model (available: \(GraphModelKind.availableNames))")
        }
        var rows = [Row]()
        for kind in kinds {
            let epochs = options.epochs[kind.name] ?? options.defaultEpochs ?? kind.comparisonEpochs
            emit("== \(kind.name): \(kind.summary)" + (epochs.map { ", \($0) epochs" } ?? ""))
            let prefix = "[\(kind.name)] "
            let summary: [String: Any]
            var peakMiB: Double
            switch options.isolation {
            case .inProcess:
                var training = GraphTrainingOptions(dataDirectory: options.dataDirectory)
                training.model = kind.name
                training.format = options.format
                training.epochs = epochs
                training.batchesPerEpoch = options.batchesPerEpoch
                training.threads = options.threads
                training.topK = options.topK
                training.evaluateEvery = 0
                let before = ProcessStatistics.peakResidentBytes
                let json = try GraphTraining.train(training) { emit(prefix + $0) }
                peakMiB = Double(ProcessStatistics.peakResidentBytes - before) / 1_048_576
                summary = try parse(json)
            case .childProcess(let executable):
                var arguments = [
                    "train", "--model", kind.name, "--data", options.dataDirectory, "--threads", String(options.threads),
                    "--topk", String(options.topK), "--eval-every", "0",
                ]
                if let format = options.format { arguments += ["--format", format] }
                if let epochs { arguments += ["--epochs", String(epochs)] }
                if let batches = options.batchesPerEpoch { arguments += ["--batches-per-epoch", String(batches)] }
                let last = try runChild(executable: executable, arguments: arguments) { emit(prefix + $0) }
                summary = try parse(last)
                peakMiB = summary["max_rss_mib"] as? Double ?? .nan
            }
            let k = options.topK
            rows.append(
                Row(
                    model: kind.name, epochs: summary["epochs"] as? Int ?? 0,
                    recall: number(summary["recall@\(k)"]), ndcg: number(summary["ndcg@\(k)"]),
                    popularityRecall: number(summary["popularity_recall@\(k)"]),
                    trainSeconds: number(summary["train_seconds"]), cpuSeconds: number(summary["cpu_seconds"]),
                    peakMiB: peakMiB))
        }
        let k = options.topK
        emit("")
        emit("data \(options.dataDirectory), full ranking, K = \(k), \(options.threads) thread(s)")
        func pad(_ text: String, _ width: Int) -> String {
            text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
        }
        emit(
            pad("model", 11) + "| epochs | recall@\(k) | ndcg@\(k) | train s | CPU s | peak RSS MiB")
        for row in rows {
            emit(
                pad(row.model, 11)
                    + String(
                        format: "| %6d | %9.4f | %7.4f | %7.1f | %5.1f | %12.0f", row.epochs, row.recall, row.ndcg,
                        row.trainSeconds, row.cpuSeconds, row.peakMiB))
        }
        if let first = rows.first {
            emit(pad("popularity", 11) + String(format: "|      - | %9.4f |", first.popularityRecall))
        }
        var fields: [(String, GraphTraining.JSONValue)] = [
            ("compare", .string(rows.map(\.model).joined(separator: ","))), ("data", .string(options.dataDirectory)),
            ("peak_memory", .string(options.isolation.description)),
        ]
        for row in rows {
            fields += [
                ("\(row.model)_epochs", .integer(row.epochs)), ("\(row.model)_recall@\(k)", .number(row.recall)),
                ("\(row.model)_ndcg@\(k)", .number(row.ndcg)), ("\(row.model)_train_seconds", .number(row.trainSeconds)),
                ("\(row.model)_cpu_seconds", .number(row.cpuSeconds)),
                ("\(row.model)_peak_rss_mib", .number(row.peakMiB)),
            ]
        }
        fields.append(("popularity_recall@\(k)", .number(rows.first?.popularityRecall ?? .nan)))
        emit(GraphTraining.summaryJSON(fields))
        return rows
    }

    static func number(_ value: Any?) -> Double {
        if let value = value as? Double { return value }
        if let value = value as? Int { return Double(value) }
        return .nan
    }

    static func parse(_ line: String) throws -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw ModelError(.invalidInput, "model run did not end with a JSON summary: \(line.prefix(200))")
        }
        return object
    }

    /// Runs `executable arguments…`, forwarding each output line; returns the last line.
    static func runChild(executable: String, arguments: [String], emit: (String) -> Void) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.standardError
        do {
            try process.run()
        } catch {
            throw ModelError(.io, "cannot start \(executable)", underlying: error)
        }
        let handle = pipe.fileHandleForReading
        var buffer = Data()
        var last = ""
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                if !line.isEmpty { last = line }
                emit(line)
            }
        }
        if !buffer.isEmpty {
            let line = String(decoding: buffer, as: UTF8.self)
            last = line
            emit(line)
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ModelError(
                .invalidInput, "\(executable) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
        return last
    }
}

extension GraphModelComparison.Isolation: CustomStringConvertible {
    public var description: String {
        switch self {
        case .childProcess: "peak RSS of a child process per model"
        case .inProcess: "increase of this process's peak RSS during the model (lower bound)"
        }
    }
}
