import ArgumentParser
import EncoreApp
import EncoreCore
import EncoreKafka
import Foundation
import Logging

struct BrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "Run a standalone embedded Kafka broker with Encore's topics until SIGINT/SIGTERM.",
        discussion: """
            Starts librdkafka's mock cluster (a Kafka-protocol server on 127.0.0.1), creates Encore's topics \
            and prints the bootstrap address. Point `encore run --bootstrap-servers`, `encore simulate`, kcat or \
            confluent-kafka clients at it. kafka-python 3.x cannot connect: the mock answers Metadata only up \
            to v2. The mock keeps roughly 4–5 MB per partition; use enough partitions for the volume.
            """
    )

    @Option(help: "Number of mock brokers.")
    var brokers: Int = 1

    @Option(help: "Partitions per topic.")
    var partitions: Int = 16

    @Option(help: "Prefix for every topic name.")
    var topicPrefix: String = ""

    @Option(help: "Also write the bootstrap address to this file.")
    var bootstrapFile: String?

    @Option(help: "Log level.")
    var logLevel: String = "info"

    func validate() throws {
        guard (1...9).contains(brokers) else { throw ValidationError("--brokers must be in 1...9") }
        guard (1...10_000).contains(partitions) else { throw ValidationError("--partitions must be in 1...10000") }
    }

    func run() async throws {
        var configuration = ServiceConfiguration()
        configuration.embedded.brokers = brokers
        configuration.kafka.partitions = partitions
        configuration.kafka.topicPrefix = topicPrefix
        configuration.logging.level = .init(rawValue: logLevel) ?? .info
        let logger = LogBootstrap.logger(configuration)
        let topology = try KafkaTopology(configuration: configuration, logger: logger)
        defer { topology.shutdown() }
        print("encore broker: bootstrap.servers=\(topology.bootstrapServers)")
        print("topics: \(EncoreTopic.allCases.map { $0.name(prefix: topicPrefix) }.joined(separator: ", ")) (\(partitions) partitions)")
        if let bootstrapFile {
            try (topology.bootstrapServers + "\n").write(toFile: bootstrapFile, atomically: true, encoding: .utf8)
            print("bootstrap address written to \(bootstrapFile)")
        }
        print("press Ctrl-C to stop")
        fflush(nil)
        await SignalWaiter.waitForTermination()
        print("broker stopped")
    }
}
