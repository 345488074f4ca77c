/// One listen in the compact form the streaming state keeps (ring buffer) and the trainer reads.
///
/// Item indices are the dense ``ItemIndex`` values of the store (or of a loaded data set);
/// times are epoch milliseconds. Unknown play lengths are -1.
public struct SequenceEvent: Sendable, Equatable {
    /// Dense item index.
    public var item: Int32
    /// Event time, epoch milliseconds.
    public var timestampMs: Int64
    /// Milliseconds played, -1 if unknown.
    public var msPlayed: Int32
    /// Track duration in milliseconds, -1 if unknown.
    public var durationMs: Int32
    /// The explicit skip flag of the event.
    public var skipped: Bool
    /// Playback source code: 0 other, 1 playlist, 2 album, 3 artist, 4 search, 5 radio.
    public var source: UInt8
    /// Device code: 0 unknown, 1 mobile, 2 desktop, 3 web, 4 speaker, 5 car, 6 other.
    public var device: UInt8
    /// Whether the user never played the item before this event.
    public var novel: Bool

    /// Creates an event.
    public init(
        item: Int32, timestampMs: Int64, msPlayed: Int32 = -1, durationMs: Int32 = -1, skipped: Bool = false,
        source: UInt8 = 0, device: UInt8 = 0, novel: Bool = false
    ) {
        self.item = item
        self.timestampMs = timestampMs
        self.msPlayed = msPlayed
        self.durationMs = durationMs
        self.skipped = skipped
        self.source = source
        self.device = device
        self.novel = novel
    }

    /// Number of source codes (width of the source one-hot).
    public static let sourceCount = 6
    /// Number of device codes (width of the device one-hot).
    public static let deviceCount = 7

    /// The source code of a context's `source` string (unknown names are 0, "other").
    public static func source(named name: String?) -> UInt8 {
        switch name?.lowercased() {
        case "playlist": 1
        case "album": 2
        case "artist": 3
        case "search": 4
        case "radio": 5
        default: 0
        }
    }

    /// The device code of a context's `device` string (`nil` is 0, unknown names 6, "other").
    public static func device(named name: String?) -> UInt8 {
        guard let name else { return 0 }
        switch name.lowercased() {
        case "mobile", "phone", "smartphone": return 1
        case "desktop", "computer": return 2
        case "web", "browser": return 3
        case "speaker": return 4
        case "car": return 5
        default: return 6
        }
    }

    /// Whether the event counts as a skip: the explicit flag, or fewer than 30 s played of a
    /// track longer than that (the rule of `ListenEvent.isSkip`). Skips are inputs, never targets.
    @inlinable
    public var isSkip: Bool {
        skipped || (msPlayed >= 0 && durationMs > 30_000 && msPlayed < 30_000)
    }
}
