import Dispatch
import EncoreKafka
import Foundation
import Logging
import Synchronization
import Testing

/// Shared helpers for the Kafka tests: a quiet logger, unique names, and a collect-until loop.
enum KafkaTestSupport {
    static let logger: Logger = {
        var logger = Logger(label: "encore.kafka.tests")
        logger.logLevel = .critical
        return logger
    }()

    private static let counter = Atomic<Int>(0)

    /// A name unique within this process, e.g. `roundtrip-3`.
    static func unique(_ prefix: String) -> String {
        "\(prefix)-\(counter.add(1, ordering: .relaxed).newValue)"
    }

    static func consumerConfiguration(_ broker: EmbeddedBroker, group: String, topics: [String])
        -> ConsumerConfiguration
    {
        ConsumerConfiguration(
            client: KafkaClientConfiguration(bootstrapServers: broker.bootstrapServers), groupID: group, topics: topics,
            sessionTimeout: .seconds(6),
            extra: ["heartbeat.interval.ms": "500", "topic.metadata.refresh.interval.ms": "1000"])
    }

    static func producer(_ broker: EmbeddedBroker) throws -> KafkaProducer {
        try KafkaProducer(
            configuration: ProducerConfiguration(
                client: KafkaClientConfiguration(bootstrapServers: broker.bootstrapServers)),
            logger: logger)
    }

    /// A record flattened for assertions.
    struct Received: Equatable, Sendable {
        var partition: TopicPartition
        var offset: Int64
        var key: [UInt8]?
        var value: [UInt8]
        var headers: [KafkaHeader]
        var timestampMs: Int64
    }

    static func flatten(_ batch: ConsumedBatch) -> [Received] {
        batch.records.map { record in
            Received(
                partition: batch.topicPartition(of: record), offset: record.offset, key: batch.key(of: record),
                value: batch.value(of: record), headers: batch.headers(of: record), timestampMs: record.timestampMs)
        }
    }

    /// Polls until `count` records arrived or 60 s passed (a group join on a loaded CI machine can
    /// take a while; the limit only bounds a hang, it asserts nothing about speed).
    static func collect(_ consumer: KafkaConsumer, count: Int) throws -> [Received] {
        var received: [Received] = []
        let deadline = ContinuousClock.now + .seconds(60)
        while received.count < count && ContinuousClock.now < deadline {
            received += flatten(try consumer.poll(maxRecords: 500, maxWait: .milliseconds(200)))
        }
        return received
    }
}

/// Thread-safe recorder for callback invocations.
final class Recorder<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])
    func append(_ value: Value) { values.withLock { $0.append(value) } }
    var all: [Value] { values.withLock { $0 } }
}

/// A blocking loop on its own OS thread (Kafka calls never run on the cooperative pool).
final class BackgroundLoop: Sendable {
    private final class Flag: Sendable { let value = Atomic<Bool>(false) }
    private let stopFlag = Flag()
    private let done = DispatchSemaphore(value: 0)

    /// Runs `step` repeatedly until ``stop()``, then `finish` once, all on one new thread.
    init(step: @escaping @Sendable () -> Void, finish: @escaping @Sendable () -> Void = {}) {
        let thread = Thread { [stopFlag, done] in
            while !stopFlag.value.load(ordering: .acquiring) { step() }
            finish()
            done.signal()
        }
        thread.start()
    }

    /// Stops the loop and waits until `finish` has run; idempotent.
    func stop() {
        guard !stopFlag.value.exchange(true, ordering: .acquiringAndReleasing) else { return }
        done.wait()
    }
}

/// Stands in for the SQLite offsets table: next offset per partition.
final class OffsetStore: Sendable {
    private let offsets = Mutex<[TopicPartition: Int64]>([:])
    func read(_ partitions: [TopicPartition]) -> [TopicPartition: Int64] {
        offsets.withLock { stored in stored.filter { partitions.contains($0.key) } }
    }
    func advance(_ next: [TopicPartition: Int64]) { offsets.withLock { $0.merge(next) { max($0, $1) } } }
    var all: [TopicPartition: Int64] { offsets.withLock { $0 } }
}
