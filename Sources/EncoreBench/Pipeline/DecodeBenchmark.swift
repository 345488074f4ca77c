import EncoreCore
import EncoreSimulation
import Foundation

/// `encore bench decode`: listen events decoded per second on one core, with Foundation's
/// `JSONDecoder` on the same bytes as the reference, measured in the same run.
public struct DecodeBenchmark: Sendable {
    public var events: Int
    public var rounds: Int

    public init(events: Int = 200_000, rounds: Int = 5) {
        self.events = events
        self.rounds = rounds
    }

    public struct Result: Sendable {
        public var events: Int
        public var bytesPerEvent: Double
        /// Best of the rounds, events per second.
        public var encoreRate: Double
        public var foundationRate: Double
        public var ratio: Double { encoreRate / foundationRate }
    }

    /// The shape `JSONDecoder` decodes (the same fields as ``ListenEvent``).
    private struct FoundationListen: Decodable {
        struct Context: Decodable {
            var device: String?
            var source: String?
        }
        var user_id: String
        var track_id: String
        var ts_ms: Int64
        var event_id: String?
        var ms_played: Int64?
        var duration_ms: Int64?
        var skipped: Bool?
        var context: Context?
    }

    public func run(progress: (String) -> Void = { _ in }) throws -> Result {
        // Real-looking messages: the simulator's listens, as they travel on the wire.
        let simulator = try MusicSimulator(configuration: SimulationConfiguration(users: 2000, days: 7, seed: 5))
        var messages: [[UInt8]] = []
        messages.reserveCapacity(events)
        var stream = simulator.makeEventStream()
        while messages.count < events, let event = stream.next() {
            if case .listen = event { messages.append(event.encoded()) }
        }
        let count = messages.count
        let bytes = messages.reduce(0) { $0 + $1.count }
        var bestEncore = Double.infinity
        var bestFoundation = Double.infinity
        var checksum = 0
        let decoder = JSONDecoder()
        for round in 1...rounds {
            var started = ContinuousClock.now
            for message in messages {
                let event = try EventDecoder.listen(message)
                checksum &+= Int(event.timestampMs & 1)
            }
            bestEncore = min(bestEncore, started.duration(to: .now).inSeconds)
            started = .now
            for message in messages {
                let event = try decoder.decode(FoundationListen.self, from: Data(message))
                checksum &+= Int(event.ts_ms & 1)
            }
            bestFoundation = min(bestFoundation, started.duration(to: .now).inSeconds)
            progress("round \(round)/\(rounds): EventDecoder \(Int(Double(count) / bestEncore)) events/s, "
                + "JSONDecoder \(Int(Double(count) / bestFoundation)) events/s")
        }
        precondition(checksum >= 0)
        return Result(
            events: count, bytesPerEvent: Double(bytes) / Double(count), encoreRate: Double(count) / bestEncore,
            foundationRate: Double(count) / bestFoundation
        )
    }
}
