import EncoreKafka
import EncorePipeline
import EncoreStages
import EncoreServer
import EncoreStore
import Foundation
import Logging
import ServiceLifecycle
import Prometheus
import UnixSignals

/// `encore run`: every enabled pipeline as a service in one `ServiceGroup` that owns SIGINT and
/// SIGTERM, and the HTTP server (health, metrics, recommendations, status page) when `http.port`
/// is not 0. Shutdown runs in reverse start order: intake stops, the in-flight batch is
/// committed, consumers leave their groups, producers flush; the server, started first, stops
/// last.
public struct EncoreService: Sendable {
    public let configuration: ServiceConfiguration
    public let logger: Logger

    public init(configuration: ServiceConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Validates the pipelines, connects the topology, opens the store and runs until a signal.
    public func run() async throws {
        // Before any metric is created (the pipelines create theirs in their initializers).
        let metricsRegistry = MetricsBootstrap.prometheus()
        let catalog = try PipelineCatalog.load(directory: configuration.pipelines.directory, registry: .standard)
        logger.info("pipeline definitions", metadata: ["source": "\(catalog.origin)"])
        let definitions = try catalog.selecting(configuration.pipelines.enabled)
        let topology = try KafkaTopology(configuration: configuration, logger: logger)
        defer { topology.shutdown() }
        var environment = try PipelineEnvironment.open(
            storePath: configuration.storePath, kafka: configuration.kafkaClient(bootstrapServers: topology.bootstrapServers),
            topicPrefix: configuration.kafka.topicPrefix
        )
        environment.instanceID = configuration.instanceID.isEmpty ? nil : configuration.instanceID
        var http: ServerConfiguration?
        if configuration.http.port != 0 {
            var server = ServerConfiguration()
            server.port = configuration.http.port
            server.host = configuration.http.host
            server.readyMaximumLag = configuration.http.readyMaximumLag
            http = server
        }
        let runtime = try EncoreRuntime(
            definitions: definitions, environment: environment, http: http, metrics: metricsRegistry, logger: logger)
        defer { runtime.shutdown() }
        logger.info("encore running", metadata: [
            "bootstrap": "\(topology.bootstrapServers)", "store": "\(configuration.store.path)",
            "pipelines": "\(definitions.map(\.name).joined(separator: ","))",
            "generation": "\(environment.generations.currentMusic?.label ?? "none (baselines serve)")",
            "retrain": "\(runtime.scheduler == nil ? "off" : "on")",
        ])
        if let server = runtime.server {
            print("status page: \(server.dependencies.configuration.statusPageURL)")
            fflush(nil)
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: runtime.services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}
