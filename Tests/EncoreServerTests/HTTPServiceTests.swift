import EncoreServer
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite(.timeLimit(.minutes(2))) struct HTTPServiceTests {
    /// GET over real TCP; the status code, or nil when nothing answers.
    private static func status(_ url: String) async -> Int? {
        await withCheckedContinuation { continuation in
            URLSession.shared.dataTask(with: URL(string: url)!) { _, response, _ in
                continuation.resume(returning: (response as? HTTPURLResponse)?.statusCode)
            }.resume()
        }
    }

    @Test func theServiceServesSamplesAndStopsOnGracefulShutdown() async throws {
        let fixture = try ServerFixture(seed: 31)
        var configuration = ServerConfiguration()
        configuration.port = 0  // the system picks a free port
        configuration.sampleInterval = .milliseconds(20)
        let dependencies = fixture.dependencies(configuration: configuration)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let server = EncoreHTTPServer(dependencies: dependencies, logger: Logger(label: "test")) { port in
            continuation.yield(port)
        }
        let group = ServiceGroup(services: [server], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        #expect(port > 0)
        #expect(await Self.status("http://127.0.0.1:\(port)/health/live") == 200)
        #expect(await Self.status("http://127.0.0.1:\(port)/health/ready") == 200)
        #expect(await Self.status("http://127.0.0.1:\(port)/") == 200)
        // The sampler runs alongside the server.
        while dependencies.history.samples.count < 2 { try await Task.sleep(for: .milliseconds(10)) }
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(await Self.status("http://127.0.0.1:\(port)/health/live") == nil)
        // No sample is taken once the service stopped.
        let stopped = dependencies.history.samples.count
        try await Task.sleep(for: .milliseconds(100))
        #expect(dependencies.history.samples.count == stopped)
    }
}
