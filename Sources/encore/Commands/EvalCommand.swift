import ArgumentParser
import EncoreModels
import EncoreTraining
import Foundation

/// `encore eval`: evaluate a saved model artifact with the full-ranking protocol.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a saved model on a data set (full ranking, training items masked), or compare models.",
        discussion: """
            The last line of output is one JSON object with the metrics. With --compare a,b,c each model is \
            trained in turn (in a child process of this binary, which gives its peak RSS) and a table is printed.
            """
    )

    @Option(help: "Model artifact written by `encore train --save`, or `rnn` / `c3po` (then see --artifact, --registry); not with --compare.")
    var model = ""
    @Option(help: "rnn, c3po: artifact file (rnn default: train one first).") var artifact: String?
    @Option(help: "rnn: temporal:FRACTION or at:EPOCH_SECONDS.") var split = "temporal:0.2"
    @Option(help: "Train and compare these models (comma-separated: \(GraphModelKind.availableNames)).") var compare: String?
    @Option(help: "With --compare: epochs, N for all models or name=N,name=N (default: each model's budget).")
    var epochs: String?
    @Option(help: "With --compare: mini-batches per epoch for DCCF (default 40).") var batchesPerEpoch: Int?
    @Option(help: "Data directory.") var data: String
    @Option(help: "Data format: lightgcn, tsv or recbole (default: detected).") var format: String?
    @Option(help: "K of recall@K, ndcg@K, precision@K.") var topk = 20
    @Option(help: "Worker threads.") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "c3po: load the newest promoted c3po model of this store's registry.") var registry: String?
    @OptionGroup var c3po: C3POOptions

    func validate() throws {
        if let format, !GraphTrainingOptions.formatNames.contains(format) {
            throw ValidationError("--format must be one of \(GraphTrainingOptions.formatNames.joined(separator: ", "))")
        }
        guard topk > 0, threads > 0 else { throw ValidationError("--topk and --threads must be positive") }
        guard model.isEmpty != (compare == nil) else { throw ValidationError("give either --model or --compare") }
    }

    func run() async throws {
        if let compare {
            var options = GraphModelComparison.Options(
                models: compare.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) },
                dataDirectory: data)
            options.format = format
            options.threads = threads
            options.topK = topk
            options.batchesPerEpoch = batchesPerEpoch
            if let epochs { (options.defaultEpochs, options.epochs) = try GraphModelComparison.parseEpochs(epochs) }
            options.isolation = .childProcess(executable: Bundle.main.executablePath ?? CommandLine.arguments[0])
            try GraphModelComparison.run(options, emit: GraphTraining.writeLine)
            return
        }
        if model == "rnn" {
            var options = SequenceTrainingOptions(dataSource: data)
            (options.format, options.split, options.artifactPath, options.model.threads) = (format, split, artifact, threads)
            try SequenceTraining.evaluate(options, emit: GraphTraining.writeLine)
            return
        }
        if model == "c3po" {
            return try C3POCommand.evaluate(data: data, registry: registry, artifact: artifact, options: c3po)
        }
        try GraphTraining.evaluate(
            modelPath: model, dataDirectory: data, format: format, topK: topk, threads: threads,
            emit: GraphTraining.writeLine)
    }
}
