/// Baseline: last-item co-occurrence item-kNN (GRU4Rec's item-kNN).
///
/// ```
/// sim(i, j) = co(i, j) / √(cnt(i) · cnt(j))
/// ```
/// co = number of training sessions (30-minute gaps) holding both items, cnt = sessions holding
/// the item. A point is scored by similarity to the user's last event's item; neighbours come
/// first (1 + sim), every other item after them by popularity (tie-breaker in [0, 0.5)).
public struct SequenceItemKNNBaseline: SequenceScorer {
    /// CSR rows of the similarity matrix.
    let rowStarts: [Int]
    let neighbours: [Int32]
    let similarities: [Float]
    let fallback: [Float]
    let log: SequenceLog
    var users: [Int32] = []
    var lastItem: [Int32] = []

    /// Builds the similarities from the sessions before `cutoffMs`.
    public init(log: SequenceLog, cutoffMs: Int64, sessionGapMs: Int64 = 30 * 60 * 1000) {
        self.log = log
        let n = log.itemCount
        var sessionCounts = [Int](repeating: 0, count: n)
        var pairs = [UInt64]()
        for session in log.sessions(beforeMs: cutoffMs, gapMs: sessionGapMs) {
            let distinct = Array(Set(session.filter { $0 >= 0 && Int($0) < n })).sorted()
            for item in distinct { sessionCounts[Int(item)] += 1 }
            for a in distinct.indices {
                for b in distinct.indices where b != a {
                    pairs.append(UInt64(UInt32(distinct[a])) << 32 | UInt64(UInt32(distinct[b])))
                }
            }
        }
        pairs.sort()
        var rowStarts = [Int](repeating: 0, count: n + 1)
        var neighbours = [Int32](), similarities = [Float]()
        var index = 0
        while index < pairs.count {
            var end = index + 1
            while end < pairs.count && pairs[end] == pairs[index] { end += 1 }
            let i = Int(pairs[index] >> 32), j = Int(pairs[index] & 0xFFFF_FFFF)
            neighbours.append(Int32(j))
            similarities.append(Float(Double(end - index) / (Double(sessionCounts[i]) * Double(sessionCounts[j])).squareRoot()))
            rowStarts[i + 1] += 1
            index = end
        }
        for i in 0..<n { rowStarts[i + 1] += rowStarts[i] }
        self.rowStarts = rowStarts
        self.neighbours = neighbours
        self.similarities = similarities
        self.fallback = SequencePopularityBaseline.tieBreaker(log.counts(beforeMs: cutoffMs).map(Float.init))
    }

    /// The neighbours of `item` with their similarity (for tests and inspection).
    public func neighbours(of item: Int32) -> [(item: Int32, similarity: Float)] {
        let range = rowStarts[Int(item)]..<rowStarts[Int(item) + 1]
        return range.map { (neighbours[$0], similarities[$0]) }
    }

    public var itemCount: Int { log.itemCount }

    public mutating func begin(users: UnsafeBufferPointer<Int32>) {
        self.users = Array(users)
        lastItem = [Int32](repeating: -1, count: users.count)
    }

    public mutating func score(lanes: UnsafeBufferPointer<Int32>, into output: UnsafeMutableBufferPointer<Float>) {
        let n = log.itemCount
        fallback.withUnsafeBufferPointer { source in
            for (row, lane) in lanes.enumerated() {
                let out = output.baseAddress! + row * n
                out.update(from: source.baseAddress!, count: n)
                let item = lastItem[Int(lane)]
                guard item >= 0 && Int(item) < n else { continue }
                for index in rowStarts[Int(item)]..<rowStarts[Int(item) + 1] {
                    out[Int(neighbours[index])] += 1 + similarities[index]
                }
            }
        }
    }

    public mutating func advance(wave: Int, activeCount: Int) {
        for lane in 0..<activeCount { lastItem[lane] = log.items[log.offsets[Int(users[lane])] + wave] }
    }
}
