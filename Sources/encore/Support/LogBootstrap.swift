import EncoreApp
import Logging
import Synchronization

/// Bootstraps swift-log once per process, in the executable only.
enum LogBootstrap {
    private static let done = Mutex(false)

    static func bootstrap(level: Logger.Level, format: String) {
        let first = done.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler =
                format == "json" ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }

    static func logger(_ configuration: ServiceConfiguration, label: String = "encore") -> Logger {
        bootstrap(level: configuration.logging.level, format: configuration.logging.format)
        return Logger(label: label)
    }
}
