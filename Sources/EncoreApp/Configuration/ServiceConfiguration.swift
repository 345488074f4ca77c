import EncoreKafka
import EncorePipeline
import Foundation
import Logging

/// Encore's service configuration: `config/encore.yaml` (built in when the working directory has
/// none), then `ENCORE_*` environment variables, then command-line flags (each later source wins).
///
/// Everything is validated when loaded; a problem is reported with the file (or variable), the
/// field and the line.
public struct ServiceConfiguration: Sendable, Equatable {
    public var kafka = Kafka()
    public var embedded = Embedded()
    public var store = Store()
    public var pipelines = Pipelines()
    /// Stable instance name (static group membership); empty = dynamic membership.
    public var instanceID = ""
    public var logging = Logging()
    public var http = HTTP()

    public init() {}

    public struct Kafka: Sendable, Equatable {
        /// `host:port[,host:port…]`; empty = start the embedded broker in process.
        public var bootstrapServers = ""
        public var clientID = "encore"
        /// Prepended to every topic name.
        public var topicPrefix = ""
        /// Partitions of the topics Encore creates.
        public var partitions = 16
        public var replicationFactor = 1
        /// Create Encore's topics at start-up if missing.
        public var createTopics = true
        /// Any librdkafka property, passed through unchanged.
        public var properties: [String: String] = [:]
    }

    public struct Embedded: Sendable, Equatable {
        public var brokers = 1
    }

    public struct Store: Sendable, Equatable {
        /// SQLite file; `:memory:` for a throwaway in-memory store.
        public var path = "encore.sqlite"
    }

    public struct Pipelines: Sendable, Equatable {
        /// The default `pipelines` falls back to the built-in definitions when the working directory
        /// has no such directory (see ``PipelineCatalog/load(directory:)``).
        public var directory = PipelineCatalog.defaultDirectory
        /// Names of the pipelines to run; empty = every definition in the directory.
        public var enabled: [String] = []
    }

    /// The HTTP server (health, metrics, recommendations, status page).
    public struct HTTP: Sendable, Equatable {
        /// TCP port; 0 (the default of a file without `http.port`) disables the server. The
        /// shipped `config/encore.yaml`, also built in, sets 8080.
        public var port = 0
        /// Interface to bind.
        public var host = "127.0.0.1"
        /// `/health/ready` fails while the summed consumer lag is above this many records.
        public var readyMaximumLag: Int64 = 10_000
    }

    public struct Logging: Sendable, Equatable {
        public var level: Logger.Level = .info
        /// `text` or `json` (one JSON object per line).
        public var format = "text"
    }

    /// Whether the embedded broker is used.
    public var usesEmbeddedBroker: Bool { kafka.bootstrapServers.isEmpty }

    /// The store path for ``EncoreStore``, `nil` for memory.
    public var storePath: String? { store.path == ":memory:" ? nil : store.path }

