import CRdKafka

/// The one error type of EncoreKafka: what went wrong, where, and whether retrying can help.
///
/// Errors that come from librdkafka keep the raw `rd_kafka_resp_err_t` value in ``rdKafkaCode``
/// so callers can react to a specific broker error without this module naming every one of them.
/// The pipeline decides from ``isRetriable`` and ``isFatal`` whether to retry a batch, dead-letter,
/// or stop: a fatal error means the client handle is unusable and must be recreated.
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    /// The category of a ``KafkaError``; extensible, compare with the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The category's name, e.g. `"transport"`.
        public var name: String

        /// Creates a code; prefer the static members.
        public init(_ name: String) { self.name = name }

        /// A configuration property was rejected, or the handle could not be created.
        public static let configuration = Code("configuration")
        /// The broker could not be reached or the connection failed.
        public static let transport = Code("transport")
        /// A produced message was not acknowledged by the broker.
        public static let delivery = Code("delivery")
        /// The client is unusable (e.g. a fenced idempotent producer); recreate it.
        public static let fatal = Code("fatal")
        /// The operation did not finish within its timeout.
        public static let timeout = Code("timeout")
        /// The producer's local queue stayed full.
        public static let queueFull = Code("queueFull")
        /// The topic or partition does not exist.
        public static let unknownTopic = Code("unknownTopic")
        /// A consumer-side failure (fetch error, assignment failure).
        public static let consume = Code("consume")
        /// The application's `startOffsets` callback threw during a rebalance.
        public static let startOffsets = Code("startOffsets")
        /// The call was made on a closed client.
        public static let closed = Code("closed")
        /// An admin request (e.g. CreateTopics) failed.
        public static let admin = Code("admin")
        /// Anything else reported by librdkafka.
        public static let other = Code("other")

        public var description: String { name }
    }

    /// The category.
    public var code: Code
    /// A human-readable explanation (librdkafka's error string where available).
    public var reason: String
    /// The raw `rd_kafka_resp_err_t` value when the error came from librdkafka.
    public var rdKafkaCode: Int32?
    /// Whether the same operation may succeed if repeated later.
    public var isRetriable: Bool
    /// Whether the client handle is unusable and must be recreated.
    public var isFatal: Bool
    /// Where the error was raised, e.g. `"KafkaProducer.send"`.
    public var location: String
    /// The underlying error, e.g. the one thrown by a `startOffsets` callback.
    public var underlying: (any Error & Sendable)?

    /// Creates an error.
    public init(
        code: Code, reason: String, rdKafkaCode: Int32? = nil, isRetriable: Bool = false, isFatal: Bool = false,
        location: String, underlying: (any Error & Sendable)? = nil
    ) {
        self.code = code
        self.reason = reason
        self.rdKafkaCode = rdKafkaCode
        self.isRetriable = isRetriable
        self.isFatal = isFatal
        self.location = location
        self.underlying = underlying
    }

    public var description: String {
        var text = "KafkaError.\(code) at \(location): \(reason)"
        if let rdKafkaCode { text += " (rd_kafka_resp_err \(rdKafkaCode))" }
        if isFatal { text += " [fatal]" } else if isRetriable { text += " [retriable]" }
        if let underlying { text += "; underlying: \(underlying)" }
        return text
    }
}

extension KafkaError {
    /// An error from a librdkafka response code, classified by ``KafkaError/classify(_:)``.
    static func rdKafka(_ err: rd_kafka_resp_err_t, location: String, reason: String? = nil) -> KafkaError {
        let raw = encore_err_code(err)
        let text = reason ?? String(cString: rd_kafka_err2str(err))
        let (code, retriable) = classify(raw)
        return KafkaError(
            code: code, reason: text, rdKafkaCode: raw, isRetriable: retriable,
            isFatal: raw == encore_err_code(RD_KAFKA_RESP_ERR__FATAL), location: location)
    }

