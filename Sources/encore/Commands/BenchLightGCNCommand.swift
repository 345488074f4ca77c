import ArgumentParser
import EncoreBench
import EncoreTraining
import Foundation

/// `encore bench lightgcn`: SpMM, training-epoch and evaluation cost on a Gowalla-shaped graph.
struct BenchLightGCNCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lightgcn",
        abstract: "Time LightGCN on a seeded synthetic graph of Gowalla's shape (build with -c release).",
        discussion: "The last line of output is one JSON object with the measurements."
    )

    @Option(help: "Users.") var users = 29_858
    @Option(help: "Items.") var items = 40_981
    @Option(help: "Training pairs.") var trainPairs = 810_128
    @Option(help: "Triplets per mini-batch.") var batchSize = 2048
    @Option(help: "Embedding size d.") var dim = 64
    @Option(help: "Propagation layers K.") var layers = 3
    @Option(help: "Full epochs to time (0: extrapolate from --steps steps).") var epochs = 1
    @Option(help: "Steps to time when --epochs is 0.") var steps = 40
    @Option(help: "Worker threads.") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Seed.") var seed: UInt64 = 2020

    func run() async throws {
        var options = LightGCNBenchmark.Options()
        options.users = users
        options.items = items
        options.trainPairs = trainPairs
        options.seed = seed
        options.epochs = epochs
        options.steps = steps
        options.batchSize = batchSize
        options.embeddingDimension = dim
        options.layerCount = layers
        options.threads = threads
        try LightGCNBenchmark.run(options, emit: GraphTraining.writeLine)
    }
}
