import EncoreKafka
import Foundation
import Testing

@Suite(.timeLimit(.minutes(2)))
struct KafkaProducerAndBrokerTests {
    typealias Support = KafkaTestSupport

    @Test func failedDeliveryIsSurfacedByFlushAndTheProducerRecovers() throws {
        let broker = try EmbeddedBroker(logger: Support.logger)
        let topic = Support.unique("faults")
        try broker.createTopics([TopicSpecification(name: topic, partitions: 1)])
        let producer = try Support.producer(broker)
        try producer.send(topic: topic, key: nil, value: Array("warm-up".utf8))
        try producer.flush(timeout: .seconds(10))

        let messageSizeTooLarge: Int32 = 10  // RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE: not retriable
        broker.injectErrors(messageSizeTooLarge, count: 1, request: .produce)
        for index in 0..<5 { try producer.send(topic: topic, key: nil, value: Array("lost-\(index)".utf8)) }
        let error = try #require(throws: KafkaError.self) { try producer.flush(timeout: .seconds(10)) }
        #expect(error.code == .delivery)
        #expect(error.rdKafkaCode == messageSizeTooLarge)
        #expect(error.isFatal == false)
        #expect(producer.statistics.failed >= 1)

        for index in 0..<5 { try producer.send(topic: topic, key: nil, value: Array("kept-\(index)".utf8)) }
        try producer.flush(timeout: .seconds(10))  // failures were reset by the previous flush
        #expect(producer.statistics.inFlight == 0)

        let consumer = try KafkaConsumer(
            configuration: Support.consumerConfiguration(broker, group: Support.unique("g"), topics: [topic]),
            logger: Support.logger, startOffsets: { _ in [:] })
        let received = try Support.collect(consumer, count: 6)
        consumer.close()
        let values = received.map { String(decoding: $0.value, as: UTF8.self) }
        #expect(values.filter { $0.hasPrefix("kept-") } == (0..<5).map { "kept-\($0)" })
        #expect(values.contains("warm-up"))
        producer.close(timeout: .seconds(5))
        producer.close(timeout: .seconds(5))  // idempotent
        #expect(throws: KafkaError.self) { try producer.send(topic: topic, key: nil, value: [1]) }
    }

    @Test func deliveryGroupsAreWaitedForSeparately() throws {
        let broker = try EmbeddedBroker(logger: Support.logger)
        let topic = Support.unique("groups")
        try broker.createTopics([TopicSpecification(name: topic, partitions: 4)])
        let producer = try KafkaProducer(
            configuration: ProducerConfiguration(
                client: KafkaClientConfiguration(bootstrapServers: broker.bootstrapServers), linger: .milliseconds(1)),
            logger: Support.logger)
        try producer.send(topic: topic, key: nil, value: Array("warm-up".utf8))
        try producer.flush(timeout: .seconds(10))

        let first = producer.beginDeliveryGroup()
        for index in 0..<50 { try producer.send(topic: topic, key: Array("k\(index)".utf8), value: [UInt8(index)]) }
        let second = producer.beginDeliveryGroup()
        #expect(second == first + 1)
        for index in 0..<50 { try producer.send(topic: topic, key: Array("k\(index)".utf8), value: [UInt8(index)]) }
        try producer.waitForDeliveries(ofGroup: first, timeout: .seconds(10))
        try producer.waitForDeliveries(ofGroup: second, timeout: .seconds(10))
        #expect(producer.statistics.inFlight == 0)
        #expect(producer.statistics.delivered == 101)

        // A failure belongs to the group whose message failed, not to the next one.
        let failing = producer.beginDeliveryGroup()
        broker.injectErrors(10, count: 1, request: .produce)  // MSG_SIZE_TOO_LARGE: not retriable
        try producer.send(topic: topic, key: nil, value: [1])
        let failure = try #require(throws: KafkaError.self) {
            try producer.waitForDeliveries(ofGroup: failing, timeout: .seconds(10))
        }
        #expect(failure.code == .delivery)
        let healthy = producer.beginDeliveryGroup()
        try producer.send(topic: topic, key: nil, value: [2])
        try producer.waitForDeliveries(ofGroup: healthy, timeout: .seconds(10))
        producer.close(timeout: .seconds(5))
    }

    @Test func bootstrapAddressIsLoopbackAndAnswersAPlainKafkaClient() throws {
        let broker = try EmbeddedBroker(brokerCount: 2, logger: Support.logger)
        let first = try #require(broker.bootstrapServers.split(separator: ",").first)
        #expect(first.hasPrefix("127.0.0.1:"))
        let port = try #require(UInt16(first.dropFirst("127.0.0.1:".count)))

        // ApiVersions v0 over a plain TCP socket: size, api key 18, version 0, correlation id, client id.
        let clientID = Array("plain".utf8)
        var request: [UInt8] = []
        func put<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.bigEndian) { request += $0 } }
        put(Int32(2 + 2 + 4 + 2 + clientID.count))
        put(Int16(18))
        put(Int16(0))
        put(Int32(4242))
        put(Int16(clientID.count))
        request += clientID
        let response = try exchange(request, port: port, reading: 10)
        let correlation = response[4..<8].reduce(0) { $0 << 8 | Int32($1) }
        let errorCode = response[8..<10].reduce(0) { $0 << 8 | Int16($1) }
        #expect(correlation == 4242)
        #expect(errorCode == 0)

        broker.shutdown()
        broker.shutdown()  // idempotent
        #expect(throws: KafkaError.self) { try broker.createTopics([TopicSpecification(name: "late", partitions: 1)]) }
    }

    @Test func adminCreateTopicsFailsCleanlyWhereUnsupported() throws {
        // The 2.0.2 mock has no CreateTopics: the admin path must report a KafkaError, not hang or crash.
        let broker = try EmbeddedBroker(logger: Support.logger)
        #expect(throws: KafkaError.self) {
            try KafkaAdmin.createTopics(
                [TopicSpecification(name: Support.unique("admin"), partitions: 1)],
                client: KafkaClientConfiguration(bootstrapServers: broker.bootstrapServers), timeout: .seconds(3),
                logger: Support.logger)
        }
    }

    private func exchange(_ request: [UInt8], port: UInt16, reading count: Int) throws -> [UInt8] {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try #require(connected == 0)
        try #require(request.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) } == request.count)
        var response = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let read = response.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress! + filled, count - filled, 0) }
            try #require(read > 0)
            filled += read
        }
        return response
    }
}
