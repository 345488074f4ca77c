import EncoreCore
import EncoreKafka
import EncorePipeline
import EncoreStages
import EncoreStore
import Foundation
import Logging
import Synchronization

/// Shared by the test targets (EncorePipelineTests, EncoreStagesTests, EncoreCLITests).
///
/// An embedded broker with Encore's topics under a unique prefix, a store file, and helpers to
/// produce inputs, run pipelines and read outputs — all through the production classes.
public final class PipelineHarness: Sendable {
    public let broker: EmbeddedBroker
    public let prefix: String
    public let storePath: String
    public let logger: Logger
    public let producer: KafkaProducer

    public init(partitions: Int32 = 4) throws {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        self.logger = logger
        broker = try EmbeddedBroker(logger: logger)
        let prefix = "t\(UInt32.random(in: 0...UInt32.max))."
        self.prefix = prefix
        storePath = FileManager.default.temporaryDirectory
            .appendingPathComponent("encore-pipeline-\(UUID().uuidString).sqlite").path
        try broker.createTopics(EncoreTopic.allCases.map {
            TopicSpecification(name: $0.name(prefix: prefix), partitions: partitions)
        })
        producer = try KafkaProducer(
            configuration: ProducerConfiguration(client: KafkaClientConfiguration(bootstrapServers: broker.bootstrapServers)),
            logger: logger
        )
    }

    deinit {
        producer.close(timeout: .seconds(5))
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: storePath + suffix) }
    }

    public var client: KafkaClientConfiguration { KafkaClientConfiguration(bootstrapServers: broker.bootstrapServers) }

    public func topic(_ topic: EncoreTopic) -> String { topic.name(prefix: prefix) }

    /// Produces raw records, keyed, and waits for their delivery.
    public func produce(_ topic: EncoreTopic, _ records: [(key: String, value: [UInt8])]) throws {
        for record in records {
            try producer.send(topic: self.topic(topic), key: Array(record.key.utf8), value: record.value)
        }
        try producer.flush(timeout: .seconds(30))
    }

    /// A fresh environment on the harness's store file (or another one).
    public func environment(fault: FaultInjection? = nil, storePath: String? = nil) throws -> PipelineEnvironment {
        var environment = try PipelineEnvironment.open(
            storePath: storePath ?? self.storePath, kafka: client, topicPrefix: prefix
        )
        environment.faultInjection = fault
        // Fast group membership for tests: quick heartbeats, and members that vanish are noticed soon.
        environment.consumerExtra = ["heartbeat.interval.ms": "300", "session.timeout.ms": "6000", "max.poll.interval.ms": "10000"]
        return environment
    }

    /// Runs `definition` until `done(status)` holds (or 90 s pass), then stops it gracefully.
    /// Returns the final status and the error the runner ended with, if any.
    @discardableResult
    public func run(
        _ definition: PipelineDefinition, fault: FaultInjection? = nil, until done: @escaping @Sendable (PipelineStatus) -> Bool
    ) async throws -> (status: PipelineStatus, error: (any Error)?) {
        try await run(
            PipelineRunner(definition: definition, environment: try environment(fault: fault), logger: logger), until: done)
    }

    /// Runs a prepared runner until `done(status)` holds (or 90 s pass), then stops it gracefully.
    @discardableResult
    public func run(
        _ runner: PipelineRunner, until done: @escaping @Sendable (PipelineStatus) -> Bool
    ) async throws -> (status: PipelineStatus, error: (any Error)?) {
        let task = Task { try await runner.run() }
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline {
            let status = runner.status
            if status.state == .failed || done(status) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        runner.requestStop()
        do {
            try await task.value
            return (runner.status, nil)
        } catch {
            return (runner.status, error)
        }
    }

    /// Reads every record of an output topic (from the beginning) until `count` arrived or 30 s pass.
    public func readAll(_ topic: EncoreTopic, expecting count: Int) throws -> [(value: [UInt8], headers: [KafkaHeader])] {
        try readAll(topicNamed: self.topic(topic), expecting: count)
    }

    /// Reads every record of a topic by its full name (e.g. a test stage's own output topic).
    public func readAll(topicNamed name: String, expecting count: Int) throws -> [(value: [UInt8], headers: [KafkaHeader])] {
        try readAll(topicNamed: name) { $0.count >= count }
    }

    /// Reads every record of an output topic until `done(records so far)` holds (or 30 s pass),
    /// then drains briefly: for topics with duplicates, where a count alone can be reached before
    /// every partition was read.
    public func readAll(
        _ topic: EncoreTopic, until done: ([(value: [UInt8], headers: [KafkaHeader])]) -> Bool
    ) throws -> [(value: [UInt8], headers: [KafkaHeader])] {
        try readAll(topicNamed: self.topic(topic), until: done)
    }

    func readAll(
        topicNamed name: String, until done: ([(value: [UInt8], headers: [KafkaHeader])]) -> Bool
    ) throws -> [(value: [UInt8], headers: [KafkaHeader])] {
        let consumer = try KafkaConsumer(
            configuration: ConsumerConfiguration(client: client, groupID: "reader-\(UUID().uuidString)", topics: [name]),
            logger: logger, startOffsets: { _ in [:] }
        )
        defer { consumer.close() }
        var result: [(value: [UInt8], headers: [KafkaHeader])] = []
        let deadline = ContinuousClock.now + .seconds(30)
        while !done(result), ContinuousClock.now < deadline {
            let batch = try consumer.poll(maxRecords: 500, maxWait: .milliseconds(200))
            for record in batch.records { result.append((batch.value(of: record), batch.headers(of: record))) }
        }
        // Drain briefly so that extra (duplicate) records are seen too.
        let settle = ContinuousClock.now + .milliseconds(500)
        while ContinuousClock.now < settle {
            let batch = try consumer.poll(maxRecords: 500, maxWait: .milliseconds(100))
            for record in batch.records { result.append((batch.value(of: record), batch.headers(of: record))) }
        }
        return result
    }

    public func store() throws -> EncoreStore { try EncoreStore(path: storePath) }
}

