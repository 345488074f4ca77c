import EncoreCore
import EncoreNumerics

/// The LightGCN reference sampler (PyTorch, Python path), seeded.
///
/// An epoch has |E| triplets (u, i⁺, j⁻): u uniform with replacement over users that have
/// training items (and at least one item they have not seen), i⁺ uniform over u's training
/// items, j⁻ uniform over all items, redrawn while it is a training positive (binary search in
/// u's sorted row). Test items may be negatives. The reference shuffles the triplets before
/// batching; they are drawn i.i.d., so the order is already random and no shuffle is needed.
public struct BPRSampler: Sendable {
    /// The training matrix R (users × items).
    public let interactions: SparseMatrix
    /// Users that can be drawn.
    public let eligibleUsers: [Int32]
    /// The generator (its state makes resumption exact).
    public var generator: SeededGenerator

    /// Creates a sampler.
    ///
    /// - Throws: ``ModelError`` if no user has a training item.
    public init(interactions: SparseMatrix, seed: UInt64) throws {
        self.interactions = interactions
        eligibleUsers = (0..<interactions.rows)
            .filter { interactions.rowLength($0) > 0 && interactions.rowLength($0) < interactions.columns }
            .map(Int32.init)
        guard !eligibleUsers.isEmpty else {
            throw ModelError(.invalidInput, "no user has a training item (and an unseen item to use as negative)")
        }
        generator = SeededGenerator(seed: seed)
    }

    /// Triplets per epoch (|E|).
    public var tripletsPerEpoch: Int { interactions.nonzeroCount }

    /// Fills the buffers with `users.count` triplets.
    public mutating func sample(
        users: UnsafeMutableBufferPointer<Int32>, positives: UnsafeMutableBufferPointer<Int32>,
        negatives: UnsafeMutableBufferPointer<Int32>
    ) {
        precondition(users.count == positives.count && users.count == negatives.count, "buffer sizes differ")
        let itemCount = interactions.columns
        interactions.rowOffsets.withUnsafeBufferPointer { offsets in
            interactions.columnIndices.withUnsafeBufferPointer { items in
                for t in 0..<users.count {
                    let user = eligibleUsers[generator.nextInt(below: eligibleUsers.count)]
                    let start = offsets[Int(user)], end = offsets[Int(user) + 1]
                    let positive = items[start + generator.nextInt(below: end - start)]
                    var negative: Int32
                    repeat {
                        negative = Int32(generator.nextInt(below: itemCount))
                    } while Self.sortedContains(items, start, end, negative)
                    users[t] = user
                    positives[t] = positive
                    negatives[t] = negative
                }
            }
        }
    }

    @inline(__always)
    static func sortedContains(_ items: UnsafeBufferPointer<Int32>, _ start: Int, _ end: Int, _ value: Int32) -> Bool {
        var low = start, high = end
        while low < high {
            let middle = (low + high) &>> 1
            let v = items[middle]
            if v == value { return true }
            if v < value { low = middle + 1 } else { high = middle }
        }
        return false
    }
}
