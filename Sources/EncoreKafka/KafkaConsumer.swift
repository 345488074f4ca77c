import CRdKafka
import Logging
import Synchronization

/// A balanced consumer-group member whose offsets are owned by the application (SQLite).
///
/// On every assignment the consumer asks `startOffsets` where to begin each partition and assigns
/// with those explicit offsets, so Kafka's committed offsets never decide where reading starts.
/// ``poll(maxRecords:maxWait:)`` collects a batch into one packed byte array.
///
/// Not for the cooperative pool: ``poll(maxRecords:maxWait:)`` and ``close()`` block, and the
/// rebalance callbacks run inside them; call every method from one dedicated thread owned by the caller.
///
/// `@unchecked Sendable`: librdkafka handles are thread-safe (any `rd_kafka_*` call may be made from
/// any thread), and with `rd_kafka_poll_set_consumer` the rebalance and error callbacks run only
/// inside `rd_kafka_consumer_poll`, `rd_kafka_consume_batch_queue` and `rd_kafka_consumer_close`, on
/// the calling thread (log lines come from librdkafka's threads and touch only the immutable logger). The handle is destroyed only in `deinit`;
/// Swift state shared with the callbacks lives in a `Mutex`; the batch scratch (`messageBuffer`,
/// `topicCache`) is touched only by `poll`, which the caller runs on its one polling thread.
public final class KafkaConsumer: @unchecked Sendable {
    private let handle: OpaquePointer
    private let queue: OpaquePointer
    private let context: ConsumerContext
    private let logger: Logger
    private let closed = Mutex(false)
    /// librdkafka message pointers of one `rd_kafka_consume_batch_queue` call; only touched by the polling thread.
    private let messageBuffer: UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>
    private static let messageBufferCapacity = 2048
    /// Cache of topic handle → index into the batch's topic list, rebuilt per batch.
    private var topicCache: [(rkt: OpaquePointer, name: String)] = []

    /// Creates the consumer and subscribes to `configuration.topics`.
    ///
    /// - Parameters:
    ///   - configuration: Group, topics and client settings.
    ///   - logger: Receives librdkafka's logs, errors and rebalance notes.
    ///   - startOffsets: Called on the polling thread with newly assigned partitions; returns the next
    ///     offset to read for each (from SQLite). Partitions it omits start at the beginning of the log.
    ///     If it throws, those partitions stay unassigned, the next poll throws
    ///     ``KafkaError/Code/startOffsets``, and later polls call it again.
    ///   - onRebalance: Informed after each assignment change has been applied.
    /// - Throws: ``KafkaError/Code/configuration`` if a property is rejected or subscribing fails.
    public init(
        configuration: ConsumerConfiguration, logger: Logger,
        startOffsets: @escaping @Sendable ([TopicPartition]) throws -> [TopicPartition: Int64],
        onRebalance: @escaping @Sendable (RebalanceEvent) -> Void = { _ in }
    ) throws(KafkaError) {
        let location = "KafkaConsumer.init"
        precondition(!configuration.topics.isEmpty, "a consumer needs at least one topic")
        let context = ConsumerContext(logger: logger, startOffsets: startOffsets, onRebalance: onRebalance)
        let conf = try makeRdKafkaConfiguration(configuration.properties, location: location)
        context.install(on: conf)
        rd_kafka_conf_set_rebalance_cb(conf, consumerRebalanceCallback)
        let handle = try makeRdKafkaHandle(type: RD_KAFKA_CONSUMER, configuration: conf, location: location)
        // Route the main queue (logs, errors, rebalances) into the consumer queue served by poll.
        rd_kafka_poll_set_consumer(handle)
        let topics = TopicPartitionList.make(configuration.topics.map { TopicPartition(topic: $0, partition: -1) })
        defer { rd_kafka_topic_partition_list_destroy(topics) }
        let result = rd_kafka_subscribe(handle, topics)
        if encore_err_code(result) != ErrorCodes.noError {
            rd_kafka_destroy(handle)
            var error = KafkaError.rdKafka(result, location: location)
            error.code = .configuration
            throw error
        }
        self.handle = handle
        self.queue = rd_kafka_queue_get_consumer(handle)
        self.context = context
        self.logger = logger
        self.messageBuffer = .allocate(capacity: Self.messageBufferCapacity)
        logger.info(
            "consumer subscribed",
            metadata: ["group": "\(configuration.groupID)", "topics": "\(configuration.topics.joined(separator: ","))"])
    }

    deinit {
        close()
        rd_kafka_queue_destroy(queue)
        rd_kafka_destroy(handle)
        messageBuffer.deallocate()
    }

