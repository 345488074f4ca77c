import CRdKafka
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// An idempotent Kafka producer.
///
/// Messages are copied into librdkafka (`RD_KAFKA_MSG_F_COPY`) and sent in the background; a
/// dedicated thread serves `rd_kafka_poll`, so delivery reports are counted as they arrive.
/// ``flush(timeout:)`` is the batch boundary: it waits for every report and throws if any message
/// sent since the previous flush failed, or if the idempotent producer hit a fatal error.
///
/// Thread-safe: librdkafka producer handles may be used from any thread
/// (`rd_kafka_produceva`, `rd_kafka_poll`, `rd_kafka_flush` are documented thread-safe), and all
/// Swift-side state lives in a `Mutex`.
public final class KafkaProducer: Sendable {
    private let handle: RdKafkaHandle
    private let context: ProducerContext
    private let poller: PollThread
    private let logger: Logger
    /// `true` once closed; `send` holds this lock while calling into the handle so `close` cannot
    /// destroy it underneath.
    private let closed = Mutex(false)
    /// Held by whoever serves delivery reports: the report thread, or a flush.
    private let reportLock: ReportLock

    /// Creates a producer and starts its delivery-report thread.
    ///
    /// - Parameters:
    ///   - configuration: Broker address and producer settings.
    ///   - logger: Receives librdkafka's logs and errors.
    /// - Throws: ``KafkaError/Code/configuration`` if a property is rejected.
    public init(configuration: ProducerConfiguration, logger: Logger) throws(KafkaError) {
        let location = "KafkaProducer.init"
        let context = ProducerContext(logger: logger)
        let conf = try makeRdKafkaConfiguration(configuration.properties, location: location)
        context.install(on: conf)
        rd_kafka_conf_set_dr_msg_cb(conf, producerDeliveryCallback)
        let handle = RdKafkaHandle(
            try makeRdKafkaHandle(type: RD_KAFKA_PRODUCER, configuration: conf, location: location))
        self.handle = handle
        self.context = context
        self.logger = logger
        let reportLock = ReportLock()
        self.reportLock = reportLock
        self.poller = PollThread(name: "encore-kafka-dr") {
            // Serve delivery reports between flushes. A flush holds the lock and serves them itself:
            // were this thread to take reports from under it, rd_kafka_flush would sleep out its
            // internal 10 ms poll interval before noticing that nothing is in flight any more.
            // The short timeout bounds how long a flush waits for this thread to step aside.
            if reportLock.flushes.load(ordering: .acquiring) > 0 {
                usleep(100)  // let the flush take the lock (the mutex is not fair)
            } else {
                reportLock.serving.withLock { _ in _ = rd_kafka_poll(handle.pointer, 1) }
            }
        }
    }

    deinit {
        shutDown(flushTimeout: .seconds(5))
    }

    /// Enqueues one message.
    ///
    /// The bytes are copied before returning. If librdkafka's local queue is full, delivery reports
    /// are served and the send is retried for up to about 10 seconds before throwing
    /// ``KafkaError/Code/queueFull``.
    ///
    /// - Parameters:
    ///   - topic: The destination topic.
    ///   - key: The key bytes, or `nil` for a null key.
    ///   - value: The value bytes.
    ///   - headers: Record headers.
    ///   - timestampMs: The record timestamp (epoch ms); `nil` for the current time.
    ///   - partition: A fixed partition, or `nil` for the `murmur2_random` partitioner.
    /// - Throws: ``KafkaError`` when the message cannot be enqueued (unknown topic, full queue,
    ///   fatal producer error, closed producer).
    public func send(
        topic: String, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer, headers: [KafkaHeader] = [],
        timestampMs: Int64? = nil, partition: Int32? = nil
    ) throws(KafkaError) {
        let location = "KafkaProducer.send"
        let maximumAttempts = 200
        var attempt = 0
        while true {
            attempt += 1
            let outcome: SendOutcome = closed.withLock { isClosed in
                if isClosed { return .closed }
                let headerList = makeHeaders(headers)
                // The message's opaque carries its delivery group, for waitForDeliveries(ofGroup:).
                let group = context.currentGroup
                // Counted before the call: the report may arrive on the report thread before
                // encore_produce even returns.
                context.willEnqueue(group: group)
                let error = encore_produce(
                    handle.pointer, topic, partition ?? RD_KAFKA_PARTITION_UA, key == nil ? 0 : 1, key?.baseAddress,
                    key?.count ?? 0, value.baseAddress, value.count, timestampMs ?? 0, headerList,
                    UnsafeMutableRawPointer(bitPattern: UInt(group)))
                guard let error else {
                    context.enqueued()
                    return .sent
                }
                context.didNotEnqueue(group: group)
                defer { rd_kafka_error_destroy(error) }
                if let headerList { rd_kafka_headers_destroy(headerList) }
                return .failed(KafkaError.rdKafka(error: error, location: location))
            }
            switch outcome {
            case .sent:
                return
            case .closed:
                throw KafkaError(code: .closed, reason: "producer is closed", location: location)
            case .failed(let error) where error.code == .queueFull && attempt < maximumAttempts:
                if attempt == 1 {
                    logger.debug("librdkafka queue full; serving delivery reports", metadata: ["topic": "\(topic)"])
                }
                _ = rd_kafka_poll(handle.pointer, 50)
            case .failed(let error):
                throw error
            }
        }
    }

