import EncoreKafka
import Testing

@Suite(.timeLimit(.minutes(2)))
struct KafkaRoundTripTests {
    typealias Support = KafkaTestSupport

    @Test func produceThenConsumeKeepsKeysValuesHeadersTimestampsAndOrder() throws {
        let broker = try EmbeddedBroker(logger: Support.logger)
        let topic = Support.unique("roundtrip")
        try broker.createTopics([TopicSpecification(name: topic, partitions: 4)])
        let producer = try Support.producer(broker)
        let total = 400
        for index in 0..<total {
            let partition = Int32(index % 4)
            let key: [UInt8]? = index % 10 == 0 ? nil : Array("user-\(index % 37)".utf8)
            let headers =
                index % 3 == 0
                ? [KafkaHeader(name: "encore-id", string: "id-\(index)"), KafkaHeader(name: "empty", value: [])] : []
            try producer.send(
                topic: topic, key: key, value: Array("value-\(index)".utf8), headers: headers,
                timestampMs: 1_700_000_000_000 + Int64(index), partition: partition)
        }
        try producer.flush(timeout: .seconds(10))
        #expect(producer.statistics == ProducerStatistics(delivered: total, failed: 0, inFlight: 0))

        let consumer = try KafkaConsumer(
            configuration: Support.consumerConfiguration(broker, group: Support.unique("g"), topics: [topic]),
            logger: Support.logger, startOffsets: { _ in [:] })
        let received = try Support.collect(consumer, count: total)
        consumer.close()

        #expect(received.count == total)
        let values = received.map { String(decoding: $0.value, as: UTF8.self) }
        #expect(Set(values).count == total, "every record exactly once")
        for record in received {
            let index = Int(String(decoding: record.value, as: UTF8.self).dropFirst("value-".count))!
            #expect(record.partition == TopicPartition(topic: topic, partition: Int32(index % 4)))
            #expect(record.key == (index % 10 == 0 ? nil : Array("user-\(index % 37)".utf8)))
            #expect(record.timestampMs == 1_700_000_000_000 + Int64(index))
            let expectedHeaders =
                index % 3 == 0
                ? [KafkaHeader(name: "encore-id", string: "id-\(index)"), KafkaHeader(name: "empty", value: [])] : []
            #expect(record.headers == expectedHeaders)
        }
        for partition in 0..<4 {
            let inPartition = received.filter { $0.partition.partition == Int32(partition) }
            #expect(inPartition.map(\.offset) == Array(0..<Int64(inPartition.count)), "per-partition order kept")
        }
    }

    @Test func startOffsetsAreHonouredAndSeekRedelivers() throws {
        let broker = try EmbeddedBroker(logger: Support.logger)
        let topic = Support.unique("start")
        try broker.createTopics([TopicSpecification(name: topic, partitions: 2)])
        let producer = try Support.producer(broker)
        for index in 0..<20 {
            try producer.send(topic: topic, key: nil, value: [UInt8(index)], partition: Int32(index % 2))
        }
        try producer.flush(timeout: .seconds(10))

        let asked = Recorder<[TopicPartition]>()
        let events = Recorder<RebalanceEvent>()
        let consumer = try KafkaConsumer(
            configuration: Support.consumerConfiguration(broker, group: Support.unique("g"), topics: [topic]),
            logger: Support.logger,
            startOffsets: { partitions in
                asked.append(partitions)
                return [TopicPartition(topic: topic, partition: 0): 7]  // partition 1 absent: from the beginning
            },
            onRebalance: { events.append($0) })
        let received = try Support.collect(consumer, count: 13)
        let first = received.filter { $0.partition.partition == 0 }.map(\.offset)
        let second = received.filter { $0.partition.partition == 1 }.map(\.offset)
        #expect(first == Array(7..<10))
        #expect(second == Array(0..<10))
        #expect(
            asked.all.flatMap { $0 }.sorted() == [
                TopicPartition(topic: topic, partition: 0), TopicPartition(topic: topic, partition: 1),
            ])
        #expect(
            events.all.first
                == .assigned([TopicPartition(topic: topic, partition: 0), TopicPartition(topic: topic, partition: 1)]))
        #expect(
            try consumer.assignment() == [
                TopicPartition(topic: topic, partition: 0), TopicPartition(topic: topic, partition: 1),
            ])

        try consumer.seek([TopicPartition(topic: topic, partition: 1): 8], timeout: .seconds(5))
        let again = try Support.collect(consumer, count: 2)
        #expect(again.map(\.offset) == [8, 9])
        #expect(again.allSatisfy { $0.partition.partition == 1 })

        let watermarks = try consumer.watermarks(of: TopicPartition(topic: topic, partition: 0), timeout: .seconds(5))
        #expect(watermarks.low == 0)
        #expect(watermarks.high == 10)
        consumer.close()
        consumer.close()  // idempotent
        #expect(
            events.all.last
                == .revoked([TopicPartition(topic: topic, partition: 0), TopicPartition(topic: topic, partition: 1)]))
        #expect(throws: KafkaError.self) { try consumer.poll(maxRecords: 1, maxWait: .milliseconds(10)) }
        #expect(consumer.offsetResetCount == 0)
    }

    @Test func offsetBeyondTheLogRestartsFromTheEarliestOffset() throws {
        let broker = try EmbeddedBroker(logger: Support.logger)
        let topic = Support.unique("reset")
        try broker.createTopics([TopicSpecification(name: topic, partitions: 1)])
        let producer = try Support.producer(broker)
        for index in 0..<5 { try producer.send(topic: topic, key: nil, value: [UInt8(index)]) }
        try producer.flush(timeout: .seconds(10))
        let consumer = try KafkaConsumer(
            configuration: Support.consumerConfiguration(broker, group: Support.unique("g"), topics: [topic]),
            logger: Support.logger, startOffsets: { _ in [TopicPartition(topic: topic, partition: 0): 1_000] })
        let received = try Support.collect(consumer, count: 5)
        #expect(received.map(\.offset) == [0, 1, 2, 3, 4])
        #expect(consumer.offsetResetCount == 1)
        consumer.close()
    }

    @Test func failingStartOffsetsFailsTheNextPollThenRecovers() throws {
        let broker = try EmbeddedBroker(logger: Support.logger)
        let topic = Support.unique("startfail")
        try broker.createTopics([TopicSpecification(name: topic, partitions: 1)])
        let producer = try Support.producer(broker)
        for index in 0..<3 { try producer.send(topic: topic, key: nil, value: [UInt8(index)]) }
        try producer.flush(timeout: .seconds(10))
        struct StoreDown: Error {}
        let calls = Recorder<Int>()
        let consumer = try KafkaConsumer(
            configuration: Support.consumerConfiguration(broker, group: Support.unique("g"), topics: [topic]),
            logger: Support.logger,
            startOffsets: { _ in
                calls.append(1)
                if calls.all.count == 1 { throw StoreDown() }
                return [:]
            })
        var thrown: KafkaError?
        var received: [KafkaTestSupport.Received] = []
        let deadline = ContinuousClock.now + .seconds(60)
        while received.count < 3 && ContinuousClock.now < deadline {
            do {
                received += Support.flatten(try consumer.poll(maxRecords: 100, maxWait: .milliseconds(200)))
            } catch {
                thrown = error
            }
        }
        #expect(thrown?.code == .startOffsets)
        #expect(received.map(\.offset) == [0, 1, 2])
        consumer.close()
    }
}
