import EncoreCore
import EncorePipeline
import EncoreSimulation
import Foundation
import Synchronization

/// Holds the demo's producer at the end of each simulated day until the pipelines have consumed
/// the day, then runs one retrain cycle and waits for its outcome, so the next day is served by
/// whatever the cycle promoted. Without a scheduler it only counts what was produced.
final class DayGate: Sendable {
    private struct State {
        var nextBoundaryMs: Int64
        var day = 1
        let lastBoundaryMs: Int64
        var produced: [EncoreTopic: Int] = [:]
        var failure: (any Error)?
    }

    private let state: Mutex<State>
    private let runners: [PipelineRunner]
    private let definitions: [PipelineDefinition]
    private let scheduler: RetrainScheduler?
    private let output: @Sendable (String) -> Void
    private static let dayMs: Int64 = 86_400_000

    init(
        firstEventMs: Int64, lastEventMs: Int64, runners: [PipelineRunner], definitions: [PipelineDefinition], scheduler: RetrainScheduler?,
        output: @escaping @Sendable (String) -> Void
    ) {
        // Days end at start + k·24 h; the end of the last day is no boundary (nothing follows it).
        state = Mutex(State(nextBoundaryMs: firstEventMs + Self.dayMs, lastBoundaryMs: lastEventMs - Self.dayMs))
        self.runners = runners
        self.definitions = definitions
        self.scheduler = scheduler
        self.output = output
    }

    /// The first error a retrain wait ran into (the demo reports it after producing).
    var failure: (any Error)? { state.withLock { $0.failure } }

    /// Called for every event before it is produced (on the producer's thread; may block).
    func before(_ event: SimulatedEvent) throws {
        let boundary: (day: Int, produced: [EncoreTopic: Int])? = state.withLock { state in
            guard scheduler != nil, state.failure == nil, event.timestampMs >= state.nextBoundaryMs,
                state.nextBoundaryMs <= state.lastBoundaryMs
            else { return nil }
            state.nextBoundaryMs += Self.dayMs
            defer { state.day += 1 }
            return (state.day, state.produced)
        }
        state.withLock { $0.produced[event.topic, default: 0] += 1 }
        guard let boundary, let scheduler else { return }
        do {
            try waitUntilConsumed(boundary.produced, progressFrom: nil)
            let before = scheduler.status.cycles
            output("day \(boundary.day) consumed; retrain cycle \(before + 1) (LightGCN → RNN → holdout → promotion)…")
            _ = scheduler.requestNow()
            while scheduler.status.cycles == before {
                if let line = scheduler.status.lastProgress { _ = line }
                Thread.sleep(forTimeInterval: 0.05)
            }
            let status = scheduler.status
            if let outcome = status.history.last {
                let metrics = outcome.candidateMetrics
                output(String(
                    format: "  cycle %d: %@ — %@ (holdout hr@20: candidate %.4f, popularity %.4f; %.1f s)", status.cycles,
                    outcome.promoted ? "promoted rnn@\(outcome.generation ?? 0)" : "kept the serving generation",
                    outcome.reason, metrics["hr@20"] ?? 0, metrics["popularity_hr@20"] ?? 0, outcome.seconds))
            } else if let error = status.lastError {
                output("  cycle \(status.cycles) failed: \(error)")
            }
        } catch {
            state.withLock { $0.failure = error }
        }
    }

    /// Blocks until every pipeline has applied or dead-lettered all records of its inputs in
    /// `produced`; prints progress every 2 s when `progressFrom` is given.
    func waitUntilConsumed(_ produced: [EncoreTopic: Int], progressFrom start: ContinuousClock.Instant?) throws {
        var expected: [String: Int] = [:]
        for definition in definitions {
            expected[definition.name] = definition.inputs.reduce(0) { $0 + (produced[$1] ?? 0) }
        }
        let total = produced.values.reduce(0, +)
        var lastPrint = ContinuousClock.now
        while true {
            let statuses = runners.map(\.status)
            if let failed = statuses.first(where: { $0.state == .failed }) {
                throw PipelineError(.kafka, "pipeline \(failed.pipeline) failed: \(failed.lastError ?? "?")")
            }
            if statuses.allSatisfy({ $0.appliedRecords + $0.deadLetters >= expected[$0.pipeline] ?? 0 }) { return }
            if let start, ContinuousClock.now - lastPrint > .seconds(2) {
                lastPrint = .now
                let consumed = statuses.reduce(0) { $0 + $1.appliedRecords + $1.deadLetters }
                let elapsed = start.duration(to: .now).inSeconds
                output("  consumed \(consumed) records for \(total) produced (\(Int(Double(consumed) / max(elapsed, 0.001))) records/s)")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }
}
