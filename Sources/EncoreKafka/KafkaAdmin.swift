import CRdKafka
import Logging

/// Administrative requests against a real cluster.
///
/// The embedded broker does not implement CreateTopics; use ``EmbeddedBroker/createTopics(_:)`` there.
public enum KafkaAdmin {
    /// Creates topics with `rd_kafka_CreateTopics` on a short-lived admin-capable handle.
    ///
    /// A topic that already exists counts as success, so start-up can call this every time.
    ///
    /// - Parameters:
    ///   - topics: The topics to create.
    ///   - client: Broker address and client settings.
    ///   - timeout: The overall request timeout.
    ///   - logger: Receives librdkafka's logs.
    /// - Throws: ``KafkaError/Code/admin`` naming the first topic that failed, or
    ///   ``KafkaError/Code/timeout`` if no answer arrived in time.
    public static func createTopics(
        _ topics: [TopicSpecification], client: KafkaClientConfiguration, timeout: Duration, logger: Logger
    ) throws(KafkaError) {
        let location = "KafkaAdmin.createTopics"
        guard !topics.isEmpty else { return }
        let context = ClientContext(logger: logger)
        let conf = try makeRdKafkaConfiguration(client.properties, location: location)
        context.install(on: conf)
        let handle = try makeRdKafkaHandle(type: RD_KAFKA_PRODUCER, configuration: conf, location: location)
        defer {
            rd_kafka_destroy(handle)
            withExtendedLifetime(context) {}
        }
        var errorBuffer = [CChar](repeating: 0, count: 512)
        var newTopics: [OpaquePointer?] = []
        defer { for topic in newTopics { rd_kafka_NewTopic_destroy(topic) } }
        for topic in topics {
            guard
                let newTopic = rd_kafka_NewTopic_new(
                    topic.name, topic.partitions, Int32(topic.replicationFactor), &errorBuffer, errorBuffer.count)
            else {
                throw KafkaError(
                    code: .configuration, reason: "topic \(topic.name): \(string(fromCBuffer: errorBuffer))",
                    location: location)
            }
            newTopics.append(newTopic)
            for (key, value) in topic.config.sorted(by: { $0.key < $1.key }) {
                let result = rd_kafka_NewTopic_set_config(newTopic, key, value)
                if encore_err_code(result) != ErrorCodes.noError {
                    throw KafkaError.rdKafka(
                        result, location: location, reason: "topic \(topic.name) config \(key)=\(value)")
                }
            }
        }
        let queue = rd_kafka_queue_new(handle)
        defer { rd_kafka_queue_destroy(queue) }
        let options = rd_kafka_AdminOptions_new(handle, RD_KAFKA_ADMIN_OP_CREATETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        _ = rd_kafka_AdminOptions_set_request_timeout(
            options, Int32(timeout.rdKafkaMilliseconds), &errorBuffer, errorBuffer.count)
        _ = rd_kafka_AdminOptions_set_operation_timeout(
            options, Int32(timeout.rdKafkaMilliseconds), &errorBuffer, errorBuffer.count)
        newTopics.withUnsafeMutableBufferPointer { buffer in
            rd_kafka_CreateTopics(handle, buffer.baseAddress, buffer.count, options, queue)
        }
        // Allow a little beyond the request timeout for the result event to arrive.
        guard let event = rd_kafka_queue_poll(queue, Int32((timeout + .seconds(1)).rdKafkaMilliseconds)) else {
            throw KafkaError(code: .timeout, reason: "no CreateTopics result", isRetriable: true, location: location)
        }
        defer { rd_kafka_event_destroy(event) }
        let eventError = rd_kafka_event_error(event)
        if encore_err_code(eventError) != ErrorCodes.noError {
            var error = KafkaError.rdKafka(
                eventError, location: location, reason: rd_kafka_event_error_string(event).map { String(cString: $0) })
            if error.code == .other { error.code = .admin }
            throw error
        }
        guard let result = rd_kafka_event_CreateTopics_result(event) else {
            throw KafkaError(code: .admin, reason: "unexpected admin event", location: location)
        }
        var count = 0
        guard let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return }
        for index in 0..<count {
            guard let topicResult = results[index] else { continue }
            let code = rd_kafka_topic_result_error(topicResult)
            let raw = encore_err_code(code)
            let name = String(cString: rd_kafka_topic_result_name(topicResult))
            if raw == ErrorCodes.noError {
                logger.info("topic created", metadata: ["topic": "\(name)"])
            } else if raw == ErrorCodes.topicAlreadyExists {
                logger.debug("topic already exists", metadata: ["topic": "\(name)"])
            } else {
                let message = rd_kafka_topic_result_error_string(topicResult).map { String(cString: $0) } ?? ""
                var error = KafkaError.rdKafka(code, location: location, reason: "topic \(name): \(message)")
                if error.code == .other { error.code = .admin }
                throw error
            }
        }
    }

    /// The names of the topics the cluster has (a Metadata request for all topics).
    ///
    /// Works on real clusters and on the embedded broker alike, so callers can create only the
    /// topics that are missing (the mock cluster does not implement CreateTopics).
    public static func existingTopics(
        client: KafkaClientConfiguration, timeout: Duration, logger: Logger
    ) throws(KafkaError) -> Set<String> {
        let location = "KafkaAdmin.existingTopics"
        let context = ClientContext(logger: logger)
        let conf = try makeRdKafkaConfiguration(client.properties, location: location)
        context.install(on: conf)
        let handle = try makeRdKafkaHandle(type: RD_KAFKA_PRODUCER, configuration: conf, location: location)
        defer {
            rd_kafka_destroy(handle)
            withExtendedLifetime(context) {}
        }
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let result = rd_kafka_metadata(handle, 1, nil, &metadata, Int32(timeout.rdKafkaMilliseconds))
        guard encore_err_code(result) == ErrorCodes.noError, let metadata else {
            throw KafkaError.rdKafka(result, location: location, reason: "metadata request to \(client.bootstrapServers)")
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        var names = Set<String>()
        for index in 0..<Int(metadata.pointee.topic_cnt) {
            let topic = metadata.pointee.topics[index]
            if encore_err_code(topic.err) == ErrorCodes.noError, let name = topic.topic { names.insert(String(cString: name)) }
        }
        return names
    }
}
