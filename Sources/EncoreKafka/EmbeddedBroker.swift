import CRdKafka
import Logging
import Synchronization

/// librdkafka's mock cluster in this process: a real Kafka-protocol server on 127.0.0.1.
///
/// Used by `encore demo`, `encore broker` and the tests. Any Kafka client (kcat, another
/// librdkafka, this module's consumer and producer) can connect to ``bootstrapServers``. The mock
/// keeps only a few MB per partition (docs/design/streaming-semantics.md §10) and does not
/// implement the CreateTopics request: create topics with ``createTopics(_:)``.
///
/// Thread-safe: the mock cluster API (`rd_kafka_mock_*`) sends operations to the cluster's own
/// thread; the handles are only destroyed by ``shutdown()`` under a lock.
public final class EmbeddedBroker: Sendable {
    /// Kafka protocol request kinds (ApiKey values) for ``injectErrors(_:count:request:)``.
    public struct Request: Hashable, Sendable {
        /// The Kafka protocol ApiKey.
        public var apiKey: Int16
        /// Creates a request kind from its ApiKey.
        public init(apiKey: Int16) { self.apiKey = apiKey }

        /// Produce (ApiKey 0).
        public static let produce = Request(apiKey: 0)
        /// Fetch (ApiKey 1).
        public static let fetch = Request(apiKey: 1)
        /// ListOffsets (ApiKey 2).
        public static let listOffsets = Request(apiKey: 2)
        /// Metadata (ApiKey 3).
        public static let metadata = Request(apiKey: 3)
        /// OffsetCommit (ApiKey 8).
        public static let offsetCommit = Request(apiKey: 8)
        /// JoinGroup (ApiKey 11).
        public static let joinGroup = Request(apiKey: 11)
        /// Heartbeat (ApiKey 12).
        public static let heartbeat = Request(apiKey: 12)
        /// InitProducerId (ApiKey 22).
        public static let initProducerID = Request(apiKey: 22)
    }

    private struct Handles: @unchecked Sendable {
        // The host handle owns the mock cluster; both are destroyed together in `shutdown()`.
        var host: OpaquePointer?
        var cluster: OpaquePointer?
    }

    private let handles: Mutex<Handles>
    private let context: ClientContext
    private let socketTuner: MockSocketTuner
    private let logger: Logger
    /// The brokers' bootstrap address list, e.g. `127.0.0.1:40123`.
    public let bootstrapServers: String
    /// The number of brokers in the cluster (ids 1...brokerCount).
    public let brokerCount: Int

    /// Starts a mock cluster with `brokerCount` brokers on ephemeral loopback ports.
    ///
    /// - Throws: ``KafkaError/Code/configuration`` if the host handle or cluster cannot be created.
    public init(brokerCount: Int = 1, logger: Logger) throws(KafkaError) {
        precondition(brokerCount >= 1, "an embedded cluster needs at least one broker")
        let location = "EmbeddedBroker.init"
        let context = ClientContext(logger: logger)
        let conf = try makeRdKafkaConfiguration([("client.id", "encore-embedded-broker")], location: location)
        context.install(on: conf)
        let host = try makeRdKafkaHandle(type: RD_KAFKA_PRODUCER, configuration: conf, location: location)
        guard let cluster = rd_kafka_mock_cluster_new(host, Int32(brokerCount)) else {
            rd_kafka_destroy(host)
            throw KafkaError(code: .configuration, reason: "rd_kafka_mock_cluster_new failed", location: location)
        }
        self.bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
        self.handles = Mutex(Handles(host: host, cluster: cluster))
        self.context = context
        self.logger = logger
        self.brokerCount = brokerCount
        let ports = bootstrapServers.split(separator: ",").compactMap { $0.split(separator: ":").last.flatMap { UInt16($0) } }
        self.socketTuner = MockSocketTuner(ports: Set(ports))
        logger.info("embedded Kafka broker started", metadata: ["bootstrap_servers": "\(bootstrapServers)"])
    }

    deinit { shutdown() }

    /// Creates topics (`rd_kafka_mock_topic_create`); creating an existing topic is a no-op.
    ///
    /// - Throws: ``KafkaError`` naming the first topic that could not be created.
    public func createTopics(_ topics: [TopicSpecification]) throws(KafkaError) {
        let location = "EmbeddedBroker.createTopics"
        try withCluster(location: location) { cluster throws(KafkaError) in
            for topic in topics {
                let result = rd_kafka_mock_topic_create(
                    cluster, topic.name, topic.partitions, Int32(topic.replicationFactor))
                let raw = encore_err_code(result)
                if raw != ErrorCodes.noError && raw != ErrorCodes.topicAlreadyExists {
                    throw KafkaError.rdKafka(
                        result, location: location,
                        reason: "topic \(topic.name): \(String(cString: rd_kafka_err2str(result)))")
                }
            }
        }
    }

    /// Makes the next `count` requests of kind `request` (on any broker) fail with `error`, a raw
    /// `rd_kafka_resp_err_t` value (`rd_kafka_mock_push_request_errors`).
    ///
    /// `RD_KAFKA_RESP_ERR__TRANSPORT` (-195) closes the connection instead of answering.
    public func injectErrors(_ error: Int32, count: Int = 1, request: Request) {
        let errors = [rd_kafka_resp_err_t](repeating: encore_err_from_code(error), count: count)
        try? withCluster(location: "EmbeddedBroker.injectErrors") { cluster in
            errors.withUnsafeBufferPointer { buffer in
                rd_kafka_mock_push_request_errors_array(cluster, request.apiKey, buffer.count, buffer.baseAddress)
            }
        }
    }

    /// Removes errors still queued by ``injectErrors(_:count:request:)`` for `request`.
    public func clearInjectedErrors(request: Request) {
        try? withCluster(location: "EmbeddedBroker.clearInjectedErrors") { cluster in
            rd_kafka_mock_clear_request_errors(cluster, request.apiKey)
        }
    }

    /// Takes broker `id` (1-based) down (`true`) or back up (`false`): its connections close and
    /// new ones are refused until it is up again.
    public func setBroker(_ id: Int32, down: Bool) throws(KafkaError) {
        let location = "EmbeddedBroker.setBroker"
        let result = try withCluster(location: location) { cluster in
            down ? rd_kafka_mock_broker_set_down(cluster, id) : rd_kafka_mock_broker_set_up(cluster, id)
        }
        if encore_err_code(result) != ErrorCodes.noError { throw KafkaError.rdKafka(result, location: location) }
    }

    /// Stops the cluster and destroys its host handle; idempotent.
    public func shutdown() {
        socketTuner.stop()
        handles.withLock { handles in
            guard let host = handles.host else { return }
            if let cluster = handles.cluster { rd_kafka_mock_cluster_destroy(cluster) }
            rd_kafka_destroy(host)
            handles = Handles(host: nil, cluster: nil)
            logger.debug("embedded Kafka broker stopped", metadata: ["bootstrap_servers": "\(bootstrapServers)"])
        }
    }

    /// Runs `body` with the live cluster, holding the lock so ``shutdown()`` cannot destroy it meanwhile.
    private func withCluster<R: Sendable>(
        location: String, _ body: (OpaquePointer) throws(KafkaError) -> R
    ) throws(KafkaError) -> R {
        let result: Result<R, KafkaError> = handles.withLock { handles in
            guard let cluster = handles.cluster else {
                return .failure(KafkaError(code: .closed, reason: "embedded broker is shut down", location: location))
            }
            return Result { () throws(KafkaError) in try body(cluster) }
        }
        return try result.get()
    }
}
