import EncoreCore
import EncorePipeline
import EncoreStore

/// The music pipeline's named baseline: recommend the tracks most played recently by everyone
/// (``DecayedPopularity``), excluding what the user just played, at most once per user per
/// debounce interval. It answers until a model stage of the pipeline serves (the RNN's first
/// generation) and is kept for comparison.
///
/// Popularity is rebuilt exactly from the stored history after a restart or a failed batch.
public final class PopularityBaseline: PipelineStage {
    /// Settings from the pipeline definition (`type: popularity_baseline`); also the stage's
    /// ``StageDefinition`` (PopularityBaseline+Definition.swift).
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
    public static let reason = "popular recently, excluding your last plays"
    public let settings: Settings
    private var popularity: DecayedPopularity
    /// Items by descending score, refreshed every `refreshEvery` plays.
    private var ranking: [Int32] = []
    private var playsSinceRanking = 0
    private let refreshEvery = 512
    private let rankingDepth: Int
    var users = UserStateCache<MusicUserState>()

    public init(settings: Settings) {
        self.settings = settings
        rankingDepth = settings.topK + settings.excludeRecent + 32
        popularity = DecayedPopularity(halfLifeHours: settings.halfLifeHours)
    }

    /// Rebuilds popularity and user states from the store.
    public func reload(from store: EncoreStore) throws(StoreError) {
        popularity.removeAll()
        try store.forEachListenTime { item, timestamp in popularity.add(item: item.rawValue, timestampMs: timestamp) }
        refreshRanking()
        try users.reload(from: store)
    }

    public func process(_ events: [StageEvent], in batch: StageBatch) throws {
        for event in events {
            guard case .listen(let listen, let user, let item, let position) = event,
                let due = observe(user: user, item: item, timestampMs: listen.timestampMs)
            else { continue }
            // A model stage answering this batch speaks instead (the baseline still learns).
            if batch.modelAnswers { continue }
            try batch.recommend(
                user: listen.userID, items: due.items, timestampMs: due.timestampMs, position: position,
                model: Self.modelName, reason: Self.reason)
        }
    }

    public func commitState(to batch: StageBatch) {
        users.write(into: &batch.write, updatedMs: batch.summary.lastEventMs ?? 0)
        users.clearTouched()
    }

    /// Applies one listen; returns a recommendation when the user is due one.
    func observe(user: Int32, item: Int32, timestampMs: Int64) -> (items: [(Int32, Float)], timestampMs: Int64)? {
        popularity.add(item: item, timestampMs: timestampMs)
        playsSinceRanking += 1
        // Refresh periodically, and at once while the ranking is not full (a young catalogue).
        if playsSinceRanking >= refreshEvery || ranking.count < min(rankingDepth, popularity.scores.count) {
            refreshRanking()
        }
        let debounceMs = Int64(settings.debounce.components.seconds * 1000)
        let window = settings.excludeRecent
        let topK = settings.topK
        return users.update(user) { state in
            state.record(item: item, timestampMs: timestampMs, window: window)
            if let last = state.lastRecommendationMs, timestampMs - last < debounceMs { return nil }
            var picked: [(Int32, Float)] = []
            picked.reserveCapacity(topK)
            let decay = popularity.decayFactor(at: timestampMs)  // the same for every candidate
            for candidate in ranking where !state.recentItems.contains(candidate) {
                picked.append((candidate, Float(popularity.scores[Int(candidate)] * decay)))
                if picked.count == topK { break }
            }
            // Nothing to offer yet (a catalogue of only what the user just played): stay silent.
            if picked.isEmpty { return nil }
            state.lastRecommendationMs = timestampMs
            return (picked, timestampMs)
        }
    }

    /// The decayed play count of an item as seen at event time `atMs`.
    public func score(of item: Int32, at atMs: Int64) -> Double { popularity.score(of: item, at: atMs) }

    private func refreshRanking() {
        playsSinceRanking = 0
        let depth = min(rankingDepth, popularity.scores.count)
        ranking = TopSelection.largest(depth, of: popularity.scores)
    }
}