    /// An error from an `rd_kafka_error_t`; does not destroy it.
    static func rdKafka(error: OpaquePointer, location: String) -> KafkaError {
        let raw = encore_err_code(rd_kafka_error_code(error))
        let (code, _) = classify(raw)
        let fatal = rd_kafka_error_is_fatal(error) != 0
        return KafkaError(
            code: fatal ? .fatal : code, reason: String(cString: rd_kafka_error_string(error)), rdKafkaCode: raw,
            isRetriable: rd_kafka_error_is_retriable(error) != 0, isFatal: fatal, location: location)
    }

    /// Maps a raw `rd_kafka_resp_err_t` value to a category and whether a retry can help.
    ///
    /// Works on raw values so an error code unknown to this build falls into ``Code/other`` instead of trapping.
    static func classify(_ raw: Int32) -> (Code, retriable: Bool) {
        if ErrorCodes.transport.contains(raw) { return (.transport, true) }
        if ErrorCodes.timeout.contains(raw) { return (.timeout, true) }
        if ErrorCodes.unknownTopic.contains(raw) { return (.unknownTopic, true) }
        if raw == ErrorCodes.queueFull { return (.queueFull, true) }
        if raw == ErrorCodes.fatal { return (.fatal, false) }
        if ErrorCodes.configuration.contains(raw) { return (.configuration, false) }
        if ErrorCodes.retriableBroker.contains(raw) { return (.other, true) }
        return (.other, false)
    }
}

/// Raw `rd_kafka_resp_err_t` values grouped for ``KafkaError/classify(_:)``.
enum ErrorCodes {
    static let transport: Set<Int32> = [
        encore_err_code(RD_KAFKA_RESP_ERR__TRANSPORT), encore_err_code(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN),
        encore_err_code(RD_KAFKA_RESP_ERR__RESOLVE), encore_err_code(RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION),
        encore_err_code(RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE), encore_err_code(RD_KAFKA_RESP_ERR__SSL),
        encore_err_code(RD_KAFKA_RESP_ERR__AUTHENTICATION),
    ]
    static let timeout: Set<Int32> = [
        encore_err_code(RD_KAFKA_RESP_ERR__TIMED_OUT), encore_err_code(RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE),
        encore_err_code(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT), encore_err_code(RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT),
    ]
    static let unknownTopic: Set<Int32> = [
        encore_err_code(RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC), encore_err_code(RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION),
        encore_err_code(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART),
    ]
    static let configuration: Set<Int32> = [
        encore_err_code(RD_KAFKA_RESP_ERR__INVALID_ARG), encore_err_code(RD_KAFKA_RESP_ERR__NOT_CONFIGURED),
        encore_err_code(RD_KAFKA_RESP_ERR__UNKNOWN_PROTOCOL), encore_err_code(RD_KAFKA_RESP_ERR_INVALID_CONFIG),
    ]
    static let retriableBroker: Set<Int32> = [
        encore_err_code(RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE),
        encore_err_code(RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION),
        encore_err_code(RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS),
        encore_err_code(RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND),
        encore_err_code(RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS),
        encore_err_code(RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE),
        encore_err_code(RD_KAFKA_RESP_ERR_NOT_COORDINATOR), encore_err_code(RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR),
        encore_err_code(RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS), encore_err_code(RD_KAFKA_RESP_ERR__RETRY),
        encore_err_code(RD_KAFKA_RESP_ERR__WAIT_COORD), encore_err_code(RD_KAFKA_RESP_ERR__MAX_POLL_EXCEEDED),
    ]
    static let queueFull = encore_err_code(RD_KAFKA_RESP_ERR__QUEUE_FULL)
    static let fatal = encore_err_code(RD_KAFKA_RESP_ERR__FATAL)
    static let autoOffsetReset = encore_err_code(RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET)
    static let topicAlreadyExists = encore_err_code(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
    static let noError = encore_err_code(RD_KAFKA_RESP_ERR_NO_ERROR)
}