    /// Enqueues one message from byte arrays; see ``send(topic:key:value:headers:timestampMs:partition:)-(_,UnsafeRawBufferPointer?,_,_,_,_)``.
    public func send(
        topic: String, key: [UInt8]?, value: [UInt8], headers: [KafkaHeader] = [], timestampMs: Int64? = nil,
        partition: Int32? = nil
    ) throws(KafkaError) {
        let result: Result<Void, KafkaError> = value.withUnsafeBytes { valueBytes in
            if let key {
                return key.withUnsafeBytes { keyBytes in
                    Result { () throws(KafkaError) in
                        try send(
                            topic: topic, key: keyBytes, value: valueBytes, headers: headers,
                            timestampMs: timestampMs, partition: partition)
                    }
                }
            }
            return Result { () throws(KafkaError) in
                try send(
                    topic: topic, key: nil, value: valueBytes, headers: headers, timestampMs: timestampMs,
                    partition: partition)
            }
        }
        try result.get()
    }

    /// Waits until every message sent so far has its delivery report.
    ///
    /// - Throws: ``KafkaError/Code/fatal`` (with `isFatal`) if the idempotent producer raised a fatal
    ///   error: recreate the producer. ``KafkaError/Code/delivery`` if any message sent since the
    ///   previous `flush` failed; the error names the first failure and the count, and the failure
    ///   count is reset. ``KafkaError/Code/timeout`` if reports are still missing after `timeout`.
    public func flush(timeout: Duration) throws(KafkaError) {
        let location = "KafkaProducer.flush"
        reportLock.flushes.add(1, ordering: .acquiringAndReleasing)
        defer { reportLock.flushes.subtract(1, ordering: .acquiringAndReleasing) }
        let result: rd_kafka_resp_err_t? = closed.withLock { isClosed in
            isClosed
                ? nil
                : reportLock.serving.withLock { _ in rd_kafka_flush(handle.pointer, Int32(timeout.rdKafkaMilliseconds)) }
        }
        guard let result else { throw KafkaError(code: .closed, reason: "producer is closed", location: location) }
        if let fatal = fatalError(location: location) { throw fatal }
        if let failure = context.takeFailures() {
            throw KafkaError(
                code: .delivery,
                reason:
                    "\(failure.count) message(s) failed delivery since the previous flush; first: \(failure.first.reason)",
                rdKafkaCode: failure.first.rdKafkaCode, isRetriable: failure.first.isRetriable, isFatal: false,
                location: location)
        }
        if encore_err_code(result) != ErrorCodes.noError {
            var error = KafkaError.rdKafka(result, location: location)
            error.reason = "\(statistics.inFlight) message(s) still awaiting delivery: " + error.reason
            error.code = .timeout
            error.isRetriable = true
            throw error
        }
    }