    /// Collects up to `maxRecords` records, waiting at most `maxWait`, and serves rebalance callbacks.
    ///
    /// The batch closes as soon as what librdkafka has already fetched is drained: it waits (up
    /// to `maxWait`) only while it is empty, never to fill up. Under load the fetch queue is full
    /// and batches reach `maxRecords`; when the load allows, a record is processed the moment it
    /// arrives instead of waiting out `maxWait` (docs/ARCHITECTURE.md, "The path of one record").
    ///
    /// Records of partitions revoked or lost while the batch was being collected are dropped from
    /// it (they were not processed, so nothing is lost: the next owner starts from its stored offset).
    /// A partition whose stored offset fell out of retention is logged at error level, counted in
    /// ``offsetResetCount`` and restarted from the earliest retained offset.
    ///
    /// - Returns: The batch, possibly empty.
    /// - Throws: ``KafkaError/Code/startOffsets`` once after the `startOffsets` callback failed;
    ///   a fatal error if the consumer is unusable (e.g. fenced static member);
    ///   ``KafkaError/Code/closed`` after ``close()``.
    public func poll(maxRecords: Int, maxWait: Duration) throws(KafkaError) -> ConsumedBatch {
        precondition(maxRecords > 0, "maxRecords must be positive")
        let location = "KafkaConsumer.poll"
        if closed.withLock({ $0 }) { throw KafkaError(code: .closed, reason: "consumer is closed", location: location) }
        if let error = context.takeStartOffsetsError() { throw error }
        try context.assignPending(handle)

        var batch = ConsumedBatch()
        batch.records.reserveCapacity(maxRecords)
        batch.bytes.reserveCapacity(maxRecords * 128)
        topicCache.removeAll(keepingCapacity: true)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: maxWait)
        var fatal: KafkaError?
        repeat {
            let remaining = clock.now.duration(to: deadline)
            // At least 1 ms while time remains: a sub-millisecond remainder truncated to 0 would
            // turn the wait into a busy loop that takes a core.
            let timeout = remaining > .zero ? max(1, Int32(remaining.rdKafkaMilliseconds)) : 0
            // Block in rd_kafka_consumer_poll (the documented path that serves rebalances and
            // group joins reliably), then drain what is already queued with a non-blocking batch call.
            context.beginCall()
            let message = rd_kafka_consumer_poll(handle, timeout)
            var rebalance = context.endCall()
            if let message {
                if let error = append(message, to: &batch) { fatal = error }
                rd_kafka_message_destroy(message)
                while fatal == nil && rebalance == nil && batch.count < maxRecords {
                    let wanted = min(maxRecords - batch.count, Self.messageBufferCapacity)
                    context.beginCall()
                    let received = rd_kafka_consume_batch_queue(queue, 0, messageBuffer, wanted)
                    rebalance = context.endCall()
                    for index in 0..<max(0, received) {
                        guard let message = messageBuffer[index] else { continue }
                        if let error = append(message, to: &batch) { fatal = fatal ?? error }
                        rd_kafka_message_destroy(message)
                    }
                    if received <= 0 { break }
                }
            }
            if let rebalance, !rebalance.revoked.isEmpty {
                dropRevoked(rebalance, from: &batch)
            }
            if fatal != nil { break }
        } while batch.isEmpty && clock.now < deadline
        if let fatal { throw fatal }
        return batch
    }

    /// Moves the read position of assigned partitions (`rd_kafka_seek_partitions`).
    ///
    /// - Parameters:
    ///   - offsets: The next offset to read for each partition.
    ///   - timeout: How long to wait for the seeks to be applied.
    /// - Throws: ``KafkaError`` naming the first partition that could not be sought.
    public func seek(_ offsets: [TopicPartition: Int64], timeout: Duration) throws(KafkaError) {
        let location = "KafkaConsumer.seek"
        guard !offsets.isEmpty else { return }
        let list = TopicPartitionList.make(offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        if let error = rd_kafka_seek_partitions(handle, list, Int32(timeout.rdKafkaMilliseconds)) {
            defer { rd_kafka_error_destroy(error) }
            throw KafkaError.rdKafka(error: error, location: location)
        }
        for (partition, _, raw) in TopicPartitionList.elements(of: list) where raw != ErrorCodes.noError {
            throw KafkaError.rdKafka(
                encore_err_from_code(raw), location: location,
                reason: "\(partition): \(String(cString: rd_kafka_err2str(encore_err_from_code(raw))))")
        }
    }

    /// The partitions currently assigned to this member, sorted.
    public func assignment() throws(KafkaError) -> [TopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        let result = rd_kafka_assignment(handle, &list)
        defer { if let list { rd_kafka_topic_partition_list_destroy(list) } }
        if encore_err_code(result) != ErrorCodes.noError {
            throw KafkaError.rdKafka(result, location: "KafkaConsumer.assignment")
        }
        return TopicPartitionList.partitions(of: list)
    }

    /// Commits next-offsets to Kafka asynchronously, for lag dashboards only: SQLite stays the truth,
    /// and a failure is logged at debug level and otherwise ignored.
    public func commitAsync(_ offsets: [TopicPartition: Int64]) {
        guard !offsets.isEmpty, !closed.withLock({ $0 }) else { return }
        let list = TopicPartitionList.make(offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let result = rd_kafka_commit(handle, list, 1)
        if encore_err_code(result) != ErrorCodes.noError {
            logger.debug(
                "informational offset commit failed",
                metadata: ["error": "\(KafkaError.rdKafka(result, location: "KafkaConsumer.commitAsync"))"])
        }
    }

    /// The low and high watermarks of a partition, queried from the broker.
    ///
    /// `high` is the offset the next produced record will get; `low` the earliest retained one.
    public func watermarks(of partition: TopicPartition, timeout: Duration) throws(KafkaError) -> (
        low: Int64, high: Int64
    ) {
        var low: Int64 = -1
        var high: Int64 = -1
        let result = rd_kafka_query_watermark_offsets(
            handle, partition.topic, partition.partition, &low, &high, Int32(timeout.rdKafkaMilliseconds))
        if encore_err_code(result) != ErrorCodes.noError {
            throw KafkaError.rdKafka(result, location: "KafkaConsumer.watermarks")
        }
        return (low, high)
    }

    /// The watermarks librdkafka last saw in fetch responses (`rd_kafka_get_watermark_offsets`):
    /// no request, so it is cheap enough for lag gauges. `nil` until a fetch response for the
    /// partition has arrived.
    public func cachedWatermarks(of partition: TopicPartition) -> (low: Int64, high: Int64)? {
        var low: Int64 = -1
        var high: Int64 = -1
        let result = rd_kafka_get_watermark_offsets(handle, partition.topic, partition.partition, &low, &high)
        guard encore_err_code(result) == ErrorCodes.noError, high >= 0 else { return nil }
        return (low, high)
    }

    /// How many partitions were restarted from the earliest retained offset because their stored
    /// offset fell out of retention (or past the end of the log).
    public var offsetResetCount: Int { context.offsetResetCount }

    /// Leaves the group gracefully (`rd_kafka_consumer_close`, which runs the revoke path and
    /// informs `onRebalance`); idempotent. `deinit` destroys the handles.
    public func close() {
        let wasClosed = closed.withLock { closed in
            defer { closed = true }
            return closed
        }
        guard !wasClosed else { return }
        let result = rd_kafka_consumer_close(handle)
        if encore_err_code(result) != ErrorCodes.noError {
            logger.warning(
                "consumer close reported an error",
                metadata: ["error": "\(KafkaError.rdKafka(result, location: "KafkaConsumer.close"))"])
        }
        logger.debug("consumer closed")
    }

    // MARK: Batch building

    /// Copies one librdkafka message into the batch, or handles its error; returns a fatal error to raise.
    private func append(_ message: UnsafeMutablePointer<rd_kafka_message_t>, to batch: inout ConsumedBatch)
        -> KafkaError?
    {
        let raw = encore_err_code(message.pointee.err)
        if raw != ErrorCodes.noError { return handleError(message, raw: raw) }
        guard let rkt = message.pointee.rkt else { return nil }
        let topicIndex = topicIndex(of: rkt, in: &batch)
        let keyCount = message.pointee.key == nil ? -1 : Int32(message.pointee.key_len)
        let keyStart = batch.append(raw: message.pointee.key, count: max(0, Int(keyCount)))
        let valueStart = batch.append(raw: message.pointee.payload, count: message.pointee.len)
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &timestampType)
        let headerStart = Int32(batch.headerSlots.count)
        var headers: OpaquePointer?
        if encore_err_code(rd_kafka_message_headers(message, &headers)) == ErrorCodes.noError, let headers {
            var index = 0
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            while encore_err_code(rd_kafka_header_get_all(headers, index, &name, &value, &size)) == ErrorCodes.noError {
                if let name { batch.appendHeader(name: name, value: value, count: size) }
                index += 1
            }
        }
        batch.records.append(
            ConsumedRecord(
                topicIndex: topicIndex, partition: message.pointee.partition, offset: message.pointee.offset,
                timestampMs: timestamp, keyStart: keyStart, keyCount: keyCount, valueStart: valueStart,
                valueCount: Int32(message.pointee.len), headerStart: headerStart,
                headerCount: Int32(batch.headerSlots.count) - headerStart))
        return nil
    }

    private func topicIndex(of rkt: OpaquePointer, in batch: inout ConsumedBatch) -> Int32 {
        for (index, entry) in topicCache.enumerated() where entry.rkt == rkt { return Int32(index) }
        let name = String(cString: rd_kafka_topic_name(rkt))
        topicCache.append((rkt, name))
        batch.topics.append(name)
        return Int32(batch.topics.count - 1)
    }

    private func handleError(_ message: UnsafeMutablePointer<rd_kafka_message_t>, raw: Int32) -> KafkaError? {
        let location = "KafkaConsumer.poll"
        let partition = message.pointee.rkt.map {
            TopicPartition(topic: String(cString: rd_kafka_topic_name($0)), partition: message.pointee.partition)
        }
        let text = rd_kafka_message_errstr(message).map { String(cString: $0) } ?? ""
        if raw == ErrorCodes.autoOffsetReset, let partition {
            context.countOffsetReset()
            logger.error(
                "stored offset is out of range (outside retention?); restarting partition from the earliest retained offset",
                metadata: ["partition": "\(partition)", "detail": "\(text)"])
            restartFromBeginning(partition)
            return nil
        }
        var buffer = [CChar](repeating: 0, count: 512)
        let fatal = rd_kafka_fatal_error(handle, &buffer, buffer.count)
        if raw == ErrorCodes.fatal || encore_err_code(fatal) != ErrorCodes.noError {
            return KafkaError(
                code: .fatal, reason: string(fromCBuffer: buffer), rdKafkaCode: encore_err_code(fatal),
                isRetriable: false,
                isFatal: true, location: location)
        }
        logger.warning(
            "consumer error",
            metadata: [
                "error": "\(KafkaError.rdKafka(encore_err_from_code(raw), location: location, reason: text))",
                "partition": "\(partition.map(\.description) ?? "-")",
            ])
        return nil
    }

    /// Restarts one partition at RD_KAFKA_OFFSET_BEGINNING after an offset-reset error.
    ///
    /// A seek is refused in that state (`__STATE`), so the partition is re-assigned: incrementally
    /// for the cooperative protocol; for the eager protocol the whole assignment is re-assigned with
    /// every other partition at its current position (or its start offset if nothing was consumed yet).
    private func restartFromBeginning(_ partition: TopicPartition) {
        let location = "KafkaConsumer.poll"
        let beginning = Int64(RD_KAFKA_OFFSET_BEGINNING)
        let cooperative = rd_kafka_rebalance_protocol(handle).map { String(cString: $0) } == "COOPERATIVE"
        if cooperative {
            let list = TopicPartitionList.make([partition: beginning])
            defer { rd_kafka_topic_partition_list_destroy(list) }
            for step in [rd_kafka_incremental_unassign, rd_kafka_incremental_assign] {
                if let error = step(handle, list) {
                    logger.error(
                        "restart failed",
                        metadata: [
                            "partition": "\(partition)",
                            "error": "\(KafkaError.rdKafka(error: error, location: location))",
                        ])
                    rd_kafka_error_destroy(error)
                }
            }
            return
        }
        var current: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard encore_err_code(rd_kafka_assignment(handle, &current)) == ErrorCodes.noError, let current else { return }
        defer { rd_kafka_topic_partition_list_destroy(current) }
        _ = rd_kafka_position(handle, current)
        var offsets: [TopicPartition: Int64] = [:]
        for (assigned, position, _) in TopicPartitionList.elements(of: current) {
            offsets[assigned] =
                assigned == partition ? beginning : (position >= 0 ? position : context.startOffset(of: assigned))
        }
        let list = TopicPartitionList.make(offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let result = rd_kafka_assign(handle, list)
        if encore_err_code(result) != ErrorCodes.noError {
            logger.error(
                "restart failed",
                metadata: ["partition": "\(partition)", "error": "\(KafkaError.rdKafka(result, location: location))"])
        }
    }

    /// Drops records of partitions revoked during this poll; partitions that were revoked and
    /// re-assigned within one librdkafka call are sought back to their new start offsets, because
    /// records fetched after the re-assignment were dropped with the stale ones.
    private func dropRevoked(_ rebalance: ConsumerContext.CallRebalance, from batch: inout ConsumedBatch) {
        let before = batch.count
        batch.removeRecords { rebalance.revoked.contains($0) }
        if batch.count != before {
            logger.debug("dropped records of revoked partitions", metadata: ["count": "\(before - batch.count)"])
        }
        let restarts = rebalance.reassignedStarts
        if !restarts.isEmpty {
            do { try seek(restarts, timeout: .seconds(5)) } catch {
                logger.error("seek after re-assignment failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
