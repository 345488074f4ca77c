import EncoreCore
import EncorePipeline
import EncoreStore
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The popularity baseline as a ``RecommendationSource``: the tracks most played recently by
/// everyone (exponentially decayed play counts in event time, as ``PopularityBaseline``
/// computes them), excluding the user's own recent plays.
///
/// Reads the listening history from the store and keeps the counts up to date incrementally
/// (only listens stored since the last request are read), at most once per `refreshInterval`.
/// An unknown user (never seen in any event) gets `nil`.
public final class PopularityRecommendationSource: RecommendationSource {
    private let store: EncoreStore
    private let users: IdentifierMap
    private let tracks: IdentifierMap
    private let settings: PopularityBaseline.Settings
    private let refreshInterval: Duration
    private let state = Mutex(Counts())

    /// Decayed play counts relative to a reference time that moves forward when weights grow.
    private struct Counts {
        var scores: [Double] = []
        var referenceMs: Int64?
        var newestMs: Int64?
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
    }

    public func recommendations(for user: UserID, k: Int) async throws -> Recommendation? {
        precondition(k > 0, "k must be positive")
        guard let index = users.index(of: user.rawValue) else { return nil }
        let recent = try store.recentListens(of: UserIndex(index), limit: max(settings.excludeRecent, 1))
        let excluded = Set(recent.prefix(settings.excludeRecent).map(\.item.rawValue))
        let halfLifeMs = settings.halfLifeHours * 3_600_000
        let (picked, timestampMs) = try state.withLock { counts throws(StoreError) -> ([(Int32, Double)], Int64) in
            try refresh(&counts, halfLifeMs: halfLifeMs)
            let atMs = recent.first?.timestampMs ?? counts.newestMs ?? 0
            let decay = counts.referenceMs.map { pow(2, (Double($0) - Double(atMs)) / halfLifeMs) } ?? 0
            return (Self.top(k, of: counts.scores, excluding: excluded, scale: decay), atMs)
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

    /// Adds the listens stored since the last refresh.
    private func refresh(_ counts: inout Counts, halfLifeMs: Double) throws(StoreError) {
        if let last = counts.lastRefresh, last.duration(to: .now) < refreshInterval { return }
        counts.lastRefresh = .now
        var scores = counts.scores
        var referenceMs = counts.referenceMs
        var newestMs = counts.newestMs
        counts.lastRowID = try store.forEachListenTime(afterRowID: counts.lastRowID) { item, timestampMs in
            let position = Int(item.rawValue)
            if position >= scores.count {
                scores.append(contentsOf: repeatElement(0, count: position + 1 - scores.count))
            }
            let reference = referenceMs ?? timestampMs
            if referenceMs == nil { referenceMs = timestampMs }
            newestMs = max(newestMs ?? timestampMs, timestampMs)
            var weight = pow(2, (Double(timestampMs) - Double(reference)) / halfLifeMs)
            if weight > 1e12 {
                let scale = 1 / weight
                for index in scores.indices { scores[index] *= scale }
                referenceMs = timestampMs
                weight = 1
            }
            scores[position] += weight
        }
        counts.scores = scores
        counts.referenceMs = referenceMs
        counts.newestMs = newestMs
    }

    /// The `k` best items not excluded, best first (ties by smaller index), scores scaled.
    private static func top(_ k: Int, of scores: [Double], excluding excluded: Set<Int32>, scale: Double)
        -> [(Int32, Double)]
    {
        var best: [(Int32, Double)] = []
        best.reserveCapacity(k + 1)
        for (index, score) in scores.enumerated() where score > 0 && !excluded.contains(Int32(index)) {
            if best.count == k, let worst = best.last, score <= worst.1 { continue }
            let position = best.firstIndex { score > $0.1 } ?? best.count
            best.insert((Int32(index), score), at: position)
            if best.count > k { best.removeLast() }
        }
        return best.map { ($0.0, $0.1 * scale) }
    }
}
