import EncoreCore
import EncoreEvaluation
import EncoreNumerics
import Testing

@testable import EncoreModels

extension SequenceModelScorer: SequenceScorer {}

/// docs/design/sequence-model.md §9, test 8, in one run: on seeded sequences with a planted
/// structure the RNN must beat popularity, last-item item-kNN and most-played on HR@20 and MRR@20
/// through the same evaluator.
///
/// Every item belongs to two of eight genres; every user has one genre and plays its tracks in
/// random order without repeats, in daily sessions. The last item alone cannot tell which of
/// its two genres the user is in (item-kNN mixes both), there are no repeats for most-played,
/// and popularity is flat; a state that accumulates the user's history can.
@Suite struct SequenceQualityTests {
    static func plantedData(users: Int = 120, items: Int = 160, genres: Int = 8, seed: UInt64 = 17)
        -> (SequenceCorpus, SequenceLog)
    {
        var generator = SeededGenerator(seed: seed)
        var members = [[Int32]](repeating: [], count: genres)
        for item in 0..<items {
            let first = generator.nextInt(below: genres)
            var second = generator.nextInt(below: genres - 1)
            if second >= first { second += 1 }
            members[first].append(Int32(item))
            members[second].append(Int32(item))
        }
        let start: Int64 = 1_700_000_000_000
        var histories = [[SequenceEvent]]()
        for user in 0..<users {
            var pool = members[user % genres]
            pool.withUnsafeMutableBufferPointer { generator.shuffle($0) }
            var history = [SequenceEvent]()
            for (position, item) in pool.prefix(30).enumerated() {
                let session = Int64(position / 10), offset = Int64(position % 10)
                let time = start + session * 86_400_000 + Int64(user) * 1000 + offset * 180_000
                history.append(
                    SequenceEvent(
                        item: item, timestampMs: time, msPlayed: 180_000, durationMs: 180_000, source: 1, device: 1,
                        novel: true))
            }
            histories.append(history)
        }
        let corpus = SequenceCorpus(users: histories)
        let log = SequenceLog(
            offsets: corpus.offsets, items: corpus.events.map(\.item), timestampsMs: corpus.events.map(\.timestampMs),
            listened: corpus.events.map { !$0.isSkip }, itemCount: items)
        return (corpus, log)
    }

    @Test func rnnBeatsEveryBaselineOnPlantedSequences() throws {
        let (corpus, log) = Self.plantedData()
        let span = log.timeSpan
        let cutoff = SequenceSplit.default.cutoffMs(firstMs: span.first, lastMs: span.last)
        let train = corpus.prefix(beforeMs: cutoff)
        var embedding = CooccurrenceEmbedding.Configuration()
        embedding.dimension = 16
        embedding.minimumCount = 1
        embedding.epochs = 30  // 2,400 training plays: skip-gram needs many passes on so little data
        let items = CooccurrenceEmbedding.train(sessions: train.sessions(), itemCount: log.itemCount, configuration: embedding)
        var configuration = SequenceModelConfiguration()
        configuration.hiddenSize = 32
        configuration.lanes = 32
        configuration.window = 10
        configuration.longHorizon = 5
        configuration.learningRate = 0.01
        configuration.epochs = 8
        configuration.seed = 5
        let model = try SequenceTrainer.fit(corpus: train, items: items, configuration: configuration)

        let evaluator = SequenceEvaluator(log: log, cutoffMs: cutoff, groupSize: 64)
        var rnn = SequenceModelScorer(model: model, corpus: corpus, maximumGroup: 64)
        let rnnReport = evaluator.evaluate(&rnn)
        var popularity = SequencePopularityBaseline(log: log, cutoffMs: cutoff)
        var knn = SequenceItemKNNBaseline(log: log, cutoffMs: cutoff)
        var mostPlayed = SequenceMostPlayedBaseline(log: log, cutoffMs: cutoff)
        let baselines = [
            ("popularity", evaluator.evaluate(&popularity)), ("item_knn", evaluator.evaluate(&knn)),
            ("most_played", evaluator.evaluate(&mostPlayed)),
        ]
        #expect(rnnReport.points > 500)
        for (name, report) in baselines {
            #expect(report.points == rnnReport.points)
            #expect(
                rnnReport.hitRate(at: 20) > report.hitRate(at: 20),
                "hr@20 rnn \(rnnReport.hitRate(at: 20)) vs \(name) \(report.hitRate(at: 20))")
            #expect(
                rnnReport.meanReciprocalRank(at: 20) > report.meanReciprocalRank(at: 20),
                "mrr@20 rnn \(rnnReport.meanReciprocalRank(at: 20)) vs \(name) \(report.meanReciprocalRank(at: 20))")
        }
    }
}
