import ArgumentParser
import EncoreModels
import EncoreTraining
import Foundation

/// `encore train`: fit a batch graph model, evaluate with the full-ranking protocol, save it.
struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model (lightgcn, gte, dccf, sheaf, peco; rnn; c3po) and evaluate it in the same run.",
        discussion: """
            Prints one progress line per epoch and, as the last line, one JSON object with the metrics. \
            `--model c3po --data sim:SEED` trains the C-3PO notification-timing predictor on a seeded simulation \
            (--sim-users, --sim-days, the last --test-days held out; --epochs is the maximum, with early stopping), \
            compares it with its baselines and the policies, and registers it with --registry STORE.
            """
    )

    @Option(help: "Model to train: \(GraphModelKind.availableNames).") var model = "lightgcn"
    @Option(help: "Data directory (train.txt/test.txt, train.tsv/test.tsv, a RecBole .inter file, or an Encore .sqlite store).") var data: String
    @Option(help: "Data format: lightgcn, tsv or recbole (default: detected from the files).") var format: String?
    @Option(help: "Training epochs (default: the model's; LightGCN 100, rnn 6).") var epochs: Int?
    @Option(help: "Triplets per mini-batch (default: the model's; LightGCN 2048).") var batchSize: Int?
    @Option(help: "Mini-batches per epoch (DCCF; default 40).") var batchesPerEpoch: Int?
    @Option(help: "Embedding size d (default: the model's; LightGCN 64).") var dim: Int?
    @Option(help: "Propagation layers K (GTE: path depth k; default: the model's).") var layers: Int?
    @Option(help: "Adam learning rate (default: the model's, 0.001).") var lr: Float?
    @Option(help: "L2 weight λ on the batch's layer-0 rows (default: the model's).") var decay: Float?
    @Option(help: "Evaluate every N epochs (0: only at the end).") var evalEvery = 20
    @Option(help: "K of recall@K, ndcg@K, precision@K.") var topk = 20
    @Option(help: "Worker threads (default: all cores).") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Seed of initialisation and sampling (default: the model's).") var seed: UInt64?
    @Option(help: "Write the model artifact to this file.") var save: String?
    @Option(help: "Register the model in the model registry of this SQLite store (the pipelines load it from there).")
    var registry: String?
    @Option(help: "Warm-start from a saved model artifact.") var warmStart: String?
    @Option(help: "Stop once recall@K reaches this value at an evaluation (see --eval-every).") var targetRecall:
        Double?
    @Option(help: "rnn: temporal:FRACTION (last share of time is test) or at:EPOCH_SECONDS.") var split = "temporal:0.2"
    @Option(help: "rnn: hidden size H (multiple of 8; default: the model's, 128).") var hidden: Int?
    @Option(help: "rnn: item space, cooccurrence or lightgcn:ARTIFACT.") var embeddings = "cooccurrence"
    @Option(help: "rnn: more settings, key=value comma-separated (\(SequenceTrainingOptions.settingNames)).")
    var rnn = ""
    @OptionGroup var c3po: C3POOptions

    func validate() throws {
        guard (epochs ?? 0) >= 0 else { throw ValidationError("--epochs must be ≥ 0") }
        guard (batchSize ?? 1) > 0, (batchesPerEpoch ?? 1) > 0, (dim ?? 1) > 0, (layers ?? 0) >= 0, topk > 0, threads > 0
        else {
            throw ValidationError(
                "--batch-size, --batches-per-epoch, --dim, --topk and --threads must be positive, --layers ≥ 0")
        }
        guard (lr ?? 1) > 0, (decay ?? 0) >= 0 else { throw ValidationError("--lr must be positive and --decay ≥ 0") }
        if let format, !GraphTrainingOptions.formatNames.contains(format) {
            throw ValidationError("--format must be one of \(GraphTrainingOptions.formatNames.joined(separator: ", "))")
        }
    }

    func run() async throws {
        if model == "rnn" {
            // Unset flags keep the options' values: the model's defaults, except where
            // `SequenceTrainingOptions.commandModel` / `.commandCooccurrence` say otherwise.
            var options = SequenceTrainingOptions(dataSource: data)
            (options.format, options.split, options.embeddings) = (format, split, embeddings)
            options.model.hiddenSize = hidden ?? options.model.hiddenSize
            options.model.epochs = epochs ?? options.model.epochs
            options.model.learningRate = lr ?? options.model.learningRate
            options.model.seed = seed ?? options.model.seed
            options.cooccurrence.dimension = dim ?? options.cooccurrence.dimension
            try options.apply(settings: rnn)
            (options.model.threads, options.savePath, options.registryPath) = (threads, save, registry)
            try SequenceTraining.train(options, emit: GraphTraining.writeLine)
            return
        }
        if model == "c3po" {
            return try C3POCommand.train(data: data, epochs: epochs ?? 100, seed: seed ?? 2020, registry: registry, save: save, options: c3po)
        }
        var options = GraphTrainingOptions(dataDirectory: data)
        options.model = model
        options.format = format
        options.epochs = epochs
        options.batchSize = batchSize
        options.batchesPerEpoch = batchesPerEpoch
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
