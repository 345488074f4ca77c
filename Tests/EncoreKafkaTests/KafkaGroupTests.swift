import EncoreKafka
import Foundation
import Synchronization
import Testing

@Suite(.timeLimit(.minutes(2)))
struct KafkaGroupTests {
    typealias Support = KafkaTestSupport

    /// One group member running its poll loop on its own thread, keeping "SQLite" offsets in `store`.
    final class Member: Sendable {
        let name: String
        let consumer: KafkaConsumer
        let received = Recorder<(member: String, record: KafkaTestSupport.Received)>()
        let asked = Recorder<[TopicPartition]>()
        let loop: Mutex<BackgroundLoop?> = Mutex(nil)

        init(_ name: String, broker: EmbeddedBroker, group: String, topic: String, store: OffsetStore) throws {
            self.name = name
            let asked = self.asked
            let consumer = try KafkaConsumer(
                configuration: Support.consumerConfiguration(broker, group: group, topics: [topic]),
                logger: Support.logger,
                startOffsets: { partitions in
                    asked.append(partitions)
                    return store.read(partitions)
                })
            self.consumer = consumer
            let received = self.received
            loop.withLock {
                $0 = BackgroundLoop(
                    step: {
                        guard let batch = try? consumer.poll(maxRecords: 100, maxWait: .milliseconds(100)) else {
                            return
                        }
                        for record in Support.flatten(batch) { received.append((name, record)) }
                        // The "SQLite transaction": offsets advance on the polling thread, between polls.
                        store.advance(batch.nextOffsets)
                    },
                    finish: { consumer.close() })
            }
        }

        func stop() { loop.withLock { $0 }?.stop() }

        func assignment() -> [TopicPartition] { (try? consumer.assignment()) ?? [] }
    }

    @Test func twoMembersSplitPartitionsAndTheSurvivorResumesFromStoredOffsets() throws {
        let broker = try EmbeddedBroker(logger: Support.logger)
        let topic = Support.unique("group")
        let group = Support.unique("g")
        try broker.createTopics([TopicSpecification(name: topic, partitions: 4)])
        let store = OffsetStore()
        let first = try Member("a", broker: broker, group: group, topic: topic, store: store)
        let second = try Member("b", broker: broker, group: group, topic: topic, store: store)
        defer {
            first.stop()
            second.stop()
        }
        #expect(waitUntil { first.assignment().count == 2 && second.assignment().count == 2 })
        let firstPartitions = Set(first.assignment())
        let secondPartitions = Set(second.assignment())
        #expect(firstPartitions.isDisjoint(with: secondPartitions))

        let producer = try Support.producer(broker)
        for index in 0..<200 {
            try producer.send(topic: topic, key: nil, value: Array("p1-\(index)".utf8), partition: Int32(index % 4))
        }
        try producer.flush(timeout: .seconds(10))
        try #require(waitUntil { first.received.all.count + second.received.all.count >= 200 })
        #expect(first.received.all.allSatisfy { firstPartitions.contains($0.record.partition) })
        #expect(second.received.all.allSatisfy { secondPartitions.contains($0.record.partition) })

        first.stop()  // closes: leaves the group, the survivor takes over
        try #require(waitUntil { second.assignment().count == 4 })
        let handedOver = second.asked.all.last ?? []
        #expect(firstPartitions.isSubset(of: Set(handedOver)))

        for index in 0..<100 {
            try producer.send(topic: topic, key: nil, value: Array("p2-\(index)".utf8), partition: Int32(index % 4))
        }
        try producer.flush(timeout: .seconds(10))
        try #require(waitUntil { first.received.all.count + second.received.all.count >= 300 })
        second.stop()

        let all = first.received.all + second.received.all
        let coordinates = all.map { "\($0.record.partition)@\($0.record.offset)" }
        #expect(all.count == 300)
        #expect(Set(coordinates).count == 300, "each record delivered to exactly one member, once")
        let takenOver = second.received.all.filter { firstPartitions.contains($0.record.partition) }
        #expect(takenOver.count == 50)
        #expect(takenOver.allSatisfy { $0.record.offset >= 50 }, "the survivor starts at the stored offsets")
        #expect(store.all.values.allSatisfy { $0 == 75 })
    }

    /// Polls `condition` every 50 ms for up to 60 s.
    private func waitUntil(_ condition: () -> Bool) -> Bool {
        for _ in 0..<1200 {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return condition()
    }
}
