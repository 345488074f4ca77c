import EncoreCore
import EncoreNumerics
import Testing

@testable import EncoreModels

/// The two ways the music stage finds a recommendation against the reference (one full row of
/// scores, the repeat term, the exclusions, a top-K over every item):
/// tiled exact scoring must select the same items; the retrieval index with a search that
/// examines every item must too, and a normal search keeps a recall floor.
struct SequenceRetrievalTests {
    static func model(items: Int, dimension: Int, seed: UInt64) throws -> SequenceModel {
        var random = SeededGenerator(seed: seed)
        let vectors = (0..<(items * dimension)).map { _ in random.nextUniform() * 2 - 1 }
        var configuration = SequenceModelConfiguration()
        configuration.hiddenSize = 16
        configuration.seed = seed
        var model = try SequenceModel(
            configuration: configuration,
            items: ItemEmbeddingTable(vectors: vectors, itemCount: items, dimension: dimension, source: "test"))
        // Non-zero item biases and repeat weights, so both terms matter.
        for item in 0..<items { model.parameters[model.layout.itemBias + item] = random.nextUniform() - 0.5 }
        for index in model.layout.repeatBias..<(model.layout.repeatBias + SequenceModel.historyFeatureCount) {
            model.parameters[index] = 2 * random.nextUniform()
        }
        return model
    }

    /// Users: a hidden state each and a history of plays (some repeated, some skipped).
    static func users(count: Int, model: SequenceModel, seed: UInt64) -> (vectors: [Float], histories: [[SequenceEvent]]) {
        var random = SeededGenerator(seed: seed)
        let states = (0..<(count * model.stateSize)).map { _ in random.nextUniform() * 2 - 1 }
        var vectors = [Float](repeating: 0, count: count * model.vectorWidth)
        var workspace = SequenceWorkspace(model: model, maximumCount: count)
        states.withUnsafeBufferPointer { states in
            vectors.withUnsafeMutableBufferPointer {
                model.userVectors(states: states, count: count, head: .short, into: $0, workspace: &workspace)
            }
        }
        let histories = (0..<count).map { _ in
            (0..<(1 + Int(random.next() % 60))).map { step in
                SequenceEvent(
                    item: Int32(random.next() % UInt64(model.itemCount)), timestampMs: Int64(step) * 60_000,
                    skipped: random.next() % 5 == 0)
            }
        }
        return (vectors, histories)
    }

    /// The reference: all scores, then the repeat term, then the exclusions, then the top-K.
    static func reference(model: SequenceModel, vector: ArraySlice<Float>, history: [SequenceEvent], k: Int)
        -> (items: [Int32], scores: [Float])
    {
        var scores = [Float](repeating: 0, count: model.itemCount)
        Array(vector).withUnsafeBufferPointer { v in
            scores.withUnsafeMutableBufferPointer {
                model.scores(userVectors: v, count: 1, into: $0)
                model.addHistoryScores(userVector: v, history: history, into: $0)
            }
        }
        for event in history.suffix(5) { scores[Int(event.item)] = -.infinity }
        var selector = TopKSelector(k: k)
        let items = selector.select(scores)
        return (items, items.map { scores[Int($0)] })
    }

    @Test func tiledExactScoringSelectsWhatTheFullRowDoes() throws {
        // More items than a tile, and a last tile that is not full.
        let model = try Self.model(items: 2_500, dimension: 12, seed: 4)
        let count = 40, k = 20
        let users = Self.users(count: count, model: model, seed: 9)
        var scratch = ExactScoringScratch(k: k)
        var seen = 0
        users.vectors.withUnsafeBufferPointer { vectors in
            model.exactTopK(
                userVectors: vectors.baseAddress!, count: count, k: k, table: SequenceScoringTable(model: model),
                history: { users.histories[$0] },
                exclusions: { users.histories[$0].suffix(5).map(\.item) }, scratch: &scratch
            ) { row, items, scores in
                let width = model.vectorWidth
                let expected = Self.reference(
                    model: model, vector: users.vectors[(row * width)..<((row + 1) * width)], history: users.histories[row],
                    k: k)
                #expect(Array(items) == expected.items, "row \(row)")
                #expect(BLASRounding.agree(Array(scores), expected.scores), "row \(row)")
                seen += 1
            }
        }
        #expect(seen == count)
    }

    @Test func theIndexPathWithAFullSearchIsExact() throws {
        let model = try Self.model(items: 400, dimension: 8, seed: 2)
        var parameters = InnerProductIndex.Parameters()
        parameters.searchCandidates = 400  // examines every item: only the scoring path is tested
        let retrieval = try SequenceRetrieval(model: model, parameters: parameters)
        let k = 10, count = 30
        let users = Self.users(count: count, model: model, seed: 3)
        var scratch = RetrievalScratch(model: model, retrieval: retrieval, k: k)
        var output = [(Int32, Float)](repeating: (0, 0), count: k)
        let width = model.vectorWidth
        for row in 0..<count {
            let vector = users.vectors[(row * width)..<((row + 1) * width)]
            let found = Array(vector).withUnsafeBufferPointer { v in
                output.withUnsafeMutableBufferPointer { output in
                    model.recommend(
                        userVector: v, history: users.histories[row], exclusions: users.histories[row].suffix(5).map(\.item),
                        retrieval: retrieval, scratch: &scratch, into: output)
                }
            }
            let expected = Self.reference(model: model, vector: vector, history: users.histories[row], k: k)
            #expect(output.prefix(found).map(\.0) == expected.items, "row \(row)")
            #expect(BLASRounding.agree(output.prefix(found).map(\.1), expected.scores))
        }
    }
}
