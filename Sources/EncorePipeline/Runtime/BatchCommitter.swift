import Dispatch
import EncoreKafka
import EncoreStore
import Synchronization

/// Finishes batches on a thread of its own: waits for a batch's delivery reports, then commits
/// its state and offsets to SQLite, while the pipeline thread already polls and processes the
/// next batch. Both cores work; commits stay in batch order because at most one batch is in
/// flight and the pipeline takes its outcome before handing over the next.
///
/// Exactly-once state is unchanged: a batch's offsets reach SQLite only with its state and only
/// after its outputs were delivered. If a batch fails, the pipeline throws away the in-memory
/// effects of it and of the batch processed meanwhile (state is reloaded from SQLite) and seeks
/// both batches' partitions back to the stored offsets.
final class BatchCommitter: Sendable {
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
        case committed(Job, flushSeconds: Double, commitSeconds: Double)
        case failed(Job, any Error & Sendable)
        case crashed(PipelineError)
    }

    private let queue: DispatchQueue
    private let inFlight = DispatchGroup()
    private let outcome = Mutex<Outcome?>(nil)
    private let work: @Sendable (Job) -> Outcome

    /// - Parameter work: delivers and commits one job (runs on the committer's thread).
    init(label: String, work: @escaping @Sendable (Job) -> Outcome) {
        queue = DispatchQueue(label: label)
        self.work = work
    }

    /// Hands a job over; the previous one must have been taken with ``takeOutcome()``.
    func submit(_ job: Job) {
        inFlight.enter()
        queue.async { [self] in
            let result = work(job)
            outcome.withLock { $0 = result }
            inFlight.leave()
        }
    }

    /// Waits for the job in flight, if any, and returns its outcome (once).
    func takeOutcome() -> Outcome? {
        inFlight.wait()
        return outcome.withLock { current in
            defer { current = nil }
            return current
        }
    }

    /// Waits until no job is in flight, leaving its outcome to ``takeOutcome()`` (used before
    /// reading stored offsets for newly assigned partitions).
    func waitUntilIdle() { inFlight.wait() }
}
