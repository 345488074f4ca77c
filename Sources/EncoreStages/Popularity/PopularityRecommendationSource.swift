import EncoreCore
import EncorePipeline
import EncoreStore
import Synchronization

/// The popularity baseline on demand (the HTTP API's answer while no model serves): the tracks
/// most played recently by everyone — the same ``DecayedPopularity`` the stage keeps — excluding
/// the user's own recent plays.
///
/// Reads the listening history from the store and keeps the counts up to date incrementally
/// (only listens stored since the last request are read), at most once per `refreshInterval`.
/// An unknown user (never seen in any event) gets `nil`. Safe on any thread.
public final class PopularityRecommendationSource: Sendable {
    private let store: EncoreStore
    private let users: IdentifierMap
    private let tracks: IdentifierMap
    private let settings: PopularityBaseline.Settings
    private let refreshInterval: Duration
    private let state: Mutex<Counts>

    private struct Counts {
        var popularity: DecayedPopularity
        var lastRowID: Int64 = 0
        var lastRefresh: ContinuousClock.Instant?
    }

    /// - Parameters:
    ///   - settings: the music pipeline's popularity settings (half-life, recent plays excluded).
    ///   - refreshInterval: the longest the counts may lag behind the store.
    public init(
        store: EncoreStore, users: IdentifierMap, tracks: IdentifierMap,
        settings: PopularityBaseline.Settings = .init(), refreshInterval: Duration = .seconds(1)
    ) {
        self.store = store
        self.users = users
        self.tracks = tracks
        self.settings = settings
        self.refreshInterval = refreshInterval
        state = Mutex(Counts(popularity: DecayedPopularity(halfLifeHours: settings.halfLifeHours)))
    }

    /// The top `k` popular tracks the user has not just played, scored at the user's newest
    /// listen; `nil` for an unknown user.
    public func recommendation(for user: UserID, k: Int) throws -> Recommendation? {
        precondition(k > 0, "k must be positive")
        guard let index = users.index(of: user.rawValue) else { return nil }
        let recent = try store.recentListens(of: UserIndex(index), limit: max(settings.excludeRecent, 1))
        let excluded = Set(recent.prefix(settings.excludeRecent).map(\.item.rawValue))
        let refreshInterval = refreshInterval
        let store = store
        let (picked, timestampMs) = try state.withLock { counts throws(StoreError) -> ([(Int32, Double)], Int64) in
            if counts.lastRefresh.map({ $0.duration(to: .now) >= refreshInterval }) ?? true {
                counts.lastRefresh = .now
                var popularity = counts.popularity
                counts.lastRowID = try store.forEachListenTime(afterRowID: counts.lastRowID) { item, timestampMs in
                    popularity.add(item: item.rawValue, timestampMs: timestampMs)
                }
                counts.popularity = popularity
            }
            let atMs = recent.first?.timestampMs ?? counts.popularity.newestMs ?? 0
            let decay = counts.popularity.decayFactor(at: atMs)
            let best = TopSelection.largest(k + excluded.count, of: counts.popularity.scores)
            let scores = counts.popularity.scores
            let kept = best.filter { !excluded.contains($0) && scores[Int($0)] > 0 }.prefix(k)
            return (kept.map { ($0, scores[Int($0)] * decay) }, atMs)
        }
        let ids = tracks.ids(at: picked.map(\.0))
        var items: [ScoredTrack] = []
        items.reserveCapacity(picked.count)
        for (position, id) in ids.enumerated() {
            guard let id else { continue }
            items.append(ScoredTrack(trackID: TrackID(id), score: Float(picked[position].1)))
        }
        return Recommendation(
            userID: user, timestampMs: timestampMs, model: PopularityBaseline.modelName, items: items,
            reason: "popular, excluding recent plays"
        )
    }
}
