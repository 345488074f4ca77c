import EncoreCore
import EncoreStore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@testable import EncorePipeline

/// The scheduler's triggering, on a real store: when cycles start, that they never overlap, and
/// that shutdown cancels a running cycle.
@Suite(.timeLimit(.minutes(5)))
struct RetrainSchedulerTests {
    /// A cycle that records how it was run and takes `duration` (or until cancelled).
    final class RecordingCycle: RetrainCycle {
        struct Record: Sendable {
            var triggers: [RetrainReason] = []
            var running = 0
            var maximumRunning = 0
            var cancelledSeen = false
        }
        let record = Mutex(Record())
        let duration: Duration
        /// While true, a cycle runs until released (or cancelled), whatever `duration` says.
        let held = Mutex(false)
        init(duration: Duration) { self.duration = duration }

        func run(_ context: RetrainContext) throws -> RetrainOutcome {
            record.withLock {
                $0.triggers.append(context.trigger)
                $0.running += 1
                $0.maximumRunning = max($0.maximumRunning, $0.running)
            }
            let end = ContinuousClock.now + duration
            while ContinuousClock.now < end || held.withLock({ $0 }) {
                if context.isCancelled() {
                    record.withLock { $0.cancelledSeen = true }
                    break
                }
                Thread.sleep(forTimeInterval: 0.01)
            }
            record.withLock { $0.running -= 1 }
            return RetrainOutcome(promoted: false, generation: nil, reason: "recorded")
        }
    }

    static func addListens(_ count: Int, to store: EncoreStore, startingAt start: Int) throws {
        var batch = BatchWrite(groupID: "g")
        for index in start..<(start + count) {
            batch.listens.append(ListenRow(
                user: UserIndex(Int32(index % 7)), item: ItemIndex(Int32(index % 11)),
                event: ListenEvent(userID: UserID("u"), trackID: TrackID("t"), timestampMs: Int64(index) * 1000),
                position: SourcePosition(partition: 0, offset: Int64(index))
            ))
        }
        batch.offsets.append(OffsetRow(topic: "listens", partition: 0, nextOffset: Int64(start + count)))
        try store.commit(batch)
    }

    /// Waits for `condition` (generously: the whole suite runs in parallel on two cores, and the
    /// scheduler's loop shares the cooperative pool with every other test), failing if it never holds.
    static func waitUntil(_ condition: () -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let deadline = ContinuousClock.now + .seconds(90)
        while !condition(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        try #require(condition(), "the condition never held", sourceLocation: sourceLocation)
    }

    @Test("cycles start at the minimum, then every N interactions or on request, never two at once")
    func triggers() async throws {
        let store = try EncoreStore(path: nil)
        var settings = RetrainSettings()
        settings.minimumInteractions = 50
        settings.everyInteractions = 100
        settings.everyMinutes = 0
        let cycle = RecordingCycle(duration: .milliseconds(300))
        let scheduler = RetrainScheduler(
            settings: settings, store: store, cycle: cycle, logger: Logger(label: "test"),
            checkInterval: .milliseconds(20))
        let task = Task { try await scheduler.run() }
        defer { task.cancel() }

        try Self.addListens(40, to: store, startingAt: 0)
        try await Task.sleep(for: .milliseconds(200))
        #expect(scheduler.status.cycles == 0, "below the minimum nothing runs")

        cycle.held.withLock { $0 = true }
        try Self.addListens(20, to: store, startingAt: 40)
        try await Self.waitUntil { scheduler.status.running }
        #expect(scheduler.requestNow() == false, "a request while a cycle runs is refused")
        cycle.held.withLock { $0 = false }
        try await Self.waitUntil { scheduler.status.cycles == 1 }

        try Self.addListens(60, to: store, startingAt: 60)  // 120 in all: 60 since the last cycle
        try await Task.sleep(for: .milliseconds(200))
        #expect(scheduler.status.cycles == 1)
        try Self.addListens(50, to: store, startingAt: 120)  // 110 since the last cycle
        try await Self.waitUntil { scheduler.status.cycles == 2 }

        #expect(scheduler.requestNow())
        try await Self.waitUntil { scheduler.status.cycles == 3 }
        let record = cycle.record.withLock { $0 }
        #expect(record.triggers == [.startup, .interactions, .manual])
        #expect(record.maximumRunning == 1)
        #expect(scheduler.status.history.map(\.trigger) == [.startup, .interactions, .manual])
        #expect(scheduler.status.history.map(\.interactions) == [60, 170, 170])
    }

    @Test("graceful shutdown tells a running cycle to give up and waits for it")
    func shutdownCancelsTheCycle() async throws {
        let store = try EncoreStore(path: nil)
        var settings = RetrainSettings()
        settings.minimumInteractions = 1
        let cycle = RecordingCycle(duration: .seconds(60))
        let scheduler = RetrainScheduler(
            settings: settings, store: store, cycle: cycle, logger: Logger(label: "test"),
            checkInterval: .milliseconds(20))
        try Self.addListens(5, to: store, startingAt: 0)
        let group = ServiceGroup(services: [scheduler], logger: Logger(label: "test"))
        let task = Task { try await group.run() }
        try await Self.waitUntil { scheduler.status.running }
        await group.triggerGracefulShutdown()
        try await task.value
        #expect(cycle.record.withLock { $0.cancelledSeen })
        #expect(scheduler.status.running == false)
        #expect(scheduler.status.cycles == 1)
    }
}
