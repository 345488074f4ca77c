import ArgumentParser

#if canImport(Glibc)
// `stdout` is a C global; Glibc predates Sendable checking, so read it without the Swift 6 error.
@preconcurrency import Glibc
#elseif canImport(Darwin)
@preconcurrency import Darwin
#endif

@main
struct Encore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encore",
        abstract: "Streaming music recommendations and push-notification decisions from Kafka events.",
        discussion: """
            Encore consumes listening and notification events from Kafka, keeps per-user state in SQLite \
            (exactly once, with the consumed offsets), and produces recommendations and notification \
            decisions back to Kafka. Without --bootstrap-servers it starts librdkafka's mock cluster in \
            process, a real Kafka-protocol server on 127.0.0.1.
            """,
        subcommands: [
            DemoCommand.self, RunCommand.self, BrokerCommand.self, SimulateCommand.self, PipelinesCommand.self,
            TrainCommand.self, EvalCommand.self, BenchCommand.self, ModelsCommand.self, RetrainCommand.self,
        ]
    )

    /// Makes stdout line-buffered, then parses and runs the command.
    ///
    /// stdio buffers stdout in blocks when it is a pipe or a file (`encore demo | tee log`), so
    /// progress and reports would appear only at exit; line buffering writes each line as it is
    /// printed. Output written through `FileHandle.standardOutput` is unbuffered already.
    static func main() async {
        setvbuf(stdout, nil, _IOLBF, 0)
        await main(nil)
    }
}
