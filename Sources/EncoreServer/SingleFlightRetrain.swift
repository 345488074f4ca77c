import EncorePipeline
import Logging
import Synchronization

/// Runs retrain cycles one at a time: a request while a cycle runs is refused
/// (``RetrainRequestOutcome/alreadyRunning(cycle:)``), never queued, so cycles never overlap.
///
/// Each cycle runs in its own task; its wall time and outcome are recorded in ``RetrainMetrics``
/// (`encore_retrain_duration_seconds`, `encore_retrain_cycles_total`).
public final class SingleFlightRetrain: RetrainTrigger {
    /// What a cycle decided (`.promoted` or `.rejected`; a throwing cycle counts as `.failed`).
    public typealias CycleOutcome = RetrainVerdict

    private struct State {
        var cyclesStarted = 0
        var running: Int?
        var lastOutcome: RetrainVerdict?
    }

    private let cycle: @Sendable (_ cycle: Int, _ reason: String) async throws -> CycleOutcome
    private let state = Mutex(State())
    private let metrics = RetrainMetrics()
    private let logger: Logger

    /// - Parameter cycle: one retrain cycle, numbered from 1; throws when the cycle failed.
    public init(
        logger: Logger, cycle: @escaping @Sendable (_ cycle: Int, _ reason: String) async throws -> CycleOutcome
    ) {
        self.logger = logger
        self.cycle = cycle
    }

    /// The cycle running now, if any.
    public var runningCycle: Int? { state.withLock { $0.running } }

    /// Cycles started since the service started.
    public var cyclesStarted: Int { state.withLock { $0.cyclesStarted } }

    /// `promoted`, `rejected` or `failed` for the last finished cycle.
    public var lastOutcome: RetrainVerdict? { state.withLock { $0.lastOutcome } }

    public func requestRetrain(reason: String) async -> RetrainRequestOutcome {
        let claimed: Int? = state.withLock { state in
            if state.running != nil { return nil }
            state.cyclesStarted += 1
            state.running = state.cyclesStarted
            return state.cyclesStarted
        }
        guard let number = claimed else {
            return .alreadyRunning(cycle: state.withLock { $0.running ?? 0 })
        }
        logger.info("retrain cycle started", metadata: ["cycle": "\(number)", "reason": "\(reason)"])
        Task { [self] in
            let started = ContinuousClock.now
            let outcome: RetrainVerdict
            do {
                outcome = try await cycle(number, reason)
            } catch {
                logger.error("retrain cycle failed", metadata: ["cycle": "\(number)", "error": "\(error)"])
                outcome = .failed
            }
            metrics.record(outcome, duration: started.duration(to: .now))
            state.withLock { state in
                state.running = nil
                state.lastOutcome = outcome
            }
            logger.info("retrain cycle finished", metadata: ["cycle": "\(number)", "outcome": "\(outcome.rawValue)"])
        }
        return .started(cycle: number)
    }
}
