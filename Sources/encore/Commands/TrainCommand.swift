import ArgumentParser
import EncoreApp
import Foundation

/// `encore train`: fit a batch graph model, evaluate with the full-ranking protocol, save it.
struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a batch graph model (LightGCN) and evaluate it with full ranking.",
        discussion: "Prints one progress line per epoch and, as the last line, one JSON object with the metrics."
    )

    @Option(help: "Model to train.") var model = "lightgcn"
    @Option(help: "Data directory (train.txt/test.txt, train.tsv/test.tsv, a RecBole .inter file, or an Encore .sqlite store).") var data: String
    @Option(help: "Data format: lightgcn, tsv or recbole (default: detected from the files).") var format: String?
    @Option(help: "Training epochs (default: 100 for lightgcn, 3 for rnn).") var epochs: Int?
    @Option(help: "Triplets per mini-batch.") var batchSize = 2048
    @Option(help: "Embedding size d.") var dim = 64
    @Option(help: "Propagation layers K.") var layers = 3
    @Option(help: "Adam learning rate.") var lr: Float = 0.001
    @Option(help: "L2 weight λ on the batch's layer-0 rows.") var decay: Float = 1e-4
    @Option(help: "Evaluate every N epochs (0: only at the end).") var evalEvery = 20
    @Option(help: "K of recall@K, ndcg@K, precision@K.") var topk = 20
    @Option(help: "Worker threads (default: all cores).") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Seed of initialisation and sampling.") var seed: UInt64 = 2020
    @Option(help: "Write the model artifact to this file.") var save: String?
    @Option(help: "Register the model in the model registry of this SQLite store (the pipelines load it from there).")
    var registry: String?
    @Option(help: "Warm-start from a saved model artifact.") var warmStart: String?
    @Option(help: "Stop once recall@K reaches this value at an evaluation (see --eval-every).") var targetRecall:
        Double?
    @Option(help: "rnn: temporal:FRACTION (last share of time is test) or at:EPOCH_SECONDS.") var split = "temporal:0.2"
    @Option(help: "rnn: hidden size H (multiple of 8).") var hidden = 128
    @Option(help: "rnn: item space, cooccurrence or lightgcn:ARTIFACT.") var embeddings = "cooccurrence"

    func validate() throws {
        guard (epochs ?? 0) >= 0 else { throw ValidationError("--epochs must be ≥ 0") }
        guard batchSize > 0, dim > 0, layers >= 0, topk > 0, threads > 0 else {
            throw ValidationError("--batch-size, --dim, --topk and --threads must be positive, --layers ≥ 0")
        }
        guard lr > 0, decay >= 0 else { throw ValidationError("--lr must be positive and --decay ≥ 0") }
        if let format, !GraphTrainingOptions.formatNames.contains(format) {
            throw ValidationError("--format must be one of \(GraphTrainingOptions.formatNames.joined(separator: ", "))")
        }
    }

    func run() async throws {
        if model == "rnn" {
            var options = SequenceTrainingOptions(dataSource: data)
            (options.format, options.split, options.hiddenSize, options.embeddings) = (format, split, hidden, embeddings)
            (options.epochs, options.embeddingDimension, options.learningRate, options.seed) = (epochs ?? 3, dim, lr, seed)
            (options.threads, options.savePath, options.registryPath) = (threads, save, registry)
            try SequenceTraining.train(options, emit: GraphTraining.writeLine)
            return
        }
        var options = GraphTrainingOptions(dataDirectory: data)
        options.model = model
        options.format = format
        options.epochs = epochs ?? 100
        options.batchSize = batchSize
        options.embeddingDimension = dim
        options.layerCount = layers
        options.learningRate = lr
        options.regularization = decay
        options.seed = seed
        options.threads = threads
        options.evaluateEvery = evalEvery
        options.topK = topk
        options.savePath = save
        options.registryPath = registry
        options.warmStartPath = warmStart
        options.targetRecall = targetRecall
        try GraphTraining.train(options, emit: GraphTraining.writeLine)
    }
}
