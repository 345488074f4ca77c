import CRdKafka
import Logging

/// What librdkafka's C callbacks reach through the handle's opaque pointer.
///
/// The handle holds an unretained pointer; the owning Swift object keeps the context alive
/// until after `rd_kafka_destroy` returns, so no callback can outlive it.
/// Subclasses add per-client state (delivery counters, rebalance handling).
class ClientContext: @unchecked Sendable {
    /// Immutable after init; `Logger` is a value type safe to use from librdkafka's threads.
    let logger: Logger

    init(logger: Logger) { self.logger = logger }

    /// The context behind a handle's opaque pointer.
    static func from(_ opaque: UnsafeMutableRawPointer?) -> ClientContext? {
        guard let opaque else { return nil }
        return Unmanaged<ClientContext>.fromOpaque(opaque).takeUnretainedValue()
    }

    /// Installs the opaque pointer, the log callback and the error callback on a configuration.
    func install(on conf: OpaquePointer) {
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(self).toOpaque())
        rd_kafka_conf_set_log_cb(conf, clientLogCallback)
        rd_kafka_conf_set_error_cb(conf, clientErrorCallback)
    }

    /// Maps a syslog level (librdkafka's log levels) to swift-log.
    static func logLevel(syslog level: Int32) -> Logger.Level {
        switch level {
        case ...2: .critical
        case 3: .error
        case 4: .warning
        case 5: .notice
        case 6: .info
        default: .debug
        }
    }

    /// Logs an asynchronous client error reported by librdkafka's error callback.
    func clientError(code raw: Int32, reason: String) {
        // Broker connection churn is expected (restarts, idle disconnects); librdkafka retries it.
        let level: Logger.Level = ErrorCodes.transport.contains(raw) ? .warning : .error
        logger.log(
            level: level, "librdkafka error: \(reason)",
            metadata: [
                "kafka.error.code": "\(raw)",
                "kafka.error.name": "\(String(cString: rd_kafka_err2name(encore_err_from_code(raw))))",
            ])
    }
}

/// `log_cb`: librdkafka log lines into swift-log (may run on librdkafka's internal threads).
private let clientLogCallback:
    @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
        handle, level, facility, message in
        guard let handle, let context = ClientContext.from(rd_kafka_opaque(handle)) else { return }
        let swiftLevel = ClientContext.logLevel(syslog: level)
        guard context.logger.logLevel <= swiftLevel else { return }
        let text = message.map { String(cString: $0) } ?? ""
        let facilityText = facility.map { String(cString: $0) } ?? ""
        context.logger.log(
            level: swiftLevel, "librdkafka: \(text)",
            metadata: [
                "kafka.facility": "\(facilityText)", "kafka.client": "\(String(cString: rd_kafka_name(handle)))",
            ])
    }

/// `error_cb`: asynchronous client errors (most are informational; librdkafka recovers by itself).
private let clientErrorCallback:
    @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = {
        _, error, reason, opaque in
        guard let context = ClientContext.from(opaque) else { return }
        context.clientError(code: error, reason: reason.map { String(cString: $0) } ?? "")
    }
