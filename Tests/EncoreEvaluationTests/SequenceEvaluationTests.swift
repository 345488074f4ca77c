import Testing

@testable import EncoreEvaluation

/// docs/design/sequence-model.md §9, tests 6–7: rank metrics by hand, and the three baselines on
/// a three-session toy.
@Suite struct SequenceEvaluationTests {
    static func ranks(_ scores: [Float], target: Int) -> (standard: Int, conservative: Int) {
        scores.withUnsafeBufferPointer { SequenceRankingReport.ranks(scores: $0, target: target) }
    }

    @Test func rankAndMetricsHandCases() {
        // Two items above the target: rank 3.
        let above = Self.ranks([0.9, 0.1, 0.8, 0.5, 0.2], target: 3)
        #expect(above.standard == 3 && above.conservative == 3)
        var report = SequenceRankingReport(cutoffs: [1, 2, 5])
        report.add(standardRank: above.standard, conservativeRank: above.conservative)
        #expect(report.hitRate(at: 5) == 1 && report.hitRate(at: 2) == 0 && report.hitRate(at: 1) == 0)
        #expect(abs(report.meanReciprocalRank(at: 5) - 1.0 / 3) < 1e-12 && report.meanReciprocalRank(at: 2) == 0)
        // One tied item as well: standard 3, conservative 4.
        let tied = Self.ranks([0.9, 0.5, 0.8, 0.5, 0.2], target: 3)
        #expect(tied.standard == 3 && tied.conservative == 4)
        report.add(standardRank: tied.standard, conservativeRank: tied.conservative)
        #expect(report.points == 2 && report.hitRate(at: 5) == 1)
        #expect(abs(report.conservativeMeanReciprocalRank(at: 5) - (1.0 / 3 + 1.0 / 4) / 2) < 1e-12)
    }

    @Test func splitParsing() throws {
        #expect(try SequenceSplit(parsing: "temporal:0.25") == .temporal(fraction: 0.25))
        #expect(try SequenceSplit(parsing: "at:1000") == .at(milliseconds: 1_000_000))
        #expect(SequenceSplit.default.cutoffMs(firstMs: 0, lastMs: 1000) == 800)
        #expect(throws: EvaluationError.self) { try SequenceSplit(parsing: "temporal:1.5") }
        #expect(throws: EvaluationError.self) { try SequenceSplit(parsing: "random") }
    }

    static let minute: Int64 = 60_000

    /// Training sessions {0,1,2}, {1,3} (user 0, a 58-minute gap apart) and {2,3} (user 1);
    /// user 2 arrives in the test period and plays 1, 0, then 4 (never played in training).
    static func toy() -> SequenceLog {
        let m = minute
        let users: [[(Int32, Int64)]] = [
            [(0, 0), (1, m), (2, 2 * m), (1, 60 * m), (3, 61 * m)],
            [(2, 200 * m), (3, 201 * m)],
            [(1, 1000 * m), (0, 1001 * m), (4, 1002 * m)],
        ]
        var offsets = [0], items = [Int32](), times = [Int64]()
        for history in users {
            for (item, time) in history {
                items.append(item)
                times.append(time)
            }
            offsets.append(items.count)
        }
        return SequenceLog(
            offsets: offsets, items: items, timestampsMs: times, listened: items.map { _ in true }, itemCount: 5)
    }

    static func scores<S: SequenceScorer>(_ scorer: inout S, users: [Int32], wavesBefore: Int, lane: Int32) -> [Float] {
        users.withUnsafeBufferPointer { scorer.begin(users: $0) }
        for wave in 0..<wavesBefore { scorer.advance(wave: wave, activeCount: 1) }
        var output = [Float](repeating: 0, count: scorer.itemCount)
        [lane].withUnsafeBufferPointer { lanes in output.withUnsafeMutableBufferPointer { scorer.score(lanes: lanes, into: $0) } }
        return output
    }

    @Test func baselinesOnTheThreeSessionToy() {
        let log = Self.toy()
        let cutoff = 500 * Self.minute
        // Item-kNN: sim(1,0) = 1/√2, sim(1,2) = sim(1,3) = 1/2, nothing for 4.
        var knn = SequenceItemKNNBaseline(log: log, cutoffMs: cutoff)
        let neighbours = Dictionary(uniqueKeysWithValues: knn.neighbours(of: 1).map { ($0.item, $0.similarity) })
        #expect(neighbours.count == 3 && abs(neighbours[0]! - 0.70711) < 1e-5)
        #expect(neighbours[2] == 0.5 && neighbours[3] == 0.5 && knn.neighbours(of: 0).count == 2)
        let knnScores = Self.scores(&knn, users: [2], wavesBefore: 1, lane: 0)
        let knnOrder = (0..<5).sorted { knnScores[$0] > knnScores[$1] }
        #expect(knnOrder[0] == 0 && Set(knnOrder[1...2]) == [2, 3] && knnOrder[3] == 1 && knnOrder[4] == 4)
        // Popularity: training counts 1, 2, 2, 2, 0.
        var popularity = SequencePopularityBaseline(log: log, cutoffMs: cutoff)
        #expect(Self.scores(&popularity, users: [2], wavesBefore: 1, lane: 0) == [1, 2, 2, 2, 0])
        // Most played: the user's own item 1 first, then popularity (2, 3 tied), then 0, then 4.
        var mostPlayed = SequenceMostPlayedBaseline(log: log, cutoffMs: cutoff)
        let own = Self.scores(&mostPlayed, users: [2], wavesBefore: 1, lane: 0)
        let ownOrder = (0..<5).sorted { own[$0] > own[$1] }
        #expect(ownOrder[0] == 1 && Set(ownOrder[1...2]) == [2, 3] && ownOrder[3] == 0 && ownOrder[4] == 4)

        // Through the evaluator: one point (user 2's second play, item 0); item 4 is skipped.
        let evaluator = SequenceEvaluator(log: log, cutoffMs: cutoff, cutoffs: [1, 5])
        #expect(evaluator.testUsers == [2])
        let knnReport = evaluator.evaluate(&knn)
        #expect(knnReport.points == 1 && knnReport.skippedOutOfVocabulary == 1 && knnReport.hitRate(at: 1) == 1)
        let popularityReport = evaluator.evaluate(&popularity)
        #expect(popularityReport.hitRate(at: 1) == 0 && popularityReport.meanReciprocalRank(at: 5) == 0.25)
        let ownReport = evaluator.evaluate(&mostPlayed)
        #expect(ownReport.meanReciprocalRank(at: 5) == 0.25)
    }
}
