import CRdKafka

/// Builds an `rd_kafka_conf_t` from property pairs; on failure destroys it and throws.
///
/// The returned configuration is owned by the caller until it is passed to `rd_kafka_new`.
func makeRdKafkaConfiguration(_ properties: [(String, String)], location: String) throws(KafkaError) -> OpaquePointer {
    guard let conf = rd_kafka_conf_new() else {
        throw KafkaError(code: .configuration, reason: "rd_kafka_conf_new failed", location: location)
    }
    var errorBuffer = [CChar](repeating: 0, count: 512)
    for (key, value) in properties {
        let result = rd_kafka_conf_set(conf, key, value, &errorBuffer, errorBuffer.count)
        if result != RD_KAFKA_CONF_OK {
            rd_kafka_conf_destroy(conf)
            let detail = string(fromCBuffer: errorBuffer)
            throw KafkaError(
                code: .configuration, reason: "property \(key)=\(value) rejected: \(detail)", location: location)
        }
    }
    return conf
}

/// Creates a client handle from a configuration (consumed on success and on failure).
func makeRdKafkaHandle(
    type: rd_kafka_type_t, configuration conf: OpaquePointer, location: String
) throws(KafkaError) -> OpaquePointer {
    var errorBuffer = [CChar](repeating: 0, count: 512)
    guard let handle = rd_kafka_new(type, conf, &errorBuffer, errorBuffer.count) else {
        rd_kafka_conf_destroy(conf)
        throw KafkaError(
            code: .configuration, reason: "rd_kafka_new failed: \(string(fromCBuffer: errorBuffer))", location: location
        )
    }
    return handle
}

/// The NUL-terminated text in a C character buffer.
func string(fromCBuffer buffer: [CChar]) -> String {
    buffer.withUnsafeBufferPointer { pointer in
        let bytes = UnsafeRawBufferPointer(pointer)
        let end = bytes.firstIndex(of: 0) ?? bytes.count
        return String(decoding: bytes[..<end], as: UTF8.self)
    }
}
