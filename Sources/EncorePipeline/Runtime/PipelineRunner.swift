import EncoreCore
import EncoreKafka
import EncoreNumerics
import EncoreStore
import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Runs one pipeline definition: the consume → process → produce → deliver → commit loop.
///
/// The loop runs on a dedicated thread (librdkafka's blocking calls never touch Swift's
/// cooperative pool). Per batch (docs/design/streaming-semantics.md §3):
/// 1. poll up to `max_records` records; the batch closes as soon as what was fetched is drained
///    (it waits up to `max_wait` only while empty);
/// 2. decode, dead-letter the bad ones, apply the stages, produce their outputs (one producer
///    delivery group per batch);
/// 3. on the ``BatchCommitter``'s thread, while this thread goes on with the next batches: wait
///    for every delivery report of the batch (dead letters included), then one SQLite transaction
///    with interactions, states, decisions, dead letters and offsets (batches that queued up
///    meanwhile share one: group commit).
///
/// Commits stay in batch order (up to ``BatchCommitter/maximumInFlight`` batches queued). A failed step drops every uncommitted
/// in-memory effect (state is reloaded from SQLite), seeks the abandoned batches' partitions
/// back to the stored offsets and backs off. On graceful shutdown (SIGINT/SIGTERM through the
/// service group) intake stops, the batch in flight is committed, the consumer leaves the group
/// and the producer is flushed.
public final class PipelineRunner: Service, Sendable {
    public let definition: PipelineDefinition
    private let environment: PipelineEnvironment
    private let logger: Logger
    private let statusBox: Mutex<PipelineStatus>
    private let stopRequested = Atomic<Bool>(false)
    private let metrics: RunnerMetrics

    public init(definition: PipelineDefinition, environment: PipelineEnvironment, logger: Logger) {
        self.definition = definition
        self.environment = environment
        var logger = logger
        logger[metadataKey: "pipeline"] = "\(definition.name)"
        self.logger = logger
        statusBox = Mutex(PipelineStatus(pipeline: definition.name))
        metrics = RunnerMetrics(pipeline: definition.name)
    }

    /// A snapshot of the counters.
    public var status: PipelineStatus { statusBox.withLock { $0 } }

    /// Asks the loop to stop after the in-flight batch.
    public func requestStop() { stopRequested.store(true, ordering: .relaxed) }

