/// Next-item evaluation on a temporal split with the state carried forward event by event.
///
/// Every user with test events is walked from their first event: training-period events only
/// advance the scorer; each listened test event with a previous event and a target inside the
/// training vocabulary is a point, predicted from the state after the previous event
/// (docs/design/sequence-model.md §5).
/// Users whose whole history is in the test period start from an empty state. Users are
/// processed in groups sorted by history length so each wave is one batch per scorer.
public struct SequenceEvaluator: Sendable {
    /// The log to walk.
    public let log: SequenceLog
    /// Events at or after this time are test events.
    public let cutoffMs: Int64
    /// Items allowed as targets (seen in training).
    public let vocabulary: [Bool]
    /// Users per group (lanes).
    public let groupSize: Int
    /// Cut-offs of the report.
    public let cutoffs: [Int]

    /// Creates an evaluator; the vocabulary defaults to items played before the cut-off.
    public init(log: SequenceLog, cutoffMs: Int64, vocabulary: [Bool]? = nil, groupSize: Int = 256, cutoffs: [Int] = [1, 5, 10, 20]) {
        self.log = log
        self.cutoffMs = cutoffMs
        self.vocabulary = vocabulary ?? log.counts(beforeMs: cutoffMs).map { $0 > 0 }
        self.groupSize = groupSize
        self.cutoffs = cutoffs
    }

    /// Users with at least one test event, longest history first (ties by index).
    public var testUsers: [Int32] {
        var users = [Int32]()
        for user in 0..<log.userCount {
            let range = log.offsets[user]..<log.offsets[user + 1]
            if range.contains(where: { log.timestampsMs[$0] >= cutoffMs }) { users.append(Int32(user)) }
        }
        return users.sorted { (log.length(ofUser: Int($0)), -$0) > (log.length(ofUser: Int($1)), -$1) }
    }

    /// Whether event `index` (global) at position `position` of its user is an evaluation point.
    @inlinable
    func isPoint(index: Int, position: Int) -> Bool {
        position > 0 && log.timestampsMs[index] >= cutoffMs && log.listened[index]
    }

    /// Runs `scorer` over the test period.
    public func evaluate<Scorer: SequenceScorer>(_ scorer: inout Scorer) -> SequenceRankingReport {
        precondition(scorer.itemCount == log.itemCount, "scorer has \(scorer.itemCount) items, log \(log.itemCount)")
        var report = SequenceRankingReport(cutoffs: cutoffs)
        let users = testUsers
        let n = log.itemCount
        var scores = [Float](repeating: 0, count: groupSize * n)
        var lanes = [Int32]()
        lanes.reserveCapacity(groupSize)
        for groupStart in stride(from: 0, to: users.count, by: groupSize) {
            let group = Array(users[groupStart..<min(users.count, groupStart + groupSize)])
            group.withUnsafeBufferPointer { scorer.begin(users: $0) }
            let longest = log.length(ofUser: Int(group[0]))
            var active = group.count
            for wave in 0..<longest {
                while active > 0 && log.length(ofUser: Int(group[active - 1])) <= wave { active -= 1 }
                lanes.removeAll(keepingCapacity: true)
                for lane in 0..<active {
                    let index = log.offsets[Int(group[lane])] + wave
                    guard isPoint(index: index, position: wave) else { continue }
                    let target = log.items[index]
                    guard target >= 0, Int(target) < n, vocabulary[Int(target)] else {
                        report.skippedOutOfVocabulary += 1
                        continue
                    }
                    lanes.append(Int32(lane))
                }
                if !lanes.isEmpty {
                    scores.withUnsafeMutableBufferPointer { buffer in
                        lanes.withUnsafeBufferPointer { laneBuffer in
                            scorer.score(
                                lanes: laneBuffer,
                                into: UnsafeMutableBufferPointer(rebasing: buffer[0..<(laneBuffer.count * n)]))
                        }
                        for (row, lane) in lanes.enumerated() {
                            let user = group[Int(lane)]
                            let target = Int(log.items[log.offsets[Int(user)] + wave])
                            let ranks = SequenceRankingReport.ranks(
                                scores: UnsafeBufferPointer(rebasing: buffer[(row * n)..<((row + 1) * n)]),
                                target: target)
                            report.add(standardRank: ranks.standard, conservativeRank: ranks.conservative, user: user)
                        }
                    }
                }
                scorer.advance(wave: wave, activeCount: active)
            }
        }
        return report
    }
}
