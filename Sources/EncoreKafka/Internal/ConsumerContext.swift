import CRdKafka
import Logging
import Synchronization

/// Consumer callback state: the rebalance handling shared between the C rebalance callback and
/// ``KafkaConsumer``. Callbacks run on the polling thread, but everything here sits behind a `Mutex`.
final class ConsumerContext: ClientContext, @unchecked Sendable {
    /// What happened to the assignment during one `rd_kafka_consume_batch_queue` call.
    struct CallRebalance {
        var revoked: Set<TopicPartition> = []
        /// Partitions revoked and assigned again within the call, with their new start offsets.
        var reassignedStarts: [TopicPartition: Int64] = [:]
    }

    private struct State {
        var assignment: Set<TopicPartition> = []
        var pending: [TopicPartition] = []
        var pendingCooperative = false
        var startOffsetsError: KafkaError?
        var call: CallRebalance?
        var offsetResetCount = 0
        /// The offset each assigned partition was started at.
        var startOffsets: [TopicPartition: Int64] = [:]
    }

    let startOffsets: @Sendable ([TopicPartition]) throws -> [TopicPartition: Int64]
    let onRebalance: @Sendable (RebalanceEvent) -> Void
    private let state = Mutex(State())

    init(
        logger: Logger, startOffsets: @escaping @Sendable ([TopicPartition]) throws -> [TopicPartition: Int64],
        onRebalance: @escaping @Sendable (RebalanceEvent) -> Void
    ) {
        self.startOffsets = startOffsets
        self.onRebalance = onRebalance
        super.init(logger: logger)
    }

    var offsetResetCount: Int { state.withLock { $0.offsetResetCount } }
    func countOffsetReset() { state.withLock { $0.offsetResetCount += 1 } }

    /// The offset `partition` was assigned at (RD_KAFKA_OFFSET_BEGINNING if unknown).
    func startOffset(of partition: TopicPartition) -> Int64 {
        state.withLock { $0.startOffsets[partition] } ?? Int64(RD_KAFKA_OFFSET_BEGINNING)
    }

    func beginCall() { state.withLock { $0.call = CallRebalance() } }

    /// Ends a call; returns its rebalance record if anything was revoked or re-assigned.
    func endCall() -> CallRebalance? {
        state.withLock { state in
            defer { state.call = nil }
            guard let call = state.call, !call.revoked.isEmpty else { return nil }
            return call
        }
    }

    func takeStartOffsetsError() -> KafkaError? {
        state.withLock { state in
            defer { state.startOffsetsError = nil }
            return state.startOffsetsError
        }
    }

    // MARK: Rebalance callback

    func rebalance(
        _ handle: OpaquePointer, error raw: Int32,
        partitions list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
    ) {
        let cooperative = rd_kafka_rebalance_protocol(handle).map { String(cString: $0) } == "COOPERATIVE"
        let partitions = TopicPartitionList.partitions(of: list)
        if raw == encore_err_code(RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
            assign(handle, partitions: partitions, list: list, cooperative: cooperative)
        } else if raw == encore_err_code(RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
            let lost = rd_kafka_assignment_lost(handle) != 0
            revoke(handle, partitions: partitions, list: list, cooperative: cooperative, lost: lost)
        } else {
            // librdkafka documents only the two codes above; anything else: drop the assignment.
            logger.error("unexpected rebalance code; unassigning", metadata: ["code": "\(raw)"])
            revoke(handle, partitions: partitions, list: list, cooperative: cooperative, lost: true)
        }
    }

    private func assign(
        _ handle: OpaquePointer, partitions: [TopicPartition],
        list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, cooperative: Bool
    ) {
        let offsets: [TopicPartition: Int64]
        do {
            offsets = try startOffsets(partitions)
        } catch {
            let failure = KafkaError(
                code: .startOffsets, reason: "startOffsets failed for \(partitions.count) partition(s): \(error)",
                isRetriable: true, location: "KafkaConsumer.rebalance", underlying: error)
            logger.error(
                "could not read start offsets; partitions stay unassigned until a later poll",
                metadata: ["error": "\(failure)"])
            state.withLock { state in
                state.pending += partitions
                state.pendingCooperative = cooperative
                if state.startOffsetsError == nil { state.startOffsetsError = failure }
            }
            // Complete the rebalance with nothing taken; `assignPending` assigns them later.
            let empty = rd_kafka_topic_partition_list_new(0)!
            defer { rd_kafka_topic_partition_list_destroy(empty) }
            apply(handle, list: empty, assign: true, cooperative: cooperative)
            return
        }
        let starts = Self.setStartOffsets(list, offsets)
        apply(handle, list: list, assign: true, cooperative: cooperative)
        state.withLock { state in
            state.assignment.formUnion(partitions)
            state.startOffsets.merge(starts) { $1 }
            if var call = state.call {
                for partition in partitions where call.revoked.contains(partition) {
                    call.reassignedStarts[partition] = starts[partition]
                }
                state.call = call
            }
        }
        logger.info(
            "partitions assigned",
            metadata: ["partitions": "\(partitions)", "protocol": "\(cooperative ? "cooperative" : "eager")"])
        onRebalance(.assigned(partitions))
    }

