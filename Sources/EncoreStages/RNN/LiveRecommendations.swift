import EncoreCore
import EncoreModels
import EncorePipeline
import EncoreStore

/// Recommendations on demand (the HTTP API) from a user's committed RNN state and the current
/// generation — the same computation the music stage performs on a listen.
///
/// Reads only what is committed in SQLite and the immutable current generation, so it is safe on
/// any thread while the pipeline runs. A state from an older generation is replayed under the
/// current one in memory first (nothing is written), so an answer never mixes generations.
public struct LiveRecommendations: Sendable {
    public let store: EncoreStore
    public let users: IdentifierMap
    public let tracks: IdentifierMap
    public let generations: ModelGenerations
    /// The user's latest plays left out (as the stage does).
    public var excludeRecent: Int

    public init(
        store: EncoreStore, users: IdentifierMap, tracks: IdentifierMap, generations: ModelGenerations,
        excludeRecent: Int = SequenceStage.Settings().excludeRecent
    ) {
        self.store = store
        self.users = users
        self.tracks = tracks
        self.generations = generations
        self.excludeRecent = excludeRecent
    }

    /// Why no recommendation could be made.
    public enum Unavailable: Error, Equatable {
        /// The user id was never seen.
        case unknownUser
        /// No model generation is installed yet.
        case noModel
        /// The user has no listens remembered yet.
        case noHistory
    }

    /// The top-`k` tracks for `userID` after the user's newest listen (the recommendation's time).
    public func recommendation(for userID: UserID, k: Int) throws -> Recommendation {
        guard let user = users.index(of: userID.rawValue) else { throw Unavailable.unknownUser }
        guard let generation = generations.currentMusic else { throw Unavailable.noModel }
        guard let row = try store.userState(UserIndex(user), kind: SequenceUserState.kind),
            var state = SequenceUserState(decoding: row.state), !state.ring.isEmpty
        else { throw Unavailable.noHistory }
        var workspace = SequenceWorkspace(model: generation.model, maximumCount: 1)
        if state.generation != generation.id || state.hidden.count != generation.model.stateSize {
            SequenceStage.replay(&state, generation: generation, workspace: &workspace)
        }
        let items = SequenceStage.recommend(
            state, generation: generation, k: k, excludeRecent: excludeRecent, workspace: &workspace)
        return Recommendation(
            userID: userID, timestampMs: state.lastEventMs, model: generation.label,
            items: zip(tracks.ids(at: items.map(\.0)), items).map { ScoredTrack(trackID: TrackID($0 ?? ""), score: $1.1) },
            reason: SequenceStage.reason
        )
    }
}
