import EncoreCore
import EncoreStore
import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Runs retrain cycles every `every_minutes` or every `every_interactions` new listens (whichever
/// comes first), or when asked (``requestNow()``), never two at once and never on the ingestion
/// thread: each cycle runs on a thread of its own while the pipelines keep consuming.
///
/// Shutdown (SIGINT/SIGTERM through the service group) tells a running cycle to give up
/// (``RetrainContext/isCancelled``) and waits for it; the current generation stays.
public final class RetrainScheduler: Service, Sendable {
    public let settings: RetrainSettings
    private let store: EncoreStore
    private let cycle: any RetrainCycle
    private let logger: Logger
    private let state = Mutex(SchedulerState())
    private let stopRequested = Atomic<Bool>(false)
    private let checkInterval: Duration
    private let metrics = RetrainMetrics()

    /// What the scheduler has done, for the status page and tests.
    public struct Status: Sendable, Equatable {
        public var running = false
        public var cycles = 0
        public var promotions = 0
        public var lastProgress: String?
        public var history: [RetrainOutcome] = []
        public var lastError: String?
    }

    private struct SchedulerState {
        var status = Status()
        var forced = false
        var interactionsAtLastCycle: Int?
        var lastCycleEnd = ContinuousClock.now
    }

    public init(
        settings: RetrainSettings, store: EncoreStore, cycle: any RetrainCycle, logger: Logger,
        checkInterval: Duration = .milliseconds(500)
    ) {
        self.settings = settings
        self.store = store
        self.cycle = cycle
        var logger = logger
        logger[metadataKey: "component"] = "retrain"
        self.logger = logger
        self.checkInterval = checkInterval
    }

    public var status: Status { state.withLock { $0.status } }

    /// Asks for a cycle as soon as possible. Returns false when one is running already.
    @discardableResult
    public func requestNow() -> Bool {
        state.withLock { state in
            if state.status.running { return false }
            state.forced = true
            return true
        }
    }

    public func run() async throws {
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await loop()
            } onGracefulShutdown: {
                self.stopRequested.store(true, ordering: .relaxed)
            }
        } onCancel: {
            self.stopRequested.store(true, ordering: .relaxed)
        }
    }

    private func loop() async throws {
        while !stopRequested.load(ordering: .relaxed) {
            do {
                if let trigger = try dueTrigger() { await runCycle(trigger: trigger) }
            } catch {
                // A store that cannot answer now (busy, I/O) only delays the next cycle.
                logger.warning("retrain trigger check failed; will retry", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: checkInterval)
        }
    }

    /// Why a cycle is due now, if it is.
    private func dueTrigger() throws -> RetrainReason? {
        let listens = try store.listenCount()
        return state.withLock { state -> RetrainReason? in
            if state.forced { return .manual }
            guard listens >= settings.minimumInteractions else { return nil }
            guard let previous = state.interactionsAtLastCycle else { return .startup }
            if settings.everyInteractions > 0, listens - previous >= settings.everyInteractions { return .interactions }
            if settings.everyMinutes > 0, ContinuousClock.now - state.lastCycleEnd >= .seconds(60 * settings.everyMinutes) {
                return .timer
            }
            return nil
        }
    }

    private func runCycle(trigger: RetrainReason) async {
        let interactions = (try? store.listenCount()) ?? 0
        state.withLock {
            $0.forced = false
            $0.status.running = true
            $0.interactionsAtLastCycle = interactions
        }
        logger.info("retrain cycle started", metadata: ["trigger": "\(trigger.rawValue)", "interactions": "\(interactions)"])
        let started = ContinuousClock.now
        let context = RetrainContext(
            trigger: trigger, interactions: interactions,
            progress: { [self] line in
                logger.info("retrain: \(line)")
                state.withLock { $0.status.lastProgress = line }
            },
            isCancelled: { [self] in stopRequested.load(ordering: .relaxed) }
        )
        let cycle = self.cycle
        let result: Result<RetrainOutcome, any Error> = await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: Result { try cycle.run(context) })
            }
            thread.name = "encore-retrain"
            thread.start()
        }
        let elapsed = started.duration(to: .now)
        let seconds = elapsed.inSeconds
        switch result {
        case .success(let outcome): metrics.record(outcome.promoted ? .promoted : .rejected, duration: elapsed)
        case .failure: metrics.record(.failed, duration: elapsed)
        }
        state.withLock { state in
            state.status.running = false
            state.status.cycles += 1
            state.lastCycleEnd = .now
            switch result {
            case .success(var outcome):
                outcome.trigger = trigger
                outcome.interactions = interactions
                outcome.seconds = seconds
                outcome.finishedMs = Int64(Date().timeIntervalSince1970 * 1000)
                if outcome.promoted { state.status.promotions += 1 }
                state.status.history.append(outcome)
                if state.status.history.count > 50 { state.status.history.removeFirst() }
                state.status.lastError = nil
            case .failure(let error):
                state.status.lastError = "\(error)"
            }
        }
        switch result {
        case .success(let outcome):
            logger.info("retrain cycle finished", metadata: [
                "promoted": "\(outcome.promoted)", "generation": "\(outcome.generation.map(String.init) ?? "-")",
                "reason": "\(outcome.reason)", "seconds": "\(String(format: "%.1f", seconds))",
            ])
        case .failure(let error):
            logger.error("retrain cycle failed; the current generation stays", metadata: ["error": "\(error)"])
        }
    }
}
