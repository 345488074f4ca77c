import EncoreCore
import EncoreKafka
import EncorePipeline
import EncoreStages
import EncoreStore
import EncoreTestSupport
import Foundation
import GRDB
import Testing

/// Exactly-once state across crashes: stop dead at each point of a batch (no commit, no close),
/// restart on the same store, and every record's effect must be in the state exactly once.
@Suite(.timeLimit(.minutes(5)))
struct CrashSafetyTests {
    @Test(arguments: FaultInjection.Point.allCases)
    func everyEventIsAppliedExactlyOnceAfterACrash(point: FaultInjection.Point) async throws {
        let harness = try PipelineHarness()
        let listens = TestStreams.listens(400)
        try harness.produce(.listens, listens)
        let definition = TestDefinitions.music(maxRecords: 50)

        let crashed = try await harness.run(definition, fault: FaultInjection(point: point, batch: 3)) { _ in false }
        let crashError = try #require(crashed.error as? PipelineError)
        #expect(crashError.code == .injectedCrash)
        let committedBeforeRestart = try harness.store().counts().listens
        #expect(committedBeforeRestart < listens.count, "the crash happened mid-stream")

        let restarted = try await harness.run(definition) { status in
            (try? harness.store().counts().listens) ?? 0 >= listens.count && status.lag == 0
        }
        #expect(restarted.error == nil)
        try expectExactlyOnce(harness: harness, definition: definition, expected: listens)
    }

    @Test func aGracefulStopMidStreamResumesWhereItStopped() async throws {
        let harness = try PipelineHarness()
        let listens = TestStreams.listens(400)
        try harness.produce(.listens, listens)
        let definition = TestDefinitions.music(maxRecords: 50)
        let first = try await harness.run(definition) { $0.appliedRecords >= 100 }
        #expect(first.error == nil)
        #expect(first.status.state == .stopped)
        let second = try await harness.run(definition) { status in
            (try? harness.store().counts().listens) ?? 0 >= listens.count && status.lag == 0
        }
        #expect(second.error == nil)
        try expectExactlyOnce(harness: harness, definition: definition, expected: listens)
    }

    @Test func failedDeliveriesRollBackAndRetryWithoutDoubleApplication() async throws {
        let harness = try PipelineHarness()
        let listens = TestStreams.listens(600)
        try harness.produce(.listens, listens)
        // The next produce requests (the pipeline's recommendations) fail for good on the broker.
        harness.broker.injectErrors(10, count: 3, request: .produce)  // MSG_SIZE_TOO_LARGE: not retriable
        let definition = TestDefinitions.music(maxRecords: 50)
        let result = try await harness.run(definition) { status in
            (try? harness.store().counts().listens) ?? 0 >= listens.count && status.lag == 0
        }
        #expect(result.error == nil)
        #expect(result.status.failedBatchAttempts >= 1, "a delivery failure was seen and handled")
        try expectExactlyOnce(harness: harness, definition: definition, expected: listens)
    }

    @Test func decisionsAfterACrashKeepTheirIds() async throws {
        let harness = try PipelineHarness()
        let requests = TestStreams.requests(150)
        try harness.produce(.notificationRequests, requests)
        let definition = TestDefinitions.notifications(maxRecords: 25)
        _ = try await harness.run(definition, fault: FaultInjection(point: .afterFlush, batch: 2)) { _ in false }
        _ = try await harness.run(definition) { status in
            (try? harness.store().counts().decisions) ?? 0 >= requests.count && status.lag == 0
        }
        #expect(try harness.store().counts().decisions == requests.count)
        // Outputs are at least once: every request has a decision on the topic, duplicates share ids.
        // Read until every id is seen: the re-produced batches' duplicates can make up the count first.
        let expected = Set((0..<requests.count).map { RuleBaseline.decisionID(for: RequestID("request-\($0)")) })
        let messages = try harness.readAll(.notificationDecisions) { read in
            Set(read.compactMap { $0.headers[header: "encore-id"] }).isSuperset(of: expected)
        }
        let ids = Set(messages.compactMap { $0.headers[header: "encore-id"] })
        #expect(ids == expected)
        #expect(messages.count >= requests.count)
    }

    /// Every input record is in the history exactly once, the offsets point past the stream, and
    /// the per-user listen counters equal the number of listens of each user.
    private func expectExactlyOnce(
        harness: PipelineHarness, definition: PipelineDefinition, expected: [(key: String, value: [UInt8])]
    ) throws {
        let store = try harness.store()
        #expect(try store.counts().listens == expected.count)
        let duplicates = try store.database.read { db in
            try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM (SELECT src_partition, src_offset FROM listens
                GROUP BY src_partition, src_offset HAVING COUNT(*) > 1)
                """) ?? -1
        }
        #expect(duplicates == 0)
        let offsetTotal = try store.nextOffsets(group: definition.consumerGroup).reduce(0) { $0 + $1.nextOffset }
        #expect(offsetTotal == Int64(expected.count))
        var perUser: [String: Int64] = [:]
        for record in expected { perUser[record.key, default: 0] += 1 }
        let users = try IdentifierMap(kind: .users, store: store)
        let states = try store.userStates(kind: "music.popularity")
        #expect(states.count == perUser.count)
        for row in states {
            let id = try #require(users.id(at: row.user.rawValue))
            // listenCount is the first Int64 after the version byte.
            let count = row.state[1..<9].enumerated().reduce(Int64(0)) { $0 | Int64($1.element) << (8 * $1.offset) }
            #expect(count == perUser[id], "user \(id)")
        }
    }
}
