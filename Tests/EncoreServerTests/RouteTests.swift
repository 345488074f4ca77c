import EncoreCore
import EncorePipeline
import EncoreStages
import EncoreServer
import EncoreStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing

@Suite(.timeLimit(.minutes(2))) struct RouteTests {
    private func withClient(
        _ dependencies: ServerDependencies, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let application = Application(router: EncoreRouter.build(dependencies))
        try await application.test(.router) { client in try await body(client) }
    }

    private static func int(_ value: Any) -> Int? { (value as? NSNumber)?.intValue }

    private static func json(_ buffer: ByteBuffer) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any])
    }

    @Test func liveAnswersWhileServing() async throws {
        let fixture = try ServerFixture(seed: 1)
        try await withClient(fixture.dependencies()) { client in
            try await client.execute(uri: "/health/live", method: .get) { response throws in
                #expect(response.status == .ok)
                #expect(try Self.json(response.body)["status"] as? String == "live")
            }
        }
    }

    @Test func readyWhenRunningAssignedAndCaughtUp() async throws {
        let fixture = try ServerFixture(seed: 2)
        try await withClient(fixture.dependencies()) { client in
            try await client.execute(uri: "/health/ready", method: .get) { response throws in
                #expect(response.status == .ok)
                let body = try Self.json(response.body)
                #expect(body["ready"] as? Bool == true)
                #expect((body["failed"] as? [String])?.isEmpty == true)
                let names = (body["checks"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
                #expect(names == ["model", "store", "partitions", "lag"])
            }
        }
    }

    @Test func notReadyNamesTheFailedChecks() async throws {
        let fixture = try ServerFixture(seed: 3)
        var configuration = ServerConfiguration()
        configuration.readyMaximumLag = 100
        fixture.statuses.withLock { statuses in
            var lagging = statuses[0]
            lagging.lag = 101
            var starting = PipelineStatus(pipeline: "notifications")
            starting.state = .starting
            statuses = [lagging, starting]
        }
        try await withClient(fixture.dependencies(configuration: configuration)) { client in
            try await client.execute(uri: "/health/ready", method: .get) { response throws in
                #expect(response.status == .serviceUnavailable)
                let body = try Self.json(response.body)
                #expect(body["ready"] as? Bool == false)
                #expect(body["failed"] as? [String] == ["model", "partitions", "lag"])
            }
        }
        // Caught up but not assigned: only the partitions check fails.
        fixture.statuses.withLock { statuses in
            var unassigned = statuses[0]
            unassigned.lag = 100
            unassigned.assignedPartitions = 0
            statuses = [unassigned]
        }
        try await withClient(fixture.dependencies(configuration: configuration)) { client in
            try await client.execute(uri: "/health/ready", method: .get) { response throws in
                #expect(response.status == .serviceUnavailable)
                #expect(try Self.json(response.body)["failed"] as? [String] == ["partitions"])
            }
        }
    }

    @Test func recommendationsFollowPopularityExcludingRecentPlays() async throws {
        let fixture = try ServerFixture(seed: 4)
        let user = "user-2"
        let k = 5
        // Naive reference: decayed play counts at the user's newest event, the user's last 20
        // plays excluded, ties by first appearance.
        let halfLifeMs = PopularityBaseline.Settings().halfLifeHours * 3_600_000
        let own = fixture.listens.enumerated().filter { $0.element.user == user }
            .sorted { ($0.element.timestampMs, $0.offset) > ($1.element.timestampMs, $1.offset) }
        let atMs = try #require(own.first).element.timestampMs
        let excluded = Set(own.prefix(20).map(\.element.track))
        var scores: [String: Double] = [:]
        var firstSeen: [String: Int] = [:]
        for (position, listen) in fixture.listens.enumerated() {
            scores[listen.track, default: 0] += pow(2, Double(listen.timestampMs - atMs) / halfLifeMs)
            if firstSeen[listen.track] == nil { firstSeen[listen.track] = position }
        }
        let expected = scores.filter { !excluded.contains($0.key) }
            .sorted { ($0.value, -firstSeen[$0.key]!) > ($1.value, -firstSeen[$1.key]!) }.prefix(k)

        try await withClient(fixture.dependencies()) { client in
            try await client.execute(uri: "/v1/users/\(user)/recommendations?k=\(k)", method: .get) { response throws in
                #expect(response.status == .ok)
                let body = try Self.json(response.body)
                #expect(body["user_id"] as? String == user)
                #expect((body["ts_ms"] as? NSNumber)?.int64Value == atMs)
                #expect(body["model"] as? String == PopularityBaseline.modelName)
                let items = try #require(body["items"] as? [[String: Any]])
                #expect(items.compactMap { $0["track_id"] as? String } == expected.map(\.key))
                for (item, reference) in zip(items, expected) {
                    let score = try #require((item["score"] as? NSNumber)?.doubleValue)
                    #expect(abs(score - reference.value) <= 1e-4 * reference.value)
                }
            }
        }
    }

    @Test func unknownUsersAre404AndBadKIs400() async throws {
        let fixture = try ServerFixture(seed: 5)
        try await withClient(fixture.dependencies()) { client in
            try await client.execute(uri: "/v1/users/nobody/recommendations", method: .get) { response throws in
                #expect(response.status == .notFound)
                #expect((try Self.json(response.body)["error"] as? String)?.contains("nobody") == true)
            }
            for k in ["0", "-3", "abc", "1001", ""] {
                try await client.execute(uri: "/v1/users/user-1/recommendations?k=\(k)", method: .get) {
                    response throws in
                    #expect(response.status == .badRequest, "k=\(k)")
                }
            }
            try await client.execute(uri: "/v1/users/user-1/recommendations", method: .get) { response throws in
                #expect(response.status == .ok)
                let items = try Self.json(response.body)["items"] as? [[String: Any]]
                // Default k, bounded by the tracks the user has not just played.
                #expect((1...EncoreRouter.defaultK).contains(items?.count ?? 0))
            }
        }
    }

    @Test func retrainStartsOnceAndRefusesWhileRunning() async throws {
        let fixture = try ServerFixture(seed: 6)
        let released = Atomic<Bool>(false)
        let trigger = SingleFlightRetrain(logger: Logger(label: "test")) { _, _ in
            while !released.load(ordering: .acquiring) { try await Task.sleep(for: .milliseconds(2)) }
            return .promoted
        }
        try await withClient(fixture.dependencies(retrain: trigger)) { client in
            try await client.execute(uri: "/v1/retrain", method: .post) { response throws in
                #expect(response.status == .accepted)
                let body = try Self.json(response.body)
                #expect(body["status"] as? String == "started")
                #expect(body["cycle"].flatMap(Self.int) == 1)
            }
            try await client.execute(uri: "/v1/retrain", method: .post) { response throws in
                #expect(response.status == .conflict)
                let body = try Self.json(response.body)
                #expect(body["status"] as? String == "already_running")
                #expect(body["cycle"].flatMap(Self.int) == 1)
            }
            released.store(true, ordering: .releasing)
            while trigger.runningCycle != nil { try await Task.sleep(for: .milliseconds(5)) }
            #expect(trigger.lastOutcome == .promoted)
            try await client.execute(uri: "/v1/retrain", method: .post) { response throws in
                #expect(response.status == .accepted)
                #expect(try Self.json(response.body)["cycle"].flatMap(Self.int) == 2)
            }
        }
    }

    @Test func retrainWithoutASchedulerIsUnavailable() async throws {
        let fixture = try ServerFixture(seed: 7)
        try await withClient(fixture.dependencies()) { client in
            try await client.execute(uri: "/v1/retrain", method: .post) { response throws in
                #expect(response.status == .serviceUnavailable)
                #expect(try Self.json(response.body)["status"] as? String == "unavailable")
            }
        }
    }
}
