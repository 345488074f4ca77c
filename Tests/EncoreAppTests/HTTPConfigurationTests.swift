import EncoreApp
import EncorePipeline
import Foundation
import Testing

@Suite struct HTTPConfigurationTests {
    private var repositoryConfig: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/encore.yaml").path
    }

    @Test func theShippedFileServesOn8080AndTheEnvironmentOverridesIt() throws {
        let shipped = try ServiceConfiguration.load(path: repositoryConfig, environment: [:])
        #expect(shipped.http.port == 8080)
        #expect(shipped.http.host == "127.0.0.1")
        let disabled = try ServiceConfiguration.load(path: repositoryConfig, environment: ["ENCORE_HTTP_PORT": "0"])
        #expect(disabled.http.port == 0)
        let moved = try ServiceConfiguration.load(
            path: repositoryConfig, environment: ["ENCORE_HTTP_PORT": "9091", "ENCORE_HTTP_HOST": "0.0.0.0"]
        )
        #expect(moved.http.port == 9091 && moved.http.host == "0.0.0.0")
        // Without a file the server is off: a configuration of its own opts in.
        #expect(ServiceConfiguration().http.port == 0)
        let parsed = try ServiceConfiguration.parse("http:\n  port: 9092\n  ready_max_lag: 50\n", source: "c.yaml")
        #expect(parsed.http.port == 9092 && parsed.http.readyMaximumLag == 50)
    }

    @Test(arguments: [
        ("http:\n  port: 70000\n", "c.yaml:2: http.port: must be in 0...65535"),
        ("http:\n  prot: 1\n", "c.yaml:2: http.prot: unknown field"),
        ("http:\n  host: \"\"\n", "c.yaml:2: http.host: must not be empty"),
    ])
    func badHTTPSettingsAreNamed(yaml: String, expected: String) {
        do {
            _ = try ServiceConfiguration.parse(yaml, source: "c.yaml")
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.description.hasPrefix(expected), "got \(error)")
        }
    }

    @Test func badHTTPEnvironmentIsNamed() {
        do {
            _ = try ServiceConfiguration.load(path: repositoryConfig, environment: ["ENCORE_HTTP_PORT": "http"])
            Issue.record("accepted a non-numeric port")
        } catch {
            #expect(error.description.hasPrefix("environment: ENCORE_HTTP_PORT: must be an integer in 0...65535"))
        }
    }
}
