import CHNSW

#if canImport(Glibc)
    import Glibc
#endif

/// Approximate maximum-inner-product search over float vectors: an HNSW graph from hnswlib
/// (Debian's `libhnswlib-dev`, through the `CHNSW` C shim). Why hnswlib, and the measurements
/// behind the default parameters: docs/design/retrieval-index.md.
///
/// Inner products are searched as Euclidean distances (Bachrach et al. 2014): a vector x is
/// stored as (x, √(R² − |x|²)) and a query q as (q, 0), so |q − x|² = |q|² + R² − 2⟨q, x⟩ and
/// the nearest stored vectors are exactly those with the largest inner products. R is the
/// largest norm at build time times ``Parameters/normHeadroom``, so vectors added later may be
/// somewhat longer; a longer one is stored with its last coordinate at 0 and counted in
/// ``overlongVectors`` (its inner products are then slightly understated in the ranking).
/// Measured against hnswlib's own inner-product space on the same data, the transform gives a
/// higher recall at the same search effort (the design note's table).
///
/// The graph is deterministic: the same vectors added in the same order with the same parameters
/// give the same graph (hnswlib draws node levels from a seeded generator and inserts are made one
/// at a time here), so every instance that builds the index of one model generation answers a
/// query identically.
///
/// Searches may run on several threads at once; ``add(_:label:)`` takes the index exclusively (a
/// reader–writer lock), so new items can join while the index serves.
public final class InnerProductIndex: @unchecked Sendable {
    /// The graph's shape and search effort.
    public struct Parameters: Sendable, Equatable {
        /// Links per node (hnswlib's M).
        public var links = 16
        /// Candidates examined per insert (hnswlib's ef_construction).
        public var buildCandidates = 100
        /// Candidates examined per search (hnswlib's ef); a search returns up to this many.
        public var searchCandidates = 128
        /// R as a multiple of the longest vector given at build time.
        public var normHeadroom: Float = 1.25
        /// Seed of the level draws.
        public var seed: UInt64 = 100
        public init() {}
    }

    /// A failure of the underlying library (allocation, a bad argument).
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Width of the vectors (the stored ones have one more coordinate).
    public let dimension: Int
    public let parameters: Parameters
    /// R²: the squared norm every stored vector is lifted to.
    public let squaredBound: Float
    private let handle: OpaquePointer
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>
    private var overlong = 0

    /// An index of `count` row-major vectors (`dimension` floats each), row r labelled r, with
    /// room for `capacity` vectors in all (it grows past it).
    public init(
        rows: UnsafeBufferPointer<Float>, count: Int, dimension: Int, capacity: Int? = nil,
        parameters: Parameters = Parameters()
    ) throws(Failure) {
        guard dimension > 0 else { throw Failure(description: "index dimension must be positive (got \(dimension))") }
        guard count >= 0, rows.count >= count * dimension else {
            throw Failure(description: "\(rows.count) values cannot hold \(count) vectors of \(dimension)")
        }
        guard parameters.links >= 2, parameters.buildCandidates >= 1, parameters.searchCandidates >= 1,
            parameters.normHeadroom >= 1
        else { throw Failure(description: "index parameters out of range (links ≥ 2, headroom ≥ 1): \(parameters)") }
        var longest: Float = 0
        for row in 0..<count {
            var sum: Float = 0
            for k in 0..<dimension { sum += rows[row * dimension + k] * rows[row * dimension + k] }
            longest = max(longest, sum)
        }
        guard longest.isFinite else { throw Failure(description: "vectors must be finite") }
        squaredBound = max(longest, .leastNormalMagnitude) * parameters.normHeadroom * parameters.normHeadroom
        var message = [CChar](repeating: 0, count: 256)
        guard
            let handle = chnsw_create(
                CHNSW_SQUARED_L2, dimension + 1, max(1, capacity ?? count), parameters.links, parameters.buildCandidates,
                parameters.seed, &message, message.count)
        else { throw Failure(description: "cannot create the index: \(Self.text(message))") }
        chnsw_set_ef(handle, parameters.searchCandidates)
        self.handle = handle
        self.dimension = dimension
        self.parameters = parameters
        lock = .allocate(capacity: 1)
        pthread_rwlock_init(lock, nil)
        for row in 0..<count {
            try add(UnsafeBufferPointer(rebasing: rows[(row * dimension)..<((row + 1) * dimension)]), label: row)
        }
    }

    deinit {
        chnsw_destroy(handle)
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    /// Vectors in the index.
    public var count: Int {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return chnsw_count(handle)
    }

    /// Vectors added after the build that were longer than R (see the type's description).
    public var overlongVectors: Int {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return overlong
    }

    /// Adds `vector` (``dimension`` floats) under `label`; a label added again replaces its vector.
    public func add(_ vector: UnsafeBufferPointer<Float>, label: Int) throws(Failure) {
        guard vector.count == dimension else {
            throw Failure(description: "vector has \(vector.count) values, the index \(dimension)")
        }
        guard label >= 0 else { throw Failure(description: "labels must not be negative (got \(label))") }
        var squared: Float = 0
        for value in vector { squared += value * value }
        guard squared.isFinite else { throw Failure(description: "vector \(label) is not finite") }
        var message = [CChar](repeating: 0, count: 256)
        let status = withUnsafeTemporaryAllocation(of: Float.self, capacity: dimension + 1) { lifted in
            _ = lifted.initialize(from: vector)
            lifted[dimension] = max(0, squaredBound - squared).squareRoot()
            pthread_rwlock_wrlock(lock)
            defer { pthread_rwlock_unlock(lock) }
            if squared > squaredBound { overlong += 1 }
            return chnsw_add(handle, lifted.baseAddress!, UInt64(label), &message, message.count)
        }
        if status != 0 { throw Failure(description: "cannot add to the index: \(Self.text(message))") }
    }

    /// The labels of up to `labels.count` vectors with the largest inner product with `query`
    /// (``dimension`` floats), best first — at most ``Parameters/searchCandidates``: ask for that
    /// many to get every candidate the search examined closely — and their inner products as
    /// the graph computed them, in `scores`. Returns how many.
    public func search(
        _ query: UnsafePointer<Float>, labels: UnsafeMutableBufferPointer<UInt64>, scores: UnsafeMutableBufferPointer<Float>
    ) -> Int {
        precondition(scores.count >= labels.count, "scores buffer too small")
        guard labels.count > 0 else { return 0 }
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: dimension + 1) { lifted in
            var squared: Float = 0
            for k in 0..<dimension {
                lifted[k] = query[k]
                squared += query[k] * query[k]
            }
            lifted[dimension] = 0
            pthread_rwlock_rdlock(lock)
            let found = max(0, chnsw_search(handle, lifted.baseAddress!, labels.count, labels.baseAddress!, scores.baseAddress!))
            pthread_rwlock_unlock(lock)
            // |q − x|² = |q|² + R² − 2⟨q, x⟩
            for slot in 0..<found { scores[slot] = (squared + squaredBound - scores[slot]) / 2 }
            return found
        }
    }

    private static func text(_ message: [CChar]) -> String {
        String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
