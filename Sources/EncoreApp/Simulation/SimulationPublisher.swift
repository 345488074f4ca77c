import EncoreCore
import EncoreKafka
import EncoreSimulation
import Foundation
import Logging

/// Produces a simulator's event stream to Encore's input topics (or writes it as JSON lines).
///
/// Optionally corrupts a small, seeded share of records (truncated JSON, a missing field, a
/// negative time) so that the dead-letter path is exercised like it is in production.
public struct SimulationPublisher: Sendable {
    public var topicPrefix: String
    /// Share of listen records to corrupt, 0…1.
    public var corruptionRate: Double
    public var seed: UInt64

    public init(topicPrefix: String = "", corruptionRate: Double = 0, seed: UInt64 = 7) {
        self.topicPrefix = topicPrefix
        self.corruptionRate = corruptionRate
        self.seed = seed
    }

    /// What was produced.
    public struct Counts: Sendable, Equatable {
        public var byTopic: [EncoreTopic: Int] = [:]
        public var corrupted = 0
        public var total: Int { byTopic.values.reduce(0, +) }
        public init() {}
    }

    /// Produces every event, in time order, and waits for all delivery reports.
    ///
    /// - Parameters:
    ///   - observe: sees every event as it is produced (the demo keeps what its report needs).
    ///   - progress: called about every 50,000 records with the counts so far.
    public func publish(
        _ stream: SimulatedEventStream, producer: KafkaProducer,
        observe: (SimulatedEvent) -> Void = { _ in },
        progress: (Counts) -> Void = { _ in }
    ) throws(KafkaError) -> Counts {
        var counts = Counts()
        var random = SeededGenerator(seed: seed)
        var writer = JSONWriter(reservingCapacity: 512)
        let topicNames = Dictionary(uniqueKeysWithValues: EncoreTopic.allCases.map { ($0, $0.name(prefix: topicPrefix)) })
        var stream = stream
        while let event = stream.next() {
            observe(event)
            writer.reset()
            event.write(to: &writer)
            var value = writer.bytes
            if case .listen = event, corruptionRate > 0, random.nextUnit() < corruptionRate {
                value = Self.corrupt(value, variant: random.nextInt(below: 3))
                counts.corrupted += 1
            }
            try producer.send(
                topic: topicNames[event.topic]!, key: Array(event.key.utf8), value: value,
                timestampMs: event.timestampMs
            )
            counts.byTopic[event.topic, default: 0] += 1
            if counts.total % 50_000 == 0 { progress(counts) }
        }
        try producer.flush(timeout: .seconds(120))
        return counts
    }

    /// Writes the stream as JSON lines: `{"topic":…,"key":…,"value":{…}}`.
    public func writeLines(_ stream: SimulatedEventStream, to sink: (borrowing [UInt8]) -> Void) -> Counts {
        var counts = Counts()
        var writer = JSONWriter(reservingCapacity: 512)
        var stream = stream
        while let event = stream.next() {
            writer.reset()
            writer.beginObject()
            writer.string("topic", event.topic.name(prefix: topicPrefix))
            writer.string("key", event.key)
            writer.endObject()
            var line = writer.bytes
            line.removeLast()  // "}"
            line.append(contentsOf: #","value":"#.utf8)
            line.append(contentsOf: event.encoded())
            line.append(contentsOf: "}\n".utf8)
            sink(line)
            counts.byTopic[event.topic, default: 0] += 1
        }
        return counts
    }

    /// Three kinds of damage a real producer bug causes.
    static func corrupt(_ value: [UInt8], variant: Int) -> [UInt8] {
        switch variant {
        case 0: Array(value.prefix(value.count / 2))  // truncated: invalid JSON
        case 1: Array(String(decoding: value, as: UTF8.self).replacingFirst(#""track_id""#, with: #""trackid""#).utf8)
        default: Array(String(decoding: value, as: UTF8.self).replacingFirst(#""ts_ms":"#, with: #""ts_ms":-"#).utf8)
        }
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
