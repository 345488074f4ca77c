import EncoreApp
import EncorePipeline
import Foundation
import Logging
import Testing

@Suite struct ServiceConfigurationTests {
    private var repositoryConfig: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/encore.yaml").path
    }

    @Test func theShippedConfigurationIsTheEmbeddedDefault() throws {
        let configuration = try ServiceConfiguration.load(path: repositoryConfig, environment: [:])
        #expect(configuration.usesEmbeddedBroker)
        #expect(configuration.kafka.partitions == 16)
        #expect(configuration.store.path == "encore.sqlite")
        #expect(configuration.pipelines.directory == "pipelines")
    }

    @Test func theEnvironmentOverridesTheFile() throws {
        let configuration = try ServiceConfiguration.load(path: repositoryConfig, environment: [
            "ENCORE_KAFKA_BOOTSTRAP_SERVERS": "kafka-1:9092,kafka-2:9092", "ENCORE_STORE_PATH": ":memory:",
            "ENCORE_LOG_LEVEL": "debug", "PATH": "/usr/bin",
        ])
        #expect(!configuration.usesEmbeddedBroker)
        #expect(configuration.kafka.bootstrapServers == "kafka-1:9092,kafka-2:9092")
        #expect(configuration.storePath == nil)
        #expect(configuration.logging.level == .debug)
    }

    @Test(arguments: [
        (["ENCORE_KAFKA_BOOTSTRAP_SERVER": "x:1"], "environment: ENCORE_KAFKA_BOOTSTRAP_SERVER: unknown variable"),
        (["ENCORE_KAFKA_BOOTSTRAP_SERVERS": "localhost"], "environment: ENCORE_KAFKA_BOOTSTRAP_SERVERS: 'localhost' is not host:port"),
        (["ENCORE_KAFKA_PARTITIONS": "0"], "environment: ENCORE_KAFKA_PARTITIONS: must be an integer in 1...10000"),
        (["ENCORE_LOG_LEVEL": "loud"], "environment: ENCORE_LOG_LEVEL: must be one of"),
        (["ENCORE_PIPELINES_DIRECTORY": "/nonexistent/pipelines"], "environment: ENCORE_PIPELINES_DIRECTORY: /nonexistent/pipelines: no such directory"),
    ])
    func badEnvironmentIsNamed(environment: [String: String], expected: String) {
        #expect(throws: ConfigurationError.self) { try ServiceConfiguration.load(path: repositoryConfig, environment: environment) }
        do {
            _ = try ServiceConfiguration.load(path: repositoryConfig, environment: environment)
        } catch {
            #expect(error.description.hasPrefix(expected), "got \(error)")
        }
    }

    @Test(arguments: [
        ("kafka:\n  partitons: 4\n", "c.yaml:2: kafka.partitons: unknown field (did you mean 'partitions'?)"),
        ("kafka:\n  partitions: lots\n", "c.yaml:2: kafka.partitions: must be an integer, got 'lots'"),
        ("store:\n  path: \"\"\n", "c.yaml:2: store.path: must not be empty"),
        ("logging:\n  format: xml\n", "c.yaml:2: logging.format: must be text or json"),
        ("kafka: [1, 2]\n", "c.yaml:1: kafka: must be a mapping"),
    ])
    func badFilesAreNamed(yaml: String, expected: String) {
        do {
            _ = try ServiceConfiguration.parse(yaml, source: "c.yaml")
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.description.hasPrefix(expected), "got \(error)")
        }
    }

    @Test func aMissingExplicitFileIsAnError() {
        #expect(throws: ConfigurationError.self) { try ServiceConfiguration.load(path: "/nonexistent/encore.yaml", environment: [:]) }
    }
}
