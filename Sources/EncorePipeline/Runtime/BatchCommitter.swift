import Dispatch
import EncoreKafka
import EncoreStore
import Foundation

/// Finishes batches on a thread of its own: waits for the batches' delivery reports, then commits
/// their state and offsets to SQLite, while the pipeline thread goes on polling and processing.
///
/// Up to ``maximumInFlight`` processed batches wait here, in order. Whatever has queued up while a
/// commit ran is finished as one group — every delivery report of the group, then one SQLite
/// transaction holding each batch's writes in order (group commit) — so a burst costs one
/// transaction instead of one each, and a decision is never held back behind a commit: the
/// pipeline thread only waits when ``maximumInFlight`` batches are pending
/// (docs/ARCHITECTURE.md, "The path of one record").
///
/// Exactly-once state is unchanged: a batch's offsets reach SQLite only with its state, only
/// after its outputs (and those of every batch before it) were delivered, and never before an
/// earlier batch's. When a group fails, every batch queued after it fails too without being
/// touched (their state was computed on top of the failed one); the pipeline throws away the
/// in-memory effects of all of them (state is reloaded from SQLite), seeks their partitions back
/// to the stored offsets, and calls ``clearFailure()``.
final class BatchCommitter: @unchecked Sendable {
    /// One processed batch waiting to be made durable.
    struct Job: Sendable {
        var number: Int
        var deliveryGroup: UInt64
        var write: BatchWrite
        var summary: BatchSummary
        var processSeconds: Double
        var started: ContinuousClock.Instant
        /// The first offset of each partition in the batch (where to rewind when nothing is stored).
        var firstOffsets: [TopicPartition: Int64]
    }

    enum Outcome: Sendable {
        case committed([Job], flushSeconds: Double, commitSeconds: Double)
        case failed([Job], any Error & Sendable)
        case crashed(PipelineError)
    }

    /// Batches processed but not yet committed, at most.
    static let maximumInFlight = 4

    private let queue: DispatchQueue
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var pending: [Job] = []
    private var outcomes: [Outcome] = []
    private var inFlight = 0
    private var running = false
    private var failure: (any Error & Sendable)?
    private let work: @Sendable ([Job]) -> Outcome

    /// - Parameter work: delivers and commits a group of consecutive jobs, all or none (runs on
    ///   the committer's thread).
    init(label: String, work: @escaping @Sendable ([Job]) -> Outcome) {
        queue = DispatchQueue(label: label)
        self.work = work
    }

    /// Queues a job behind the ones in flight; waits while ``maximumInFlight`` are.
    func submit(_ job: Job) {
        condition.lock()
        while inFlight >= Self.maximumInFlight { condition.wait() }
        pending.append(job)
        inFlight += 1
        let start = !running
        running = true
        condition.unlock()
        if start { queue.async { [self] in drain() } }
    }

    private func drain() {
        while true {
            condition.lock()
            guard !pending.isEmpty else {
                running = false
                condition.broadcast()
                condition.unlock()
                return
            }
            let group = pending
            pending.removeAll()
            let earlier = failure
            condition.unlock()
            let result: Outcome
            if let earlier {
                result = .failed(group, PipelineError(.store, "not committed: an earlier batch failed (\(earlier))"))
            } else {
                result = work(group)
            }
            condition.lock()
            outcomes.append(result)
            switch result {
            case .committed: break
            case .failed(_, let error): failure = failure ?? error
            case .crashed(let error): failure = failure ?? error
            }
            inFlight -= group.count
            condition.broadcast()
            condition.unlock()
        }
    }

    /// The outcomes finished since the last call, in batch order (never waits).
    func takeOutcomes() -> [Outcome] {
        condition.lock()
        defer { condition.unlock() }
        let taken = outcomes
        outcomes.removeAll()
        return taken
    }

    /// Waits until no job is in flight, leaving the outcomes to ``takeOutcomes()`` (before
    /// reading stored offsets, and when the pipeline is idle).
    func waitUntilIdle() {
        condition.lock()
        while inFlight > 0 || running { condition.wait() }
        condition.unlock()
    }

    /// After the pipeline has taken a failure's outcomes and rolled back: jobs submitted from now
    /// on are committed again.
    func clearFailure() {
        waitUntilIdle()
        condition.lock()
        failure = nil
        condition.unlock()
    }
}
