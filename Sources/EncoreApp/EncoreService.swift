import EncoreKafka
import EncorePipeline
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
        var services = runners.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
        if configuration.http.port != 0 {
            let server = makeHTTPServer(
                runners: runners, definitions: definitions, environment: environment, metrics: metricsRegistry
            )
            // First in, last out: health and metrics answer while the pipelines drain.
            services.insert(ServiceGroupConfiguration.ServiceConfiguration(service: server), at: 0)
            print("status page: \(server.dependencies.configuration.statusPageURL)")
            fflush(nil)
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }

    /// The HTTP server over the live runners and store, serving the popularity baseline's
    /// recommendations (with the music pipeline's settings when one runs).
    private func makeHTTPServer(
        runners: [PipelineRunner], definitions: [PipelineDefinition], environment: PipelineEnvironment,
        metrics: PrometheusCollectorRegistry
    ) -> EncoreHTTPServer {
        var server = ServerConfiguration()
        server.port = configuration.http.port
        server.host = configuration.http.host
        server.readyMaximumLag = configuration.http.readyMaximumLag
        var popularity = PopularityBaseline.Settings()
        for definition in definitions {
            for case .popularityBaseline(let settings) in definition.stages { popularity = settings }
        }
        let statuses: @Sendable () -> [PipelineStatus] = { runners.map(\.status) }
        let dependencies = ServerDependencies(
            configuration: server, store: environment.store, pipelineStatuses: statuses,
            recommendations: PopularityRecommendationSource(
                store: environment.store, users: environment.users, tracks: environment.tracks, settings: popularity
            ),
            modelCheck: ServerDependencies.baselineModelCheck(statuses), metrics: metrics
        )
        return EncoreHTTPServer(dependencies: dependencies, logger: logger)
    }
}
