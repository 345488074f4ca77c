import ArgumentParser
import EncoreApp
import Foundation

/// `encore eval`: evaluate a saved model artifact with the full-ranking protocol.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a saved model on a data set (full ranking, training items masked).",
        discussion: "The last line of output is one JSON object with the metrics."
    )

    @Option(help: "Model artifact written by `encore train --save`, or `rnn` / `c3po` (then see --artifact, --registry).")
    var model: String
    @Option(help: "rnn, c3po: artifact file (rnn default: train one first).") var artifact: String?
    @Option(help: "rnn: temporal:FRACTION or at:EPOCH_SECONDS.") var split = "temporal:0.2"
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
    }

    func run() async throws {
        if model == "rnn" {
            var options = SequenceTrainingOptions(dataSource: data)
            (options.format, options.split, options.artifactPath, options.threads) = (format, split, artifact, threads)
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
