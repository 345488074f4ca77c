import ArgumentParser

@main
struct Encore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encore",
        abstract: "Streaming music recommendations and push-notification decisions from Kafka events.",
        subcommands: [TrainCommand.self, EvalCommand.self, BenchCommand.self]
    )
}