    /// Runs until stopped (graceful shutdown, cancellation or ``requestStop()``) or failed.
    public func run() async throws {
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    let thread = Thread { [self] in
                        do {
                            try loop()
                            continuation.resume()
                        } catch {
                            continuation.resume(throwing: error)
                        }
                    }
                    thread.name = "encore-\(definition.name)"
                    thread.start()
                }
            } onGracefulShutdown: {
                self.requestStop()
            }
        } onCancel: {
            self.requestStop()
        }
    }

    // MARK: The loop (pipeline thread only)

    private func loop() throws {
        // OpenBLAS runs single-threaded inside the service: the stages' GEMMs are small (a wave
        // of users), and BLAS worker threads spinning on them would take the other core from the
        // second pipeline and the retrain worker (docs/ARCHITECTURE.md, "Runtime model").
        BLAS.setThreadCount(1)
        let topics = definition.inputs.map { $0.name(prefix: environment.topicPrefix) }
        // Whatever way the loop ends, no commit may land after this function returned (a runner
        // started next on the same store would otherwise read offsets that are about to change).
        var committerInUse: BatchCommitter?
        defer { committerInUse?.waitUntilIdle() }
        do {
            let processor = try BatchHub(
                definition: definition, store: environment.store, users: environment.users,
                tracks: environment.tracks, topicPrefix: environment.topicPrefix, clock: environment.clock,
                generations: environment.generations, logger: logger
            )
            // Batches wait for their own delivery group (not a flush), so messages must not linger long.
            let producer = try KafkaProducer(
                configuration: ProducerConfiguration(client: environment.kafka, linger: .milliseconds(1)), logger: logger
            )
            let committer = makeCommitter(producer: producer)
            committerInUse = committer
            let store = environment.store
            let group = definition.consumerGroup
            let logger = logger
            let consumer = try KafkaConsumer(
                configuration: ConsumerConfiguration(
                    client: environment.kafka, groupID: group, topics: topics,
                    groupInstanceID: environment.instanceID.map { "\($0)-\(definition.name)" },
                    extra: environment.consumerExtra
                ),
                logger: logger,
                startOffsets: { partitions in
                    // SQLite is the truth: resume every partition at its stored next offset, once
                    // the batch being committed (if any) is in.
                    committer.waitUntilIdle()
                    let stored = try store.nextOffsets(group: group)
                    var offsets: [TopicPartition: Int64] = [:]
                    for row in stored {
                        let partition = TopicPartition(topic: row.topic, partition: row.partition)
                        if partitions.contains(partition) { offsets[partition] = row.nextOffset }
                    }
                    logger.info("partitions assigned", metadata: [
                        "count": "\(partitions.count)", "resumed": "\(offsets.count)",
                    ])
                    return offsets
                },
                onRebalance: { [self] event in
                    statusBox.withLock { status in
                        switch event {
                        case .assigned(let partitions): status.assignedPartitions += partitions.count
                        case .revoked(let partitions), .lost(let partitions):
                            status.assignedPartitions = max(0, status.assignedPartitions - partitions.count)
                        }
                    }
                }
            )
            statusBox.withLock { $0.state = .running }
            logger.info("pipeline started", metadata: ["topics": "\(topics.joined(separator: ","))", "group": "\(group)"])
            var batchNumber = 0
            var consecutiveFailures = 0
            var lastLagCheck = ContinuousClock.now - .seconds(10)
            while !stopRequested.load(ordering: .relaxed) {
                let pollStarted = ContinuousClock.now
                guard let batch = try pollOnce(consumer) else { continue }
                let pollSeconds = pollStarted.duration(to: .now).inSeconds
                statusBox.withLock { $0.timing.poll += pollSeconds }
                if batch.isEmpty {
                    // Idle: make what is in flight durable before waiting for more.
                    if let failed = try settle(committer, waiting: true) {
                        consecutiveFailures += 1
                        try recover(
                            after: failed.error, abandoning: failed.abandoned, processor: processor,
                            consumer: consumer, committer: committer, failures: consecutiveFailures
                        )
                    } else if ContinuousClock.now - lastLagCheck > .milliseconds(500) {
                        lastLagCheck = .now
                        refreshLag(consumer: consumer)
                    }
                    continue
                }
                batchNumber += 1
                statusBox.withLock { $0.lag = nil }  // unknown until the next idle check
                let started = ContinuousClock.now
                let deliveryGroup = producer.beginDeliveryGroup()
                do {
                    try processor.process(batch, producer: producer)
                } catch {
                    // Nothing of this batch is kept; the batches in flight are settled first (those
                    // that fail are rewound with it; state is reloaded from what was committed).
                    var abandoned = [Self.firstOffsets(of: batch)]
                    if let failed = try settle(committer, waiting: true) { abandoned += failed.abandoned }
                    consecutiveFailures += 1
                    try recover(
                        after: error, abandoning: abandoned, processor: processor, consumer: consumer,
                        committer: committer, failures: consecutiveFailures
                    )
                    continue
                }
                try crashIfInjected(.afterProduce, batch: batchNumber)
                let counters = processor.stageCounters
                if !counters.isEmpty { statusBox.withLock { $0.stageCounters = counters } }
                let job = BatchCommitter.Job(
                    number: batchNumber, deliveryGroup: deliveryGroup, write: processor.write, summary: processor.summary,
                    processSeconds: started.duration(to: .now).inSeconds, started: started,
                    firstOffsets: processor.firstOffsets
                )
                // Commits stay in order (the committer's queue); a failure reported meanwhile
                // abandons this batch too, whose state was computed on top of the failed one's.
                if let failed = try settle(committer, waiting: false) {
                    consecutiveFailures += 1
                    try recover(
                        after: failed.error, abandoning: failed.abandoned + [job.firstOffsets], processor: processor,
                        consumer: consumer, committer: committer, failures: consecutiveFailures
                    )
                    continue
                }
                consecutiveFailures = 0
                committer.submit(job)
            }
            if let failed = try settle(committer, waiting: true) {
                logger.warning(
                    "the last batches were not committed; they will be consumed again",
                    metadata: ["error": "\(failed.error)", "batches": "\(failed.abandoned.count)"]
                )
            }
            statusBox.withLock { $0.state = .stopping }
            consumer.close()
            producer.close(timeout: .seconds(30))
            statusBox.withLock { $0.state = .stopped }
            logger.info("pipeline stopped", metadata: ["batches": "\(batchNumber)"])
        } catch let error as PipelineError where error.code == .injectedCrash {
            statusBox.withLock { $0.state = .failed; $0.lastError = error.description }
            throw error
        } catch {
            statusBox.withLock { $0.state = .failed; $0.lastError = "\(error)" }
            logger.error("pipeline failed", metadata: ["error": "\(error)"])
            throw error
        }
    }

    /// One poll; a non-fatal error (e.g. the store could not be read for start offsets, which the
    /// consumer asks for again on the next poll) is logged and answered with `nil`: nothing was
    /// taken, so the caller just polls again.
    private func pollOnce(_ consumer: KafkaConsumer) throws(KafkaError) -> ConsumedBatch? {
        do {
            return try consumer.poll(maxRecords: definition.batch.maxRecords, maxWait: definition.batch.maxWait)
        } catch {
            if error.isFatal { throw error }
            statusBox.withLock { $0.lastError = "\(error)" }
            logger.warning("poll failed; retrying", metadata: ["error": "\(error)"])
            Thread.sleep(forTimeInterval: 0.2)
            return nil
        }
    }

    /// The committer: waits for a group's delivery reports, then commits its writes in one
    /// transaction.
    private func makeCommitter(producer: KafkaProducer) -> BatchCommitter {
        let store = environment.store
        return BatchCommitter(label: "encore-commit-\(definition.name)") { [self] jobs in
            do {
                var mark = ContinuousClock.now
                for job in jobs {
                    try producer.waitForDeliveries(ofGroup: job.deliveryGroup, timeout: .seconds(30))
                }
                let flushSeconds = mark.duration(to: .now).inSeconds
                for job in jobs { try crashIfInjected(.afterFlush, batch: job.number) }
                mark = .now
                try store.commit(jobs.map(\.write))
                let commitSeconds = mark.duration(to: .now).inSeconds
                for job in jobs { try crashIfInjected(.afterCommit, batch: job.number) }
                return .committed(jobs, flushSeconds: flushSeconds, commitSeconds: commitSeconds)
            } catch let error as PipelineError where error.code == .injectedCrash {
                return .crashed(error)
            } catch let error as KafkaError {
                return .failed(jobs, error)
            } catch let error as StoreError {
                return .failed(jobs, error)
            } catch {
                return .failed(jobs, PipelineError(.store, "\(error)"))
            }
        }
    }

    /// Records the committed groups; returns the first failure with every batch it abandons
    /// (the failed group and all queued behind it); rethrows an injected crash. With `waiting`,
    /// first waits until nothing is in flight.
    private func settle(
        _ committer: BatchCommitter, waiting: Bool
    ) throws -> (error: any Error & Sendable, abandoned: [[TopicPartition: Int64]])? {
        if waiting { committer.waitUntilIdle() }
        var failure: (any Error & Sendable)?
        var abandoned: [[TopicPartition: Int64]] = []
        func take(_ outcomes: [BatchCommitter.Outcome]) throws {
            for outcome in outcomes {
                switch outcome {
                case .committed(let jobs, let flushSeconds, let commitSeconds):
                    for (position, job) in jobs.enumerated() {
                        var timing = PipelineStatus.Timing()
                        timing.process = job.processSeconds
                        // A group's delivery wait and commit are counted once, with its first batch.
                        if position == 0 {
                            timing.flush = flushSeconds
                            timing.commit = commitSeconds
                        }
                        record(job.summary, timing: timing, started: job.started)
                        let states = job.write.userStates
                        let bytes = states.reduce(0) { $0 + $1.state.count }
                        statusBox.withLock {
                            $0.stateRowsWritten += states.count
                            $0.stateBytesWritten += bytes
                        }
                    }
                case .failed(let jobs, let error):
                    failure = failure ?? error
                    abandoned += jobs.map(\.firstOffsets)
                case .crashed(let error):
                    throw error
                }
            }
        }
        try take(committer.takeOutcomes())
        guard let failure else { return nil }
        // Everything queued behind the failure fails without being touched; gather it too.
        committer.waitUntilIdle()
        try take(committer.takeOutcomes())
        return (failure, abandoned)
    }

    /// After a failed batch: drop every uncommitted effect (state is reloaded from SQLite), seek
    /// the abandoned batches' partitions back to the stored offsets, and back off.
    private func recover(
        after error: any Error, abandoning batches: [[TopicPartition: Int64]], processor: BatchHub,
        consumer: KafkaConsumer, committer: BatchCommitter, failures: Int
    ) throws {
        defer { committer.clearFailure() }
        statusBox.withLock { $0.failedBatchAttempts += 1; $0.lastError = "\(error)" }
        metrics.failedBatches.increment()
        if let kafkaError = error as? KafkaError, kafkaError.isFatal {
            throw PipelineError(.kafka, "fatal Kafka error; the batch was not committed", underlying: kafkaError)
        }
        try processor.discard()
        var firstOffsets: [TopicPartition: Int64] = [:]
        for batch in batches {
            firstOffsets.merge(batch) { min($0, $1) }
        }
        try rewind(consumer: consumer, firstOffsets: firstOffsets)
        logger.warning("batch failed; state rolled back and partitions rewound", metadata: [
            "failures": "\(failures)", "error": "\(error)",
        ])
        if !stopRequested.load(ordering: .relaxed) {
            Thread.sleep(forTimeInterval: min(5, 0.1 * Double(1 << min(failures, 6))))
        }
    }

    private static func firstOffsets(of batch: ConsumedBatch) -> [TopicPartition: Int64] {
        var offsets: [TopicPartition: Int64] = [:]
        for record in batch.records {
            let partition = TopicPartition(topic: batch.topic(of: record), partition: record.partition)
            offsets[partition] = min(offsets[partition] ?? record.offset, record.offset)
        }
        return offsets
    }

    /// Seeks partitions back to the offsets SQLite holds (or to the given first offsets where it
    /// holds none), so the records come again.
    private func rewind(consumer: KafkaConsumer, firstOffsets: [TopicPartition: Int64]) throws {
        var offsets = firstOffsets
        for row in try environment.store.nextOffsets(group: definition.consumerGroup) {
            let partition = TopicPartition(topic: row.topic, partition: row.partition)
            if offsets[partition] != nil { offsets[partition] = row.nextOffset }
        }
        try consumer.seek(offsets, timeout: .seconds(10))
        logger.warning("rewound partitions to the stored offsets", metadata: ["partitions": "\(offsets.count)"])
    }

    private func record(
        _ summary: BatchSummary, timing: PipelineStatus.Timing, started: ContinuousClock.Instant
    ) {
        statusBox.withLock { status in
            status.timing.process += timing.process
            status.timing.flush += timing.flush
            status.timing.commit += timing.commit
            status.batches += 1
            status.appliedRecords += summary.applied
            status.deadLetters += summary.deadLetters
            status.recommendations += summary.recommendations
            status.decisions += summary.decisions
            if let last = summary.lastEventMs { status.lastEventMs = max(status.lastEventMs ?? last, last) }
        }
        metrics.applied.increment(by: summary.applied)
        metrics.deadLettered.increment(by: summary.deadLetters)
        metrics.recommendations.increment(by: summary.recommendations)
        metrics.decisions.increment(by: summary.decisions)
        let batchDuration = started.duration(to: .now)
        metrics.batchDuration.record(duration: batchDuration)
        // A decision is durable (and delivered) when its batch is committed: from the poll that
        // took its request to here.
        if summary.decisions > 0 { metrics.decisionLatency.record(duration: batchDuration) }
    }

    private func refreshLag(consumer: KafkaConsumer) {
        do {
            let assigned = try consumer.assignment()
            guard !assigned.isEmpty else { return }
            var stored: [TopicPartition: Int64] = [:]
            for row in try environment.store.nextOffsets(group: definition.consumerGroup) {
                stored[TopicPartition(topic: row.topic, partition: row.partition)] = row.nextOffset
            }
            // From the watermarks the consumer already has (no broker round trip: a query per
            // partition would stall the loop for seconds on a many-partition assignment).
            var lag: Int64 = 0
            for partition in assigned {
                guard let marks = consumer.cachedWatermarks(of: partition) else {
                    statusBox.withLock { $0.lag = nil; $0.assignedPartitions = assigned.count }
                    return
                }
                let low = max(marks.low, 0)  // -1 when librdkafka has not learnt it
                lag += max(0, marks.high - max(stored[partition] ?? low, low))
            }
            statusBox.withLock { $0.lag = lag; $0.assignedPartitions = assigned.count }
            metrics.lag.record(lag)
        } catch {
            logger.debug("lag refresh failed", metadata: ["error": "\(error)"])
        }
    }

    private func crashIfInjected(_ point: FaultInjection.Point, batch: Int) throws {
        guard let fault = environment.faultInjection, fault.point == point, fault.batch == batch else { return }
        logger.warning("injected crash", metadata: ["point": "\(point.rawValue)", "batch": "\(batch)"])
        throw PipelineError(.injectedCrash, "injected crash \(point.rawValue) in batch \(batch)")
    }
}