    /// Starts a new delivery group: every message sent from now on (until the next call) belongs
    /// to it, and ``waitForDeliveries(ofGroup:timeout:)`` waits for exactly those messages.
    ///
    /// This lets a pipeline wait for one batch's outputs while it already produces the next
    /// batch's, which ``flush(timeout:)`` (everything in flight) cannot. Groups are numbered from 1.
    public func beginDeliveryGroup() -> UInt64 { context.beginGroup() }

    /// Waits until every message of `group` has its delivery report (served by the producer's
    /// report thread), then forgets the group.
    ///
    /// Messages wait at most `linger` before they are sent; use a short linger for producers
    /// that wait on groups.
    /// - Throws: ``KafkaError/Code/delivery`` if any message of the group failed delivery,
    ///   ``KafkaError/Code/timeout`` if reports are still missing after `timeout`, or the fatal
    ///   idempotence error.
    public func waitForDeliveries(ofGroup group: UInt64, timeout: Duration) throws(KafkaError) {
        let location = "KafkaProducer.waitForDeliveries"
        let deadline = ContinuousClock.now + timeout
        var outcome = context.groupOutcome(group)
        while outcome.pending > 0 {
            if ContinuousClock.now >= deadline {
                throw KafkaError(
                    code: .timeout, reason: "\(outcome.pending) message(s) of group \(group) still awaiting delivery",
                    isRetriable: true, location: location)
            }
            if let fatal = fatalError(location: location) { throw fatal }
            usleep(50)
            outcome = context.groupOutcome(group)
        }
        context.forgetGroup(group)
        if let failure = outcome.firstFailure {
            throw KafkaError(
                code: .delivery,
                reason: "\(outcome.failed) message(s) of group \(group) failed delivery; first: \(failure.reason)",
                rdKafkaCode: failure.rdKafkaCode, isRetriable: failure.isRetriable, isFatal: false, location: location)
        }
    }

    /// Delivered, failed and in-flight message counts since creation.
    public var statistics: ProducerStatistics { context.statistics }

    /// Flushes for up to `timeout`, then stops the delivery-report thread and destroys the handle;
    /// later sends throw ``KafkaError/Code/closed``. Idempotent.
    public func close(timeout: Duration) {
        shutDown(flushTimeout: timeout)
    }

    private func shutDown(flushTimeout: Duration) {
        closed.withLock { isClosed in
            guard !isClosed else { return }
            isClosed = true
            let result = rd_kafka_flush(handle.pointer, Int32(flushTimeout.rdKafkaMilliseconds))
            if encore_err_code(result) != ErrorCodes.noError {
                logger.warning(
                    "producer closed with undelivered messages",
                    metadata: ["in_flight": "\(rd_kafka_outq_len(handle.pointer))"])
            }
            poller.stop()
            rd_kafka_destroy(handle.pointer)
        }
    }

    /// The producer's fatal error, if one was raised (idempotence violated; the handle is unusable).
    private func fatalError(location: String) -> KafkaError? {
        var buffer = [CChar](repeating: 0, count: 512)
        let code = rd_kafka_fatal_error(handle.pointer, &buffer, buffer.count)
        guard encore_err_code(code) != ErrorCodes.noError else { return nil }
        return KafkaError(
            code: .fatal, reason: string(fromCBuffer: buffer), rdKafkaCode: encore_err_code(code), isRetriable: false,
            isFatal: true, location: location)
    }

    private func makeHeaders(_ headers: [KafkaHeader]) -> OpaquePointer? {
        guard !headers.isEmpty else { return nil }
        let list = rd_kafka_headers_new(headers.count)
        for header in headers {
            header.value.withUnsafeBytes { value in
                _ = rd_kafka_header_add(list, header.name, -1, value.baseAddress, value.count)
            }
        }
        return list
    }

    private enum SendOutcome {
        case sent, closed
        case failed(KafkaError)
    }
}

/// An `rd_kafka_t` pointer that may cross threads: librdkafka handles are thread-safe, and the
/// owning client controls their lifetime.
struct RdKafkaHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
}

/// Producer callback state: delivery counters.
final class ProducerContext: ClientContext, @unchecked Sendable {
    struct Counters {
        var enqueued = 0
        var delivered = 0
        var failed = 0
        var failedSinceFlush = 0
        var firstFailureSinceFlush: KafkaError?
    }

