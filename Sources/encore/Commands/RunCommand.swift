import ArgumentParser
import EncoreApp

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run Encore's pipelines until SIGINT or SIGTERM.",
        discussion: """
            Consumes encore.listens, encore.tracks, encore.notification-events and encore.notification-requests; \
            produces encore.recommendations, encore.notification-decisions and encore.dead-letters. State and \
            consumed offsets are stored in SQLite in one transaction per batch. Without --bootstrap-servers the \
            embedded broker is started (and printed) so that other clients can connect to it.
            """
    )

    @OptionGroup var options: ServiceOptions

    @Option(help: "Directory of pipeline definitions (also $ENCORE_PIPELINES_DIRECTORY; default: pipelines/).")
    var pipelines: String?

    func run() async throws {
        var configuration = try options.resolve()
        if let pipelines { configuration.pipelines.directory = try PipelinesDirectory.resolve(pipelines) }
        let logger = LogBootstrap.logger(configuration)
        try await EncoreService(configuration: configuration, logger: logger).run()
    }
}
