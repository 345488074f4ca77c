import EncorePipeline

/// What the popularity baseline remembers per user: recent plays (to exclude them) and when
/// the user last got a recommendation (to debounce).
///
/// Stored under kind `music.popularity`; serialized to well under 4 KiB (version byte, counters, at most 200 recent item indices).
public struct MusicUserState: StoredUserState, Equatable {
    /// Most recent item indices, oldest first, at most the configured window.
    public var recentItems: [Int32] = []
    /// Event time of the last recommendation produced, or `nil` if none yet.
    public var lastRecommendationMs: Int64?
    public var listenCount: Int64 = 0
    public var lastListenMs: Int64 = 0

    public init() {}

    public static let kind = "music.popularity"
    public static let maximumRecent = 200

    /// Records a play, keeping at most `window` recent items.
    mutating func record(item: Int32, timestampMs: Int64, window: Int) {
        listenCount += 1
        lastListenMs = max(lastListenMs, timestampMs)
        guard window > 0 else { return }
        if recentItems.count >= window { recentItems.removeFirst(recentItems.count - window + 1) }
        recentItems.append(item)
    }

    public func encoded() -> [UInt8] {
        var writer = StateWriter(version: 1, capacity: 32 + 4 * recentItems.count)
        writer.append(listenCount)
        writer.append(lastListenMs)
        writer.append(lastRecommendationMs ?? Int64.min)
        writer.append(count: recentItems.count)
        for item in recentItems { writer.append(item) }
        return writer.bytes
    }

    public init?(decoding bytes: [UInt8]) {
        var reader = StateReader(bytes)
        guard reader.version == 1, let listens = reader.int64(), let last = reader.int64(),
            let recommended = reader.int64(), let count = reader.count(atMost: Self.maximumRecent)
        else { return nil }
        listenCount = listens
        lastListenMs = last
        lastRecommendationMs = recommended == Int64.min ? nil : recommended
        recentItems.reserveCapacity(count)
        for _ in 0..<count {
            guard let item = reader.int32() else { return nil }
            recentItems.append(item)
        }
        guard reader.isAtEnd else { return nil }
    }
}