    /// What is known of one delivery group.
    struct GroupOutcome {
        var pending = 0
        var failed = 0
        var firstFailure: KafkaError?
    }

    private let counters = Mutex(Counters())
    private let groups = Mutex(Groups())

    private struct Groups {
        var current: UInt64 = 0
        var outcomes: [UInt64: GroupOutcome] = [:]
    }

    var currentGroup: UInt64 { groups.withLock { $0.current } }

    func beginGroup() -> UInt64 {
        groups.withLock { groups in
            groups.current += 1
            groups.outcomes[groups.current] = GroupOutcome()
            return groups.current
        }
    }

    func groupOutcome(_ group: UInt64) -> GroupOutcome { groups.withLock { $0.outcomes[group] ?? GroupOutcome() } }

    func forgetGroup(_ group: UInt64) { groups.withLock { _ = $0.outcomes.removeValue(forKey: group) } }

    func enqueued() { counters.withLock { $0.enqueued += 1 } }

    func willEnqueue(group: UInt64) {
        if group != 0 { groups.withLock { $0.outcomes[group, default: GroupOutcome()].pending += 1 } }
    }

    func didNotEnqueue(group: UInt64) {
        if group != 0 { groups.withLock { $0.outcomes[group]?.pending -= 1 } }
    }

    func delivered(error raw: Int32, topic: String, partition: Int32, group: UInt64) {
        if group != 0 {
            groups.withLock { groups in
                guard var outcome = groups.outcomes[group] else { return }
                outcome.pending -= 1
                if raw != ErrorCodes.noError {
                    outcome.failed += 1
                    if outcome.firstFailure == nil {
                        outcome.firstFailure = KafkaError.rdKafka(
                            encore_err_from_code(raw), location: "KafkaProducer.deliveryReport")
                    }
                }
                groups.outcomes[group] = outcome
            }
        }
        if raw == ErrorCodes.noError {
            counters.withLock { $0.delivered += 1 }
            return
        }
        let error = KafkaError.rdKafka(encore_err_from_code(raw), location: "KafkaProducer.deliveryReport")
        let isFirst = counters.withLock { counters -> Bool in
            counters.failed += 1
            counters.failedSinceFlush += 1
            if counters.firstFailureSinceFlush == nil {
                counters.firstFailureSinceFlush = error
                return true
            }
            return false
        }
        if isFirst {
            logger.error(
                "delivery failed", metadata: ["topic": "\(topic)", "partition": "\(partition)", "error": "\(error)"])
        }
    }

    var statistics: ProducerStatistics {
        counters.withLock {
            ProducerStatistics(
                delivered: $0.delivered, failed: $0.failed, inFlight: $0.enqueued - $0.delivered - $0.failed)
        }
    }

    func takeFailures() -> (first: KafkaError, count: Int)? {
        counters.withLock { counters in
            guard let first = counters.firstFailureSinceFlush else { return nil }
            defer {
                counters.firstFailureSinceFlush = nil
                counters.failedSinceFlush = 0
            }
            return (first, counters.failedSinceFlush)
        }
    }
}

/// `dr_msg_cb`: one call per message, on the thread serving `rd_kafka_poll`/`rd_kafka_flush`.
private let producerDeliveryCallback:
    @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
        _, message, opaque in
        guard let message, let opaque else { return }
        let context = Unmanaged<ProducerContext>.fromOpaque(opaque).takeUnretainedValue()
        let raw = encore_err_code(message.pointee.err)
        var topic = ""
        if raw != ErrorCodes.noError, let rkt = message.pointee.rkt {
            topic = String(cString: rd_kafka_topic_name(rkt))
        }
        let group = UInt64(UInt(bitPattern: message.pointee._private))
        context.delivered(error: raw, topic: topic, partition: message.pointee.partition, group: group)
    }

/// Serialises serving delivery reports between the report thread and flushes.
private final class ReportLock: Sendable {
    let serving = Mutex(())
    /// Flushes waiting for or holding `serving`.
    let flushes = Atomic<Int>(0)
}
