import ArgumentParser
import EncoreBench
import EncoreTraining
import Foundation

/// `encore bench sheaf` and `encore bench peco`: quality and cost of the sheaf and PECO models on
/// a data set, or their speed on the seeded Gowalla-shaped synthetic graph (``GraphZooBenchmark``).
/// The last output line is one JSON object.
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

        var options: GraphZooBenchmark.Options {
            var options = GraphZooBenchmark.Options()
            options.data = data
            options.epochs = epochs
            options.steps = steps
            options.dimension = dim
            options.layerCount = layers
            options.learningRate = lr
            options.batchSize = batchSize
            options.regularization = decay
            options.evaluateEvery = evalEvery
            options.threads = threads
            options.seed = seed
            options.users = users
            options.items = items
            options.trainPairs = trainPairs
            return options
        }
    }

    struct Sheaf: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sheaf",
            abstract:
                "Sheaf4Rec: recall/ndcg@20 (−∞ mask and the reference's multiplicative mask), train s, peak RSS; or speed on the synthetic graph.",
            discussion: "The last line of output is one JSON object with the measurements.")
        @OptionGroup var common: Common

        func run() throws {
            try GraphZooBenchmark.runSheaf(common.options, emit: GraphTraining.writeLine)
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
            var peco = GraphZooBenchmark.PECOOptions()
            peco.concurrenceWeight = omega
            peco.sampleCount = samples
            peco.sampledDegreeRatio = ratio
            peco.pretrainFraction = pretrain
            peco.alone = alone
            try GraphZooBenchmark.runPECO(common.options, peco: peco, emit: GraphTraining.writeLine)
        }
    }
}
