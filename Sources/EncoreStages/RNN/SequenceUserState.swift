import EncoreModels
import EncorePipeline

/// What the RNN stage keeps per user: the recurrent state, the generation that computed it, and
/// the user's last listens in compact form (to rebuild the state under a new generation).
///
/// Serialized to at most 4 KiB: a header, up to ``ringCapacity`` listens of 14 bytes each
/// (item, event second, play and track length in tenths of a second, flags, source and device)
/// and the state vector as raw Float32 (H = 128: 512 bytes).
///
/// Listens enter the ring already *quantized* (``quantize(_:)``: seconds, tenths of a second),
/// and the stage always encodes the quantized form, so the live state, a replay of the ring and
/// the batch trainer's forward pass over the same events see the same inputs.
public struct SequenceUserState: StoredUserState, Equatable {
    /// The recurrent state (empty until the first generation has seen this user).
    public var hidden: [Float] = []
    /// The generation `hidden` belongs to (0: none).
    public var generation: Int64 = 0
    /// Event time of the newest listen that advanced the state; older listens are late.
    public var lastEventMs: Int64 = Int64.min
    /// Event time of the last recommendation produced, or `nil`.
    public var lastRecommendationMs: Int64?
    public var listenCount: Int64 = 0
    /// Listens that arrived out of order (stored, but they did not advance the state).
    public var lateCount: Int64 = 0
    /// The most recent listens, oldest first, at most ``ringCapacity``.
    public private(set) var ring: [SequenceEvent] = []

    public static let ringCapacity = 200
    /// Largest state vector stored (LSTM with H = 256 is 512 floats).
    static let maximumHidden = 512
    public static let kind = "music.rnn"

    public init() {}

    /// The newest listen, if any.
    public var lastEvent: SequenceEvent? { ring.last }

    /// Remembers a listen, dropping the oldest beyond ``ringCapacity``.
    public mutating func remember(_ event: SequenceEvent) {
        if ring.count >= Self.ringCapacity { ring.removeFirst(ring.count - Self.ringCapacity + 1) }
        ring.append(event)
    }

    /// Whether the user played `item` within the remembered window (the stage's "novel" flag is
    /// the negation: novelty is judged against the last ``ringCapacity`` listens).
    public func hasPlayed(_ item: Int32) -> Bool { ring.contains { $0.item == item } }

    /// The form a listen is remembered in: time to the second, play and track length to a tenth
    /// of a second (saturating at 6553.4 s), unknown lengths as -1.
    public static func quantize(_ event: SequenceEvent) -> SequenceEvent {
        event.quantized()
    }

    private static func encode(tenths milliseconds: Int32) -> UInt16 {
        milliseconds < 0 ? 0xFFFF : UInt16(min(Int32(0xFFFE), milliseconds / 100))
    }

    private static func decode(tenths value: UInt16) -> Int32 { value == 0xFFFF ? -1 : Int32(value) * 100 }

    public func encoded() -> [UInt8] {
        var writer = StateWriter(version: 1, capacity: 64 + 14 * ring.count + 4 * hidden.count)
        writer.append(generation)
        writer.append(lastEventMs)
        writer.append(lastRecommendationMs ?? Int64.min)
        writer.append(listenCount)
        writer.append(lateCount)
        writer.append(count: ring.count)
        for event in ring {
            writer.append(event.item)
            writer.append(UInt32(clamping: event.timestampMs / 1000))
            writer.append(Self.encode(tenths: event.msPlayed))
            writer.append(Self.encode(tenths: event.durationMs))
            writer.append(UInt8((event.skipped ? 1 : 0) | (event.novel ? 2 : 0)))
            writer.append(UInt8(event.source & 0x0F) | UInt8(event.device & 0x0F) << 4)
        }
        writer.append(floats: hidden)
        return writer.bytes
    }

    public init?(decoding bytes: [UInt8]) {
        var reader = StateReader(bytes)
        guard reader.version == 1, let generation = reader.int64(), let last = reader.int64(),
            let recommended = reader.int64(), let listens = reader.int64(), let late = reader.int64(),
            let count = reader.count(atMost: Self.ringCapacity)
        else { return nil }
        self.generation = generation
        lastEventMs = last
        lastRecommendationMs = recommended == Int64.min ? nil : recommended
        listenCount = listens
        lateCount = late
        ring.reserveCapacity(count)
        for _ in 0..<count {
            guard let item = reader.int32(), let second = reader.uint32(), let played = reader.uint16(),
                let duration = reader.uint16(), let flags = reader.uint8(), let codes = reader.uint8()
            else { return nil }
            ring.append(SequenceEvent(
                item: item, timestampMs: Int64(second) * 1000, msPlayed: Self.decode(tenths: played),
                durationMs: Self.decode(tenths: duration), skipped: flags & 1 != 0, source: codes & 0x0F,
                device: codes >> 4, novel: flags & 2 != 0
            ))
        }
        guard let hidden = reader.floats(atMost: Self.maximumHidden), reader.isAtEnd else { return nil }
        self.hidden = hidden
    }
}
