/// Baseline: the user's own most-played tracks so far (count of earlier plays), every other
/// item after them by training popularity (tie-breaker in [0, 0.5)).
public struct SequenceMostPlayedBaseline: SequenceScorer {
    let fallback: [Float]
    let log: SequenceLog
    var users: [Int32] = []
    var playCounts: [[Int32: Float]] = []

    /// Popularity from the plays before `cutoffMs`.
    public init(log: SequenceLog, cutoffMs: Int64) {
        self.log = log
        self.fallback = SequencePopularityBaseline.tieBreaker(log.counts(beforeMs: cutoffMs).map(Float.init))
    }

    public var itemCount: Int { log.itemCount }

    public mutating func begin(users: UnsafeBufferPointer<Int32>) {
        self.users = Array(users)
        playCounts = [[Int32: Float]](repeating: [:], count: users.count)
    }

    public mutating func score(lanes: UnsafeBufferPointer<Int32>, into output: UnsafeMutableBufferPointer<Float>) {
        let n = log.itemCount
        fallback.withUnsafeBufferPointer { source in
            for (row, lane) in lanes.enumerated() {
                let out = output.baseAddress! + row * n
                out.update(from: source.baseAddress!, count: n)
                for (item, count) in playCounts[Int(lane)] { out[Int(item)] += count }
            }
        }
    }

    public mutating func advance(wave: Int, activeCount: Int) {
        for lane in 0..<activeCount {
            let item = log.items[log.offsets[Int(users[lane])] + wave]
            if item >= 0 && Int(item) < log.itemCount { playCounts[lane][item, default: 0] += 1 }
        }
    }
}
