import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The HTTP server as a `Service`: the routes of ``EncoreRouter`` and the status sampler.
///
/// In the service group it comes first, so it stops last: health and metrics stay answerable
/// while the pipelines drain.
public struct EncoreHTTPServer: Service {
    public let dependencies: ServerDependencies
    private let logger: Logger
    private let onListening: @Sendable (_ port: Int) async -> Void

    /// - Parameter onListening: called once the server accepts connections, with the port it
    ///   is bound to (the configured one; the system's choice when the server configuration
    ///   asks for port 0, as tests do).
    public init(
        dependencies: ServerDependencies, logger: Logger,
        onListening: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
    ) {
        self.dependencies = dependencies
        self.logger = logger
        self.onListening = onListening
    }

    public func run() async throws {
        let configuration = dependencies.configuration
        let logger = logger
        let onListening = onListening
        let application = Application(
            router: EncoreRouter.build(dependencies),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port), serverName: "encore"
            ),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.port
                logger.notice("status page at http://\(configuration.host):\(port)/")
                await onListening(port)
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
