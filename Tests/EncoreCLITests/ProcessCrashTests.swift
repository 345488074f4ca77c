import EncoreCore
import EncoreKafka
import EncoreStore
import EncoreTestSupport
import Foundation
import GRDB
import Testing

/// The real `encore run` process, killed with SIGKILL mid-stream (no shutdown code runs at all),
/// restarted on the same SQLite file, then stopped with SIGTERM: every listen must be in the store
/// exactly once and the graceful stop must exit 0.
@Suite(.timeLimit(.minutes(4)))
struct ProcessCrashTests {
    private var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The `encore` binary next to the test bundle (the test target depends on it, so it is built).
    private func encoreExecutable() throws -> URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("encore")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        let fallback = repository.appendingPathComponent(".build/debug/encore")
        guard FileManager.default.isExecutableFile(atPath: fallback.path) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: fallback.path])
        }
        return fallback
    }

    @Test func sigkillMidStreamThenRestartAppliesEveryListenExactlyOnce() async throws {
        let harness = try PipelineHarness(partitions: 8)
        let listens = TestStreams.listens(12_000)
        try harness.produce(.listens, listens)
        let configPath = harness.storePath + ".yaml"
        // The shipped music pipeline with small batches, so the kill lands mid-stream however
        // fast the machine is.
        let pipelines = harness.storePath + ".pipelines"
        try FileManager.default.createDirectory(atPath: pipelines, withIntermediateDirectories: true)
        defer {
            try? FileManager.default.removeItem(atPath: configPath)
            try? FileManager.default.removeItem(atPath: pipelines)
        }
        let music = try String(contentsOf: repository.appendingPathComponent("pipelines/music.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "max_records: 500", with: "max_records: 10")
        #expect(music.contains("max_records: 10"))
        try music.write(toFile: pipelines + "/music.yaml", atomically: true, encoding: .utf8)
        // A killed member never leaves its group: the short session lets the restarted one take
        // the partitions over soon (pass-through properties win over Encore's defaults).
        try """
            kafka:
              topic_prefix: "\(harness.prefix)"
              create_topics: false
              properties: {session.timeout.ms: "6000", heartbeat.interval.ms: "300"}
            store:
              path: "\(harness.storePath)"
            pipelines:
              directory: "\(pipelines)"
              enabled: [music]
            logging:
              level: warning
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
        let executable = try encoreExecutable()
        let logPath = harness.storePath + ".log"
        defer { try? FileManager.default.removeItem(atPath: logPath) }
        func childLog() -> String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
        func launch() throws -> Process {
            let process = Process()
            process.executableURL = executable
            process.arguments = ["run", "--config", configPath, "--bootstrap-servers", harness.broker.bootstrapServers]
            process.standardOutput = FileHandle.nullDevice
            // Keep the child's log: when it exits early, the test says why.
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            process.standardError = FileHandle(forWritingAtPath: logPath)
            try process.run()
            return process
        }
        // Opened only once the child has created the schema (the killer below reads read-only).
        func storedListens() -> Int { (try? EncoreStore(path: harness.storePath).counts().listens) ?? 0 }
        func waitFor(_ condition: () -> Bool) async throws {
            let deadline = ContinuousClock.now + .seconds(90)
            while !condition() {
                guard ContinuousClock.now < deadline else {
                    Issue.record("condition not reached in time")
                    return
                }
                try await Task.sleep(for: .milliseconds(20))
            }
        }

        let first = try launch()
        // Watch and kill from a thread of its own: test tasks share a small cooperative pool that
        // other suites keep busy, and a late wake-up would let the stream finish first.
        let victim = first.processIdentifier
        let storePath = harness.storePath
        let killed = await withCheckedContinuation { (continuation: CheckedContinuation<Int, Never>) in
            Thread.detachNewThread {
                let deadline = ContinuousClock.now + .seconds(90)
                // Read-only, without running migrations: the child creates the schema.
                var configuration = Configuration()
                configuration.readonly = true
                var database: DatabaseQueue?
                var seen = 0
                while ContinuousClock.now < deadline {
                    if database == nil, FileManager.default.fileExists(atPath: storePath) {
                        database = try? DatabaseQueue(path: storePath, configuration: configuration)
                    }
                    seen = (try? database?.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM listens") ?? 0 }) ?? 0
                    if seen >= 500 { break }
                    usleep(1000)
                }
                kill(victim, SIGKILL)
                continuation.resume(returning: seen)
            }
        }
        #expect(killed >= 500, "child log: \(childLog())")
        first.waitUntilExit()
        #expect(first.terminationReason == .uncaughtSignal, "child log: \(childLog())")
        let afterCrash = storedListens()
        #expect(afterCrash < listens.count, "killed mid-stream")

        let second = try launch()
        try await waitFor { storedListens() >= listens.count }
        try await Task.sleep(for: .milliseconds(500))  // anything applied twice would show up now
        kill(second.processIdentifier, SIGTERM)
        second.waitUntilExit()
        #expect(second.terminationReason == .exit)
        #expect(second.terminationStatus == 0, "graceful stop exits 0")

        let store = try harness.store()
        #expect(try store.counts().listens == listens.count)
        let duplicates = try await store.database.read { db in
            try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM (SELECT src_partition, src_offset FROM listens
                GROUP BY src_partition, src_offset HAVING COUNT(*) > 1)
                """) ?? -1
        }
        #expect(duplicates == 0)
        let offsets = try store.nextOffsets(group: "encore-music").reduce(Int64(0)) { $0 + $1.nextOffset }
        #expect(offsets == Int64(listens.count))
    }
}
