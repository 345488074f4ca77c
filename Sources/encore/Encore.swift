import ArgumentParser

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
}