    private func revoke(
        _ handle: OpaquePointer, partitions: [TopicPartition],
        list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, cooperative: Bool, lost: Bool
    ) {
        apply(handle, list: cooperative ? list : nil, assign: false, cooperative: cooperative)
        state.withLock { state in
            state.assignment.subtract(partitions)
            for partition in partitions { state.startOffsets[partition] = nil }
            let revoked = Set(partitions)
            state.pending.removeAll { revoked.contains($0) }
            if var call = state.call {
                call.revoked.formUnion(partitions)
                call.reassignedStarts = call.reassignedStarts.filter { !revoked.contains($0.key) }
                state.call = call
            }
        }
        if lost {
            logger.warning("partitions lost", metadata: ["partitions": "\(partitions)"])
            onRebalance(.lost(partitions))
        } else {
            logger.info("partitions revoked", metadata: ["partitions": "\(partitions)"])
            onRebalance(.revoked(partitions))
        }
    }

    /// Assigns partitions whose `startOffsets` call failed earlier; throws if it fails again.
    func assignPending(_ handle: OpaquePointer) throws(KafkaError) {
        let (pending, cooperative) = state.withLock { ($0.pending, $0.pendingCooperative) }
        guard !pending.isEmpty else { return }
        let offsets: [TopicPartition: Int64]
        do {
            offsets = try startOffsets(pending)
        } catch {
            throw KafkaError(
                code: .startOffsets, reason: "startOffsets failed for \(pending.count) partition(s): \(error)",
                isRetriable: true, location: "KafkaConsumer.poll", underlying: error)
        }
        // Eager assignments replace the whole set: include what is already assigned.
        let current = state.withLock { $0.assignment }
        var all = Dictionary(
            uniqueKeysWithValues: pending.map { ($0, offsets[$0] ?? Int64(RD_KAFKA_OFFSET_BEGINNING)) })
        if !cooperative {
            for partition in current where all[partition] == nil { all[partition] = Int64(RD_KAFKA_OFFSET_INVALID) }
        }
        let list = TopicPartitionList.make(all)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        apply(handle, list: list, assign: true, cooperative: cooperative)
        state.withLock { state in
            state.assignment.formUnion(pending)
            for partition in pending { state.startOffsets[partition] = all[partition] }
            state.pending.removeAll()
        }
        logger.info("pending partitions assigned", metadata: ["partitions": "\(pending)"])
        onRebalance(.assigned(pending.sorted()))
    }

    private static func setStartOffsets(
        _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, _ offsets: [TopicPartition: Int64]
    ) -> [TopicPartition: Int64] {
        guard let list, let elems = list.pointee.elems else { return [:] }
        var starts: [TopicPartition: Int64] = [:]
        for index in 0..<Int(list.pointee.cnt) {
            let partition = TopicPartition(
                topic: String(cString: elems[index].topic), partition: elems[index].partition)
            let offset = offsets[partition] ?? Int64(RD_KAFKA_OFFSET_BEGINNING)
            elems[index].offset = offset
            starts[partition] = offset
        }
        return starts
    }

    private func apply(
        _ handle: OpaquePointer, list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, assign: Bool,
        cooperative: Bool
    ) {
        let location = "KafkaConsumer.rebalance"
        if cooperative {
            let error = assign ? rd_kafka_incremental_assign(handle, list) : rd_kafka_incremental_unassign(handle, list)
            if let error {
                logger.error(
                    "incremental (un)assign failed",
                    metadata: ["error": "\(KafkaError.rdKafka(error: error, location: location))"])
                rd_kafka_error_destroy(error)
            }
        } else {
            let result = rd_kafka_assign(handle, list)
            if encore_err_code(result) != ErrorCodes.noError {
                logger.error("assign failed", metadata: ["error": "\(KafkaError.rdKafka(result, location: location))"])
            }
        }
    }
}

/// `rebalance_cb`: runs on the thread calling poll or close.
let consumerRebalanceCallback:
    @convention(c) (
        OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
        UnsafeMutableRawPointer?
    ) -> Void = { handle, error, partitions, opaque in
        guard let handle, let opaque else { return }
        let context = Unmanaged<ConsumerContext>.fromOpaque(opaque).takeUnretainedValue()
        context.rebalance(handle, error: encore_err_code(error), partitions: partitions)
    }
