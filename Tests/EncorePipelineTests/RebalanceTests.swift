import EncoreCore
import EncoreKafka
import EncorePipeline
import EncoreStore
import EncoreTestSupport
import Foundation
import GRDB
import Testing

/// Two instances of one pipeline (one consumer group, one SQLite file each) while partitions
/// move between them: each instance's state holds every record of the partitions it processed
/// exactly once, and every record is processed by some instance.
@Suite(.timeLimit(.minutes(4)))
struct RebalanceTests {
    @Test func partitionsMoveBetweenInstancesWithoutLossOrDoubleApplication() async throws {
        let harness = try PipelineHarness(partitions: 4)
        let definition = TestDefinitions.music(maxRecords: 40)
        let secondStore = harness.storePath + ".second"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: secondStore + suffix) } }
        let first = PipelineRunner(definition: definition, environment: try harness.environment(), logger: harness.logger)
        let second = PipelineRunner(
            definition: definition, environment: try harness.environment(storePath: secondStore), logger: harness.logger
        )
        let all = TestStreams.listens(1600)
        try harness.produce(.listens, Array(all[..<800]))

        let firstTask = Task { try await first.run() }
        try await waitUntil { first.status.appliedRecords >= 200 }
        // A second member joins: the group rebalances while the first is mid-stream.
        let secondTask = Task { try await second.run() }
        try await waitUntil { second.status.assignedPartitions > 0 && second.status.appliedRecords > 0 }
        try harness.produce(.listens, Array(all[800...]))
        let stores = [harness.storePath, secondStore]
        try await waitUntil { Self.processedPositions(stores).count == all.count }
        // The first leaves: its partitions move to the second, which resumes them from its own offsets.
        first.requestStop()
        try await firstTask.value
        try await waitUntil { Self.processedPositions([secondStore]).count == all.count }
        second.requestStop()
        try await secondTask.value

        var processed = Set<String>()
        for path in [harness.storePath, secondStore] {
            let store = try EncoreStore(path: path)
            let rows = try store.database.read { db in
                try Row.fetchAll(db, sql: "SELECT src_partition, src_offset, COUNT(*) FROM listens GROUP BY 1, 2")
            }
            #expect(rows.allSatisfy { ($0[2] as Int) == 1 }, "a record was applied twice in \(path)")
            for row in rows { processed.insert("\(row[0] as Int)/\(row[1] as Int)") }
            // Offsets in the store cover exactly what its history holds per partition (a prefix or a
            // suffix of each partition, nothing skipped within what it processed).
            for offset in try store.nextOffsets(group: definition.consumerGroup) {
                let count = try await store.database.read { db in
                    try Int.fetchOne(db, sql: "SELECT MAX(src_offset) FROM listens WHERE src_partition = ?",
                                     arguments: [offset.partition])
                }
                #expect(count.map { Int64($0) + 1 } == offset.nextOffset)
            }
        }
        #expect(processed.count == all.count, "every record was processed by some instance")
        // The final owner of every partition (the second) rebuilt it completely from the log.
        let finalStore = try EncoreStore(path: secondStore)
        #expect(try finalStore.counts().listens == all.count)
    }

    /// The (partition, offset) pairs the given stores hold.
    private static func processedPositions(_ paths: [String]) -> Set<String> {
        var positions = Set<String>()
        for path in paths {
            guard let store = try? EncoreStore(path: path), let listens = try? store.listens() else { continue }
            for listen in listens { positions.insert("\(listen.position.partition)/\(listen.position.offset)") }
        }
        return positions
    }

    private func waitUntil(_ condition: @escaping @Sendable () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(90)
        while !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("condition not reached in time")
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