extension Array where Element == KafkaHeader {
    public subscript(header name: String) -> String? {
        first { $0.name == name }.map { String(decoding: $0.value, as: UTF8.self) }
    }
}

/// Test definitions with small batches, so that a stream spans many batches.
public enum TestDefinitions {
    public static func music(maxRecords: Int = 50, debounceSeconds: Int64 = 0) -> PipelineDefinition {
        var settings = PopularityBaseline.Settings()
        settings.topK = 5
        settings.debounce = .seconds(debounceSeconds)
        return PipelineDefinition(
            name: "music", consumerGroup: "music-\(UUID().uuidString)", inputs: [.listens, .tracks],
            batch: .init(maxRecords: maxRecords, maxWait: .milliseconds(50)), stages: [settings]
        )
    }

    public static func notifications(maxRecords: Int = 50) -> PipelineDefinition {
        PipelineDefinition(
            name: "notifications", consumerGroup: "notifications-\(UUID().uuidString)",
            inputs: [.notificationEvents, .notificationRequests],
            batch: .init(maxRecords: maxRecords, maxWait: .milliseconds(50)), stages: [RuleBaseline.Settings()]
        )
    }
}

/// Seeded test streams.
public enum TestStreams {
    public static let day0: Int64 = 1_767_571_200_000  // 2026-01-05T00:00Z

    public static func listens(_ count: Int, users: Int = 37, tracks: Int = 101) -> [(key: String, value: [UInt8])] {
        (0..<count).map { index in
            let user = "user-\(index % users)"
            let event = ListenEvent(
                userID: UserID(user), trackID: TrackID("track-\((index * 7) % tracks)"),
                timestampMs: day0 + Int64(index) * 60_000, msPlayed: 120_000, durationMs: 200_000, skipped: false
            )
            return (user, EventEncoder.encode(event))
        }
    }

    public static func requests(_ count: Int, users: Int = 13) -> [(key: String, value: [UInt8])] {
        (0..<count).map { index in
            let user = "user-\(index % users)"
            let request = NotificationRequest(
                requestID: RequestID("request-\(index)"), userID: UserID(user),
                notificationID: NotificationID("n-\(index)"), timestampMs: day0 + Int64(index) * 1_800_000,
                expiresMs: day0 + Int64(index) * 1_800_000 + 6 * 3_600_000
            )
            return (user, EventEncoder.encode(request))
        }
    }
}
