#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EncoreCore
import EncoreStore

/// The music pipeline's named baseline: recommend the tracks most played recently by everyone,
/// excluding what the user just played, at most once per user per debounce interval.
///
/// Popularity is an exponentially decayed play count in event time:
/// ```
/// score(item) = Σ over plays p of item: 2^((t_p − t_ref) / halfLife)
/// ```
/// stored relative to a reference time `t_ref` that moves forward (with every score rescaled)
/// when the weights grow large, so scores never overflow. Since it only depends on the plays
/// and their times, it is rebuilt exactly from the stored history after a restart or a failed
/// batch. Later issues replace this stage with the RNN user model and keep it for comparison.
public final class PopularityBaseline {
    /// Settings from the pipeline definition.
    public struct Settings: Sendable, Equatable {
        /// Tracks per recommendation.
        public var topK = 20
        /// At most one recommendation per user per this much event time.
        public var debounce: Duration = .seconds(600)
        /// How many of the user's most recent plays are excluded (and remembered).
        public var excludeRecent = 20
        /// Half-life of a play's weight, in hours of event time.
        public var halfLifeHours = 72.0
        public init() {}
    }

    public static let modelName = "popularity@1"
    public let settings: Settings
    private var scores: [Double] = []
    private var referenceMs: Int64?
    /// Items by descending score, refreshed every `refreshEvery` plays.
    private var ranking: [Int32] = []
    private var playsSinceRanking = 0
    private let refreshEvery = 512
    private let rankingDepth: Int
    private let halfLifeMs: Double
    var users = UserStateCache<MusicUserState>()

    public init(settings: Settings) {
        self.settings = settings
        rankingDepth = settings.topK + settings.excludeRecent + 32
        halfLifeMs = settings.halfLifeHours * 3_600_000
    }

    /// Rebuilds popularity and user states from the store.
    func reload(from store: EncoreStore) throws(StoreError) {
        scores.removeAll(keepingCapacity: true)
        referenceMs = nil
        try store.forEachListenTime { item, timestamp in addPlay(item: item.rawValue, timestampMs: timestamp) }
        refreshRanking()
        try users.reload(from: store)
    }

    /// Applies one listen; returns a recommendation when the user is due one.
    func observe(user: Int32, item: Int32, timestampMs: Int64) -> (items: [(Int32, Float)], timestampMs: Int64)? {
        addPlay(item: item, timestampMs: timestampMs)
        playsSinceRanking += 1
        // Refresh periodically, and at once while the ranking is not full (a young catalogue).
        if playsSinceRanking >= refreshEvery || ranking.count < min(rankingDepth, scores.count) { refreshRanking() }
        let debounceMs = Int64(settings.debounce.components.seconds * 1000)
        let window = settings.excludeRecent
        let topK = settings.topK
        return users.update(user) { state in
            state.record(item: item, timestampMs: timestampMs, window: window)
            if let last = state.lastRecommendationMs, timestampMs - last < debounceMs { return nil }
            var picked: [(Int32, Float)] = []
            picked.reserveCapacity(topK)
            let decay = decayFactor(at: timestampMs)  // the same for every candidate
            for candidate in ranking where !state.recentItems.contains(candidate) {
                picked.append((candidate, Float(scores[Int(candidate)] * decay)))
                if picked.count == topK { break }
            }
            // Nothing to offer yet (a catalogue of only what the user just played): stay silent.
            if picked.isEmpty { return nil }
            state.lastRecommendationMs = timestampMs
            return (picked, timestampMs)
        }
    }

    /// The decayed play count of an item as seen at event time `atMs`.
    public func score(of item: Int32, at atMs: Int64) -> Double {
        guard Int(item) < scores.count else { return 0 }
        return scores[Int(item)] * decayFactor(at: atMs)
    }

    /// What a stored score is worth at `atMs`: 2^((t_ref − atMs) / halfLife).
    private func decayFactor(at atMs: Int64) -> Double {
        guard let referenceMs else { return 0 }
        return Self.exp2((Double(referenceMs) - Double(atMs)) / halfLifeMs)
    }

    private func addPlay(item: Int32, timestampMs: Int64) {
        let index = Int(item)
        if index >= scores.count { scores.append(contentsOf: repeatElement(0, count: index + 1 - scores.count)) }
        let reference = referenceMs ?? timestampMs
        if referenceMs == nil { referenceMs = timestampMs }
        var weight = Self.exp2((Double(timestampMs) - Double(reference)) / halfLifeMs)
        if weight > 1e12 {
            // Move the reference forward: rescale every score so the weights stay small.
            let scale = 1 / weight
            for position in scores.indices { scores[position] *= scale }
            referenceMs = timestampMs
            weight = 1
        }
        scores[index] += weight
    }

    private func refreshRanking() {
        playsSinceRanking = 0
        let depth = min(rankingDepth, scores.count)
        ranking = TopSelection.largest(depth, of: scores)
    }

    private static func exp2(_ x: Double) -> Double { pow(2, x) }
}