/// The metrics of one pipeline, created once (low cardinality: pipeline name only).
private struct RunnerMetrics: Sendable {
    let applied: Counter
    let deadLettered: Counter
    let recommendations: Counter
    let decisions: Counter
    let failedBatches: Counter
    let batchDuration: Timer
    /// Per batch that made decisions: from the poll that took the requests to the commit.
    let decisionLatency: Timer
    let lag: Gauge

    init(pipeline: String) {
        applied = Counter(label: "encore_records_total", dimensions: [("pipeline", pipeline), ("outcome", "applied")])
        deadLettered = Counter(label: "encore_records_total", dimensions: [("pipeline", pipeline), ("outcome", "dead_letter")])
        recommendations = Counter(label: "encore_recommendations_total", dimensions: [("pipeline", pipeline)])
        decisions = Counter(label: "encore_decisions_total", dimensions: [("pipeline", pipeline)])
        failedBatches = Counter(label: "encore_failed_batch_attempts_total", dimensions: [("pipeline", pipeline)])
        batchDuration = Timer(label: "encore_batch_duration_seconds", dimensions: [("pipeline", pipeline)])
        decisionLatency = Timer(label: "encore_decision_latency_seconds", dimensions: [("pipeline", pipeline)])
        lag = Gauge(label: "encore_consumer_lag", dimensions: [("pipeline", pipeline)])
    }
}
