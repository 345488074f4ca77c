import ArgumentParser
import EncoreApp
import EncorePipeline
import Foundation
import Logging

/// Flags shared by the commands that talk to Kafka and the store.
struct ServiceOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default: config/encore.yaml, or $ENCORE_CONFIG).")
    var config: String?

    @Option(
        name: .long,
        help: "Kafka bootstrap servers host:port[,…] (also $ENCORE_KAFKA_BOOTSTRAP_SERVERS). Without it: the embedded broker."
    )
    var bootstrapServers: String?

    @Option(name: .long, help: "Prefix for every topic name.")
    var topicPrefix: String?

    @Option(name: .long, help: "Partitions for the topics Encore creates.")
    var partitions: Int?

    @Option(name: .long, help: "SQLite state file (':memory:' for none).")
    var store: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String?

    @Option(name: .long, help: "Log format: text or json.")
    var logFormat: String?

    /// The configuration from file, environment and these flags, validated.
    func resolve() throws -> ServiceConfiguration {
        var configuration = try ServiceConfiguration.load(path: config)
        var overrides: [String: String] = [:]
        if let bootstrapServers { overrides["ENCORE_KAFKA_BOOTSTRAP_SERVERS"] = bootstrapServers }
        if let topicPrefix { overrides["ENCORE_KAFKA_TOPIC_PREFIX"] = topicPrefix }
        if let partitions { overrides["ENCORE_KAFKA_PARTITIONS"] = String(partitions) }
        if let store { overrides["ENCORE_STORE_PATH"] = store }
        if let logLevel { overrides["ENCORE_LOG_LEVEL"] = logLevel }
        if let logFormat { overrides["ENCORE_LOG_FORMAT"] = logFormat }
        do {
            try configuration.applyEnvironment(overrides)
        } catch {
            throw ValidationError(error.description.replacingOccurrences(of: "environment: ENCORE_", with: "flag for ENCORE_"))
        }
        return configuration
    }
}
