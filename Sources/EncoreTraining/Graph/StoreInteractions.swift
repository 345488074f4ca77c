import EncoreCore
import EncoreEvaluation
import EncoreStore

/// The interactions Encore's SQLite store accumulated, as a training data set.
///
/// Every stored listen becomes one (user index, item index, event time) interaction on the
/// store's own dense indices, so a model trained on it lines up with the ids the pipelines use;
/// repeated plays of a track by a user count once. The split is per user, temporal by default
/// (the last 20 % of each user's listens are the test set).
public enum StoreInteractions {
    /// Loads and splits the listens of the store at `path`.
    public static func load(
        path: String, split: InteractionSplitter = InteractionSplitter(order: .temporal)
    ) throws -> InteractionDataset {
        let store = try EncoreStore(path: path)
        let users = try IdentifierMap(kind: .users, store: store)
        let tracks = try IdentifierMap(kind: .tracks, store: store)
        let interactions = try interactions(in: store)
        guard !interactions.isEmpty else {
            throw EvaluationError(.unreadableFile, "the store at \(path) holds no listens")
        }
        return try split.split(interactions, userCount: users.count, itemCount: tracks.count)
    }

    /// The first play of each (user, track) pair, with its event time.
    static func interactions(in store: EncoreStore) throws -> [Interaction] {
        var seen = Set<Int64>()
        var result: [Interaction] = []
        for listen in try store.listens() {
            let pair = Int64(listen.user.rawValue) << 32 | Int64(UInt32(bitPattern: listen.item.rawValue))
            if seen.insert(pair).inserted {
                result.append(Interaction(user: listen.user.rawValue, item: listen.item.rawValue, timestamp: listen.timestampMs))
            }
        }
        return result
    }
}