    /// Parses a configuration document.
    public static func parse(_ text: String, source: String) throws(ConfigurationError) -> ServiceConfiguration {
        var configuration = ServiceConfiguration()
        let root = try YAMLField.document(text, source: source)
        guard root.isPresent else { return configuration }
        try root.requireMapping(allowedKeys: [
            "kafka", "embedded", "store", "pipelines", "instance_id", "logging", "http",
        ])
        let kafka = root["kafka"]
        if kafka.isPresent {
            try kafka.requireMapping(allowedKeys: [
                "bootstrap_servers", "client_id", "topic_prefix", "partitions", "replication_factor", "create_topics",
                "properties",
            ])
            configuration.kafka.bootstrapServers = try kafka["bootstrap_servers"].string(default: "")
            configuration.kafka.clientID = try kafka["client_id"].string(default: "encore")
            configuration.kafka.topicPrefix = try kafka["topic_prefix"].string(default: "")
            configuration.kafka.partitions = try kafka["partitions"].integer(in: 1...10_000, default: 16)
            configuration.kafka.replicationFactor = try kafka["replication_factor"].integer(in: 1...16, default: 1)
            configuration.kafka.createTopics = try kafka["create_topics"].bool(default: true)
            configuration.kafka.properties = try kafka["properties"].stringMap()
            if !configuration.kafka.bootstrapServers.isEmpty {
                try validateBootstrap(configuration.kafka.bootstrapServers) { kafka["bootstrap_servers"].error($0) }
            }
        }
        let embedded = root["embedded"]
        if embedded.isPresent {
            try embedded.requireMapping(allowedKeys: ["brokers"])
            configuration.embedded.brokers = try embedded["brokers"].integer(in: 1...9, default: 1)
        }
        let store = root["store"]
        if store.isPresent {
            try store.requireMapping(allowedKeys: ["path"])
            configuration.store.path = try store["path"].string(default: configuration.store.path)
            if configuration.store.path.isEmpty { throw store["path"].error("must not be empty") }
        }
        let pipelines = root["pipelines"]
        if pipelines.isPresent {
            try pipelines.requireMapping(allowedKeys: ["directory", "enabled"])
            configuration.pipelines.directory = try pipelines["directory"].string(default: "pipelines")
            if pipelines["enabled"].isPresent {
                var enabled: [String] = []
                for field in try pipelines["enabled"].sequence() { enabled.append(try field.string()) }
                configuration.pipelines.enabled = enabled
            }
        }
        configuration.instanceID = try root["instance_id"].string(default: "")
        let logging = root["logging"]
        if logging.isPresent {
            try logging.requireMapping(allowedKeys: ["level", "format"])
            let level = try logging["level"].string(default: "info")
            guard let parsed = Logger.Level(rawValue: level) else {
                throw logging["level"].error("must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            configuration.logging.level = parsed
            configuration.logging.format = try logging["format"].string(default: "text")
            guard ["text", "json"].contains(configuration.logging.format) else {
                throw logging["format"].error("must be text or json")
            }
        }
        let http = root["http"]
        if http.isPresent {
            try http.requireMapping(allowedKeys: ["port", "host", "ready_max_lag"])
            configuration.http.port = try http["port"].integer(in: 0...65_535, default: 0)
            configuration.http.host = try http["host"].string(default: "127.0.0.1")
            if configuration.http.host.isEmpty { throw http["host"].error("must not be empty") }
            configuration.http.readyMaximumLag = Int64(
                try http["ready_max_lag"].integer(in: 0...Int(Int32.max), default: 10_000)
            )
        }
        return configuration
    }

    /// The environment variables understood, and what each sets.
    public static let environmentVariables: [(name: String, help: String)] = [
        ("ENCORE_KAFKA_BOOTSTRAP_SERVERS", "kafka.bootstrap_servers (empty = embedded broker)"),
        ("ENCORE_KAFKA_TOPIC_PREFIX", "kafka.topic_prefix"),
        ("ENCORE_KAFKA_PARTITIONS", "kafka.partitions"),
        ("ENCORE_KAFKA_CLIENT_ID", "kafka.client_id"),
        ("ENCORE_STORE_PATH", "store.path"),
        ("ENCORE_PIPELINES_DIRECTORY", "pipelines.directory"),
        ("ENCORE_INSTANCE_ID", "instance_id"),
        ("ENCORE_LOG_LEVEL", "logging.level"),
        ("ENCORE_LOG_FORMAT", "logging.format"),
        ("ENCORE_HTTP_PORT", "http.port (0 = no HTTP server)"),
        ("ENCORE_HTTP_HOST", "http.host"),
        ("ENCORE_CONFIG", "the configuration file (default config/encore.yaml)"),
    ]

    /// Applies `ENCORE_*` variables; an unknown `ENCORE_` variable is an error (it is almost
    /// always a typo that would otherwise be silently ignored).
    public mutating func applyEnvironment(_ environment: [String: String]) throws(ConfigurationError) {
        let known = Set(Self.environmentVariables.map(\.name))
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix("ENCORE_") {
            func fail(_ message: String) -> ConfigurationError {
                ConfigurationError(source: "environment", field: name, message: message)
            }
            guard known.contains(name) else {
                throw fail("unknown variable; known: \(known.sorted().joined(separator: ", "))")
            }
            switch name {
            case "ENCORE_KAFKA_BOOTSTRAP_SERVERS":
                if !value.isEmpty { try Self.validateBootstrap(value, fail) }
                kafka.bootstrapServers = value
            case "ENCORE_KAFKA_TOPIC_PREFIX": kafka.topicPrefix = value
            case "ENCORE_KAFKA_CLIENT_ID": kafka.clientID = value
            case "ENCORE_KAFKA_PARTITIONS":
                guard let partitions = Int(value), (1...10_000).contains(partitions) else {
                    throw fail("must be an integer in 1...10000, got '\(value)'")
                }
                kafka.partitions = partitions
            case "ENCORE_STORE_PATH":
                guard !value.isEmpty else { throw fail("must not be empty") }
                store.path = value
            case "ENCORE_PIPELINES_DIRECTORY":
                // Named explicitly, so no fallback to the built-in definitions: it must exist.
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: value, isDirectory: &isDirectory), isDirectory.boolValue else {
                    throw fail("\(value): no such directory")
                }
                pipelines.directory = value
            case "ENCORE_INSTANCE_ID": instanceID = value
            case "ENCORE_LOG_LEVEL":
                guard let level = Logger.Level(rawValue: value) else {
                    throw fail("must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                logging.level = level
            case "ENCORE_LOG_FORMAT":
                guard ["text", "json"].contains(value) else { throw fail("must be text or json") }
                logging.format = value
            case "ENCORE_HTTP_PORT":
                guard let port = Int(value), (0...65_535).contains(port) else {
                    throw fail("must be an integer in 0...65535, got '\(value)'")
                }
                http.port = port
            case "ENCORE_HTTP_HOST":
                guard !value.isEmpty else { throw fail("must not be empty") }
                http.host = value
            default: break
            }
        }
    }

    /// The name the built-in configuration file reports in errors.
    public static let builtInSource = "built-in:config/encore.yaml"

    /// Loads `path`, then the environment.
    ///
    /// Without `path` or `ENCORE_CONFIG`, reads `config/encore.yaml` of the working directory, or
    /// ``builtInFile`` (the same text) when there is none, so that the binary behaves the same
    /// from anywhere. A file that was named but is missing is an error.
    public static func load(
        path: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> ServiceConfiguration {
        let explicit = path ?? environment["ENCORE_CONFIG"]
        let file = explicit ?? "config/encore.yaml"
        var configuration = ServiceConfiguration()
        if FileManager.default.fileExists(atPath: file) {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ConfigurationError(source: file, field: "", message: "cannot be read as UTF-8 text")
            }
            configuration = try parse(text, source: file)
        } else if explicit != nil {
            throw ConfigurationError(source: file, field: "", message: "no such file")
        } else {
            configuration = try parse(builtInFile, source: builtInSource)
        }
        try configuration.applyEnvironment(environment)
        return configuration
    }

    static func validateBootstrap(
        _ value: String, _ fail: (String) -> ConfigurationError
    ) throws(ConfigurationError) {
        for server in value.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = server.split(separator: ":")
            guard parts.count >= 2, let port = Int(parts.last!), (1...65_535).contains(port), !parts[0].isEmpty else {
                throw fail("'\(server)' is not host:port")
            }
        }
    }

    /// The Kafka client settings for this configuration and a bootstrap address.
    public func kafkaClient(bootstrapServers: String) -> KafkaClientConfiguration {
        KafkaClientConfiguration(bootstrapServers: bootstrapServers, clientID: kafka.clientID, extra: kafka.properties)
    }
}
