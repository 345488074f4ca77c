import EncoreEvaluation
import EncoreModels

/// A `--data synthetic:…` argument: a seeded ``SyntheticInteractionGraph`` instead of files.
///
/// `synthetic:gowalla` is the graph of `encore bench lightgcn` (29,858 users, 40,981 items,
/// 810,128 training pairs, seed 2020); `synthetic:USERSxITEMSxPAIRS` (optionally `:SEED`)
/// gives another size.
struct SyntheticDataSpec: Equatable {
    var users: Int
    var items: Int
    var trainPairs: Int
    var seed: UInt64 = 2020

    /// Parses the argument.
    ///
    /// - Throws: ``EncoreModels/ModelError`` (`.invalidInput`) for a malformed argument.
    init(_ argument: String) throws {
        let parts = argument.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, parts.count <= 3, parts[0] == "synthetic" else {
            throw ModelError(.invalidInput, "expected synthetic:gowalla or synthetic:USERSxITEMSxPAIRS[:SEED], got '\(argument)'")
        }
        if parts[1] == "gowalla" {
            users = 29_858
            items = 40_981
            trainPairs = 810_128
        } else {
            let sizes = parts[1].split(separator: "x").compactMap { Int($0) }
            guard sizes.count == 3, sizes[1] >= 8, sizes[2] >= sizes[0], sizes[2] <= sizes[0] * min(sizes[1] / 4, 2000) else {
                throw ModelError(
                    .invalidInput,
                    "expected synthetic:USERSxITEMSxPAIRS with ≥ 8 items and USERS ≤ PAIRS ≤ USERS·min(ITEMS/4, 2000), got '\(argument)'")
            }
            (users, items, trainPairs) = (sizes[0], sizes[1], sizes[2])
        }
        if parts.count == 3 {
            guard let seed = UInt64(parts[2]) else {
                throw ModelError(.invalidInput, "synthetic seed '\(parts[2])' is not a number")
            }
            self.seed = seed
        }
    }

    /// Generates the data set.
    func generate() throws -> InteractionDataset {
        try SyntheticInteractionGraph.generate(users: users, items: items, trainCount: trainPairs, seed: seed)
    }
}
