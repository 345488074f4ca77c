import ArgumentParser

@main
struct Encore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encore",
        abstract: "Streaming music recommendations and push-notification decisions from Kafka events.",
        subcommands: [TrainCommand.self, EvalCommand.self, BenchCommand.self]
    )
}

/// `encore bench`: groups the benchmarks.
///
/// Merge note: main already has a `BenchCommand` (ingest, decode); when merging, keep main's and
/// add `BenchLightGCNCommand.self` to its subcommands instead of this one.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Run benchmarks.", subcommands: [BenchLightGCNCommand.self])
}
