import EncoreKafka
import EncorePipeline
import EncoreStore
import Logging
import ServiceLifecycle
import UnixSignals

/// `encore run`: every enabled pipeline as a service in one `ServiceGroup` that owns SIGINT and
/// SIGTERM. Shutdown runs in reverse start order: intake stops, the in-flight batch is
/// committed, consumers leave their groups, producers flush.
public struct EncoreService: Sendable {
    public let configuration: ServiceConfiguration
    public let logger: Logger

    public init(configuration: ServiceConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Validates the pipelines, connects the topology, opens the store and runs until a signal.
    public func run() async throws {
        let catalog = try PipelineCatalog.load(directory: configuration.pipelines.directory)
        let definitions = try catalog.selecting(configuration.pipelines.enabled)
        let topology = try KafkaTopology(configuration: configuration, logger: logger)
        defer { topology.shutdown() }
        var environment = try PipelineEnvironment.open(
            storePath: configuration.storePath, kafka: configuration.kafkaClient(bootstrapServers: topology.bootstrapServers),
            topicPrefix: configuration.kafka.topicPrefix
        )
        environment.instanceID = configuration.instanceID.isEmpty ? nil : configuration.instanceID
        let runners = definitions.map { PipelineRunner(definition: $0, environment: environment, logger: logger) }
        logger.info("encore running", metadata: [
            "bootstrap": "\(topology.bootstrapServers)", "store": "\(configuration.store.path)",
            "pipelines": "\(definitions.map(\.name).joined(separator: ","))",
        ])
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: runners.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}
