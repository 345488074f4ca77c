import ArgumentParser
import EncoreBench
import EncoreTraining
import Foundation

/// `encore bench rnn`: GRU step throughput on one core and training throughput on a data set.
struct BenchRNNCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rnn",
        abstract: "Time the RNN user model: streaming step (single user and waves) and training (build with -c release).",
        discussion: "The last line of output is one JSON object with the measurements."
    )

    @Option(help: "Embedding size d.") var dim = 64
    @Option(help: "Hidden size H.") var hidden = 128
    @Option(help: "Items in the synthetic embedding table.") var items = 10_000
    @Option(help: "Events per timing round.") var events = 200_000
    @Option(help: "Users per wave.") var wave = 64
    @Option(help: "Timing rounds (best is reported).") var rounds = 3
    @Option(help: "Training data to time an epoch on (RecBole .inter dir, store, or sim:…; empty: skip).") var data =
        ""
    @Option(help: "Training epochs to time (best is reported).") var epochs = 2
    @Option(help: "Training threads.") var threads = 1

    func run() async throws {
        var options = SequenceBenchmark.Options()
        options.dimension = dim
        options.hiddenSize = hidden
        options.items = items
        options.events = events
        options.wave = wave
        options.rounds = rounds
        options.trainingData = data
        options.epochs = epochs
        options.threads = threads
        try SequenceBenchmark.run(options, emit: GraphTraining.writeLine)
    }
}
