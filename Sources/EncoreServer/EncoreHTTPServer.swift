import Hummingbird
import Logging
import ServiceLifecycle

/// The HTTP server as a `Service`: the routes of ``EncoreRouter`` and the status sampler.
///
/// In the service group it comes first, so it stops last: health and metrics stay answerable
/// while the pipelines drain.
public struct EncoreHTTPServer: Service {
    public let dependencies: ServerDependencies
    private let logger: Logger

    public init(dependencies: ServerDependencies, logger: Logger) {
        self.dependencies = dependencies
        self.logger = logger
    }

    public func run() async throws {
        let configuration = dependencies.configuration
        let logger = logger
        let application = Application(
            router: EncoreRouter.build(dependencies),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port), serverName: "encore"
            ),
            onServerRunning: { _ in
                logger.notice("status page at \(configuration.statusPageURL)")
            },
            logger: logger
        )
        let sampler = StatusSampler(
            history: dependencies.history, interval: configuration.sampleInterval,
            statuses: dependencies.pipelineStatuses
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await sampler.run() }
            // The server decides when this service ends (graceful shutdown, or failing to bind);
            // the sampler goes with it.
            defer { group.cancelAll() }
            do {
                try await application.run()
            } catch {
                throw ServerError(
                    "the HTTP server on \(configuration.host):\(configuration.port) failed (http.port, ENCORE_HTTP_PORT)",
                    underlying: error
                )
            }
        }
    }
}
