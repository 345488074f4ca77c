import EncoreCore
import EncoreNumerics

/// Splits an in-memory interaction list into train and test, per user.
///
/// Each user's interactions are ordered (by time, or shuffled with a seed) and the last
/// `testFraction` of them (rounded down, at least one kept for training) go to test, the way
/// RecBole's ratio split grouped by user works.
public struct InteractionSplitter: Sendable {
    /// How each user's interactions are ordered before the cut.
    public enum Order: Sendable, Equatable {
        /// By timestamp, ties by input position: the latest interactions are the test set.
        case temporal
        /// Uniformly shuffled with a seed.
        case random(seed: UInt64)
    }

    /// Ordering before the cut.
    public var order: Order
    /// Share of each user's interactions held out for test, in [0, 1).
    public var testFraction: Double

    /// Creates a splitter.
    public init(order: Order, testFraction: Double = 0.2) {
        precondition(testFraction >= 0 && testFraction < 1, "testFraction must be in [0, 1)")
        self.order = order
        self.testFraction = testFraction
    }

    /// Splits the interactions.
    ///
    /// - Parameters:
    ///   - interactions: Observed interactions with dense indices.
    ///   - userCount: Number of users, or `nil` for max index + 1.
    ///   - itemCount: Number of items, or `nil` for max index + 1.
    /// - Throws: ``EvaluationError`` for indices out of range.
    public func split(_ interactions: [Interaction], userCount: Int? = nil, itemCount: Int? = nil) throws
        -> InteractionDataset
    {
        let users = userCount ?? (interactions.map { Int($0.user) }.max().map { $0 + 1 } ?? 0)
        let items = itemCount ?? (interactions.map { Int($0.item) }.max().map { $0 + 1 } ?? 0)
        var perUser = [[Int]](repeating: [], count: users)
        for (position, interaction) in interactions.enumerated() {
            guard interaction.user >= 0, Int(interaction.user) < users else {
                throw EvaluationError(.inconsistentData, "user index \(interaction.user) outside 0..<\(users)")
            }
            perUser[Int(interaction.user)].append(position)
        }
        var rng = SeededGenerator(seed: { if case .random(let seed) = order { return seed } else { return 0 } }())
        var train = [(Int32, Int32)](), test = [(Int32, Int32)]()
        for positions in perUser where !positions.isEmpty {
            var ordered = positions
            switch order {
            case .temporal:
                ordered.sort { (interactions[$0].timestamp, $0) < (interactions[$1].timestamp, $1) }
            case .random:
                ordered.withUnsafeMutableBufferPointer { rng.shuffle($0) }
            }
            let testCount = min(Int(Double(ordered.count) * testFraction), ordered.count - 1)
            let cut = ordered.count - testCount
            for (rank, position) in ordered.enumerated() {
                let pair = (interactions[position].user, interactions[position].item)
                if rank < cut { train.append(pair) } else { test.append(pair) }
            }
        }
        return try InteractionDataset(userCount: users, itemCount: items, train: train, test: test)
    }
}
