import EncoreCore
import EncoreModels
import EncoreNumerics
import EncorePipeline
import EncoreStore
import Testing

@testable import EncoreStages

/// The RNN stage's due recommendations do not depend on how many threads score them, on either
/// path (exact tiles, or the retrieval index), and the index path reports its sampled recall.
struct SequenceScoringTests {
    static func generation(items: Int, index: Bool) throws -> MusicGeneration {
        var random = SeededGenerator(seed: 17)
        let dimension = 16
        let vectors = (0..<(items * dimension)).map { _ in random.nextUniform() * 2 - 1 }
        var configuration = SequenceModelConfiguration()
        configuration.hiddenSize = 32
        let model = try SequenceModel(
            configuration: configuration,
            items: ItemEmbeddingTable(vectors: vectors, itemCount: items, dimension: dimension, source: "test"))
        return try MusicGeneration.build(id: 1, model: model, embeddingSource: "test", indexFrom: index ? 0 : .max)
    }

    /// 300 users' listens (several per user, so several waves) through a stage; every due
    /// recommendation, in emission order.
    static func recommendations(generation: MusicGeneration, threads: Int, sampleEvery: Int = 0) throws
        -> (items: [[Int32]], stage: SequenceStage)
    {
        var settings = SequenceStage.Settings()
        settings.debounce = .seconds(0)
        settings.scoringThreads = threads
        settings.maximumWave = 64
        settings.recallSampleEvery = sampleEvery
        let stage = SequenceStage(settings: settings)
        let generations = ModelGenerations()
        generations.install(generation)
        stage.install(from: generations)
        var random = SeededGenerator(seed: 5)
        var emitted: [[Int32]] = []
        for batch in 0..<3 {
            for offset in 0..<600 {
                let user = Int32(random.next() % 300)
                let item = Int32(random.next() % UInt64(generation.model.itemCount))
                let listen = ListenEvent(
                    userID: UserID("u\(user)"), trackID: TrackID("t\(item)"),
                    timestampMs: 1_767_571_200_000 + Int64(batch * 600 + offset) * 1000)
                stage.observe(
                    user: user, userID: listen.userID, listen: listen, item: item,
                    position: SourcePosition(partition: 0, offset: Int64(batch * 600 + offset)))
            }
            stage.flush { emitted.append($0.items.map(\.0)) }
        }
        return (emitted, stage)
    }

    @Test func exactRecommendationsDoNotDependOnTheThreadCount() throws {
        let generation = try Self.generation(items: 3_000, index: false)
        let one = try Self.recommendations(generation: generation, threads: 1).items
        let two = try Self.recommendations(generation: generation, threads: 2).items
        #expect(one.count > 300)
        #expect(one == two)
    }

    @Test func indexedRecommendationsDoNotDependOnTheThreadCountAndReportRecall() throws {
        let generation = try Self.generation(items: 3_000, index: true)
        #expect(generation.retrieval != nil)
        let one = try Self.recommendations(generation: generation, threads: 1, sampleEvery: 10)
        let two = try Self.recommendations(generation: generation, threads: 2, sampleEvery: 10)
        #expect(one.items == two.items)
        let counters = one.stage.counters
        #expect(counters["rnn.index_recommendations"] == one.items.count)
        let samples = try #require(counters["rnn.recall_samples"])
        #expect(samples == (one.items.count + 9) / 10)
        let recall = Double(counters["rnn.recall_hits"] ?? 0) / Double(counters["rnn.recall_slots"] ?? 1)
        #expect(recall >= 0.95, "sampled recall@20 \(recall)")
    }
}
