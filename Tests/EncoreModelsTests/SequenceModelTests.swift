import EncoreCore
import EncoreNumerics
import Foundation
import Testing

@testable import EncoreModels

/// docs/design/sequence-model.md §9, tests 1–4 for the cell, heads and loss, plus artifact round
/// trip and reproducibility.
@Suite struct SequenceModelTests {
    /// A seeded item table (N × d, random directions).
    static func items(count: Int = 12, dimension: Int = 4, seed: UInt64 = 7) -> ItemEmbeddingTable {
        var generator = SeededGenerator(seed: seed)
        let vectors = (0..<(count * dimension)).map { _ in generator.nextNormal() }
        return ItemEmbeddingTable(vectors: vectors, itemCount: count, dimension: dimension, source: "test")
    }

    /// Users with varied events (skips, context, gaps), each in time order.
    static func corpus(lengths: [Int], itemCount: Int = 12, seed: UInt64 = 11) -> SequenceCorpus {
        var generator = SeededGenerator(seed: seed)
        var users = [[SequenceEvent]]()
        for length in lengths {
            var time: Int64 = 1_700_000_000_000 + Int64(generator.nextInt(below: 86_400_000))
            var history = [SequenceEvent]()
            for _ in 0..<length {
                time += Int64(generator.nextInt(below: 3_600_000))
                history.append(
                    SequenceEvent(
                        item: Int32(generator.nextInt(below: itemCount)), timestampMs: time,
                        msPlayed: Int32(generator.nextInt(below: 200_000)), durationMs: 180_000,
                        skipped: generator.nextInt(below: 5) == 0, source: UInt8(generator.nextInt(below: 6)),
                        device: UInt8(generator.nextInt(below: 7)), novel: generator.nextInt(below: 2) == 0))
            }
            users.append(history)
        }
        return SequenceCorpus(users: users)
    }

    static func configuration(hidden: Int = 8, lanes: Int = 2, window: Int = 8) -> SequenceModelConfiguration {
        var configuration = SequenceModelConfiguration()
        configuration.hiddenSize = hidden
        configuration.lanes = lanes
        configuration.window = window
        configuration.longHorizon = 2
        configuration.seed = 3
        return configuration
    }

    /// Streams one user's events through `step` one at a time; returns the state after each.
    static func stream(_ model: SequenceModel, events: ArraySlice<SequenceEvent>) -> [[Float]] {
        var workspace = SequenceWorkspace(model: model, maximumCount: 1)
        var state = [Float](repeating: 0, count: model.stateSize)
        var input = [Float](repeating: 0, count: model.inputWidth)
        var result = [[Float]]()
        var previous: SequenceEvent?
        for event in events {
            input.withUnsafeMutableBufferPointer { model.encode(event, previous: previous, into: $0) }
            state.withUnsafeMutableBufferPointer { s in
                input.withUnsafeBufferPointer { x in model.step(states: s, inputs: x, count: 1, workspace: &workspace) }
            }
            result.append(state)
            previous = event
        }
        return result
    }

    @Test func allZeroGRUHalvesTheState() throws {
        var model = try SequenceModel(configuration: Self.configuration(), items: Self.items())
        model.parameters = [Float](repeating: 0, count: model.layout.count)
        var workspace = SequenceWorkspace(model: model, maximumCount: 1)
        var state = [Float](repeating: 1, count: model.stateSize)
        var input = [Float](repeating: 0, count: model.inputWidth)
        input.withUnsafeMutableBufferPointer {
            model.encode(SequenceEvent(item: 3, timestampMs: 1_700_000_000_000), previous: nil, into: $0)
        }
        for expected: Float in [0.5, 0.25] {
            state.withUnsafeMutableBufferPointer { s in
                input.withUnsafeBufferPointer { x in model.step(states: s, inputs: x, count: 1, workspace: &workspace) }
            }
            #expect(state.allSatisfy { $0 == expected })
        }
    }

    @Test func encodingFollowsTheFeatureTable() throws {
        let model = try SequenceModel(configuration: Self.configuration(), items: Self.items())
        let d = model.dimension
        var x = [Float](repeating: 9, count: model.inputWidth)
        // 2024-01-01 was a Monday; 06:00 UTC → angle π/2.
        let previous = SequenceEvent(item: 1, timestampMs: 1_704_088_800_000 - 600_000)
        let event = SequenceEvent(
            item: 2, timestampMs: 1_704_088_800_000, msPlayed: 10_000, durationMs: 200_000, source: 3, device: 5,
            novel: true)
        x.withUnsafeMutableBufferPointer { model.encode(event, previous: previous, into: $0) }
        #expect(Array(x[0..<d]) == Array(model.items.vectors[(2 * d)..<(3 * d)]))
        #expect(abs(x[d] - Float(log1p(10.0))) < 1e-6)  // 600 s gap
        #expect(x[d + 1] == 1)  // 10 s of a 200 s track: a skip
        #expect(abs(x[d + 2] - 0.05) < 1e-7 && x[d + 3] == 1)
        #expect(x[(d + 4)..<(d + 10)].enumerated().allSatisfy { $0.element == ($0.offset == 3 ? 1 : 0) })
        #expect(x[(d + 10)..<(d + 17)].enumerated().allSatisfy { $0.element == ($0.offset == 5 ? 1 : 0) })
        #expect(abs(x[d + 17] - 1) < 1e-6 && abs(x[d + 18]) < 1e-6)
        #expect(x[(d + 19)..<(d + 26)].enumerated().allSatisfy { $0.element == ($0.offset == 0 ? 1 : 0) })
        #expect(x[d + 26] == 1 && model.inputWidth == d + 27)
    }

    /// Central finite differences of the first window's loss (GRU over several steps with a lane
    /// reset, both heads, normalisation; the short head's full softmax, sampled softmax with logQ
    /// correction, or cosine loss; temperature and item biases) against back-propagation, in
    /// Float32 with a tolerance suited to it; the repeat head's history features included.
    @Test(arguments: ["softmax", "sampled", "cosine"])
    func gradientMatchesFiniteDifferences(loss variant: String) throws {
        let items = Self.items()
        let corpus = Self.corpus(lengths: [5, 4, 3])
        var configuration = Self.configuration()
        configuration.loss = variant == "cosine" ? .cosine : .softmax
        configuration.temperature = 3
        if variant == "sampled" {
            configuration.fullSoftmaxItems = 0
            configuration.sampledNegatives = 4
        }
        var base = try SequenceModel(configuration: configuration, items: items)
        // Non-zero repeat weights and item biases, so their gradient paths are exercised away
        // from the origin.
        var biasGenerator = SeededGenerator(seed: 9)
        for index in base.layout.repeatWeights..<base.layout.logTemperature {
            base.parameters[index] = biasGenerator.nextNormal() * 0.3
        }
        for item in 0..<items.itemCount {
            base.parameters[base.layout.itemBias + item] = biasGenerator.nextNormal() * 0.5
        }
        let trainer = try SequenceTrainer(corpus: corpus, items: items, configuration: configuration, warmStart: base)
        let (_, analytic) = trainer.firstWindowLossAndGradient()
        func loss(_ parameters: [Float]) throws -> Double {
            var model = base
            model.parameters = parameters
            let trainer = try SequenceTrainer(corpus: corpus, items: items, configuration: configuration, warmStart: model)
            return trainer.firstWindowLossAndGradient().loss
        }
        let layout = base.layout
        let blocks = [
            layout.inputWeights, layout.inputBias, layout.recurrentWeights, layout.recurrentBias, layout.shortWeights,
            layout.shortBias, layout.longWeights, layout.longBias, layout.repeatWeights, layout.repeatBias,
            layout.logTemperature, layout.itemBias,
            layout.count,
        ]
        var generator = SeededGenerator(seed: 5)
        var checked = 0, worst = 0.0
        for block in 0..<(blocks.count - 1) {
            for _ in 0..<6 {
                let index = blocks[block] + generator.nextInt(below: blocks[block + 1] - blocks[block])
                let epsilon: Float = 1e-2
                var plus = base.parameters, minus = base.parameters
                plus[index] += epsilon
                minus[index] -= epsilon
                let numeric = (try loss(plus) - loss(minus)) / Double(2 * epsilon)
                let error = abs(numeric - Double(analytic[index]))
                worst = max(worst, error / max(abs(numeric), 1e-2))
                #expect(error <= 2e-2 * max(abs(numeric), abs(Double(analytic[index]))) + 2e-4, "parameter \(index)")
                checked += 1
            }
        }
        #expect(checked == 72 && worst < 0.05)
        #expect(analytic.contains { $0 != 0 })
        let softmaxParameters = analytic[layout.repeatWeights..<layout.count]
        if variant == "cosine" {
            #expect(softmaxParameters.allSatisfy { $0 == 0 })
        } else {
            #expect(softmaxParameters.contains { $0 != 0 })
        }
    }

    /// The short head's user vector [τ û, 1] scores items by the softmax logit τ û·ê_i + b_i in
    /// one GEMM; the long head's [û, 0] by the cosine alone. A replaced item table keeps the
    /// biases of the old items and starts new ones at their mean.
    @Test func scoresAreLogitsWithTheItemBias() throws {
        let items = Self.items()
        var model = try SequenceModel(configuration: Self.configuration(), items: items)
        var generator = SeededGenerator(seed: 4)
        for index in model.parameters.indices.dropFirst(model.layout.repeatWeights) {
            model.parameters[index] = generator.nextNormal()
        }
        let state = (0..<model.stateSize).map { _ in generator.nextNormal() }
        var workspace = SequenceWorkspace(model: model, maximumCount: 1)
        let d = model.dimension, n = model.itemCount
        #expect(model.vectorWidth == d + 1 + SequenceModel.historyFeatureCount)
        for head in [SequenceHead.short, .long] {
            var vector = [Float](repeating: .nan, count: model.vectorWidth)
            var scores = [Float](repeating: .nan, count: n)
            state.withUnsafeBufferPointer { s in
                vector.withUnsafeMutableBufferPointer {
                    model.userVectors(states: s, count: 1, head: head, into: $0, workspace: &workspace)
                }
            }
            vector.withUnsafeBufferPointer { v in scores.withUnsafeMutableBufferPointer { model.scores(userVectors: v, count: 1, into: $0) } }
            let tau: Float = head == .short ? model.temperature : 1
            let unit = vector[0..<d].map { $0 / tau }
            #expect(abs(unit.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4)
            #expect(vector[d] == (head == .short ? 1 : 0))
            for item in 0..<n {
                var cosine: Float = 0
                for k in 0..<d { cosine += unit[k] * items.vectors[item * d + k] }
                let bias = head == .short ? model.parameters[model.layout.itemBias + item] : 0
                #expect(abs(scores[item] - (tau * cosine + bias)) < 1e-3 * max(1, tau), "item \(item)")
            }
            // The repeat term: item 2 listened now (k = 0) and two events ago (k = 2), item 3
            // skipped in between (counts as an event, adds nothing).
            func event(_ item: Int32, skipped: Bool = false) -> SequenceEvent {
                SequenceEvent(
                    item: item, timestampMs: 0, msPlayed: -1, durationMs: -1, skipped: skipped, source: 0, device: 0,
                    novel: false)
            }
            let before = scores
            vector.withUnsafeBufferPointer { v in
                scores.withUnsafeMutableBufferPointer {
                    model.addHistoryScores(userVector: v, history: [event(2), event(3, skipped: true), event(2)], into: $0)
                }
            }
            let w = vector[(d + 1)...].map { $0 }
            let expected = head == .short ? w[0] * 2 + w[1] * (1 + 0.81) + w[2] * (1 + 0.25) : 0
            #expect(abs(scores[2] - before[2] - expected) < 1e-4)
            #expect(head == .long || w.contains { $0 != 0 })
            for item in 0..<n where item != 2 { #expect(scores[item] == before[item]) }
        }
        let grown = try model.replacingItems(Self.items(count: n + 2, seed: 8))
        let oldBias = Array(model.parameters[model.layout.itemBias...])
        #expect(grown.layout.count == model.layout.count + 2)
        #expect(Array(grown.parameters[..<model.layout.itemBias]) == Array(model.parameters[..<model.layout.itemBias]))
        #expect(Array(grown.parameters[grown.layout.itemBias..<(grown.layout.itemBias + n)]) == oldBias)
        let mean = oldBias.reduce(0, +) / Float(n)
        #expect(grown.parameters.suffix(2).allSatisfy { $0 == mean })
    }

    @Test func trainingForwardEqualsStreamingBitwise() throws {
        let items = Self.items()
        let corpus = Self.corpus(lengths: [6, 4, 5])
        let configuration = Self.configuration(lanes: 3, window: 8)
        let model = try SequenceModel(configuration: configuration, items: items)
        let trainer = try SequenceTrainer(corpus: corpus, items: items, configuration: configuration, warmStart: model)
        let (order, steps) = trainer.forwardFirstWindow()
        #expect(steps == 6 && order.count == 3)
        let h = model.stateSize
        for (lane, user) in order.enumerated() {
            let streamed = Self.stream(model, events: corpus.events[corpus.offsets[user]..<corpus.offsets[user + 1]])
            for (t, state) in streamed.enumerated() {
                let row = t * configuration.lanes + lane
                #expect(Array(trainer.hiddenStates[(row * h)..<((row + 1) * h)]) == state, "user \(user) step \(t)")
            }
        }
    }

    @Test func wavesEqualSequentialSteps() throws {
        let items = Self.items()
        let corpus = Self.corpus(lengths: [7, 7, 7, 7, 7])
        let model = try SequenceModel(configuration: Self.configuration(hidden: 16), items: items)
        let users = corpus.userCount, h = model.stateSize, width = model.inputWidth
        var workspace = SequenceWorkspace(model: model, maximumCount: users)
        var states = [Float](repeating: 0, count: users * h)
        var inputs = [Float](repeating: 0, count: users * width)
        for wave in 0..<7 {
            inputs.withUnsafeMutableBufferPointer { x in
                for user in 0..<users {
                    let base = corpus.offsets[user]
                    model.encode(
                        corpus.events[base + wave], previous: wave > 0 ? corpus.events[base + wave - 1] : nil,
                        into: UnsafeMutableBufferPointer(rebasing: x[(user * width)..<((user + 1) * width)]))
                }
            }
            states.withUnsafeMutableBufferPointer { s in
                inputs.withUnsafeBufferPointer { x in
                    model.step(states: s, inputs: x, count: users, workspace: &workspace)
                }
            }
        }
        for user in 0..<users {
            let sequential = Self.stream(model, events: corpus.events[corpus.offsets[user]..<corpus.offsets[user + 1]])
            #expect(BLASRounding.agree(states[(user * h)..<((user + 1) * h)], sequential.last!), "user \(user)")
        }
    }

    @Test func artifactRoundTripIsBitExact() throws {
        let items = Self.items()
        let corpus = Self.corpus(lengths: [6, 5, 4])
        var configuration = Self.configuration()
        configuration.epochs = 2
        let model = try SequenceTrainer.fit(corpus: corpus, items: items, configuration: configuration)
        let data = try model.artifact(metrics: ["hr@20": 0.5]).serialized()
        let loaded = try SequenceModel(artifact: ModelArtifact(serialized: data))
        #expect(loaded.parameters.map(\.bitPattern) == model.parameters.map(\.bitPattern))
        #expect(loaded.items.vectors.map(\.bitPattern) == model.items.vectors.map(\.bitPattern))
        #expect(loaded.configuration == model.configuration && loaded.trainedEpochs == 2)
        #expect(loaded.items.source == "test")
        let events = corpus.events[0..<6]
        #expect(Self.stream(loaded, events: events) == Self.stream(model, events: events))
        #expect(throws: ModelError.self) {
            var broken = try model.artifact(metrics: [:])
            broken.blob.removeLast()
            _ = try SequenceModel(artifact: broken)
        }
    }

    @Test func trainingIsReproducibleAndLowersTheLoss() throws {
        let items = Self.items()
        let corpus = Self.corpus(lengths: [9, 8, 7, 9, 6])
        var configuration = Self.configuration(hidden: 16, lanes: 2, window: 4)
        configuration.learningRate = 0.01
        var losses = [[Double]]()
        var models = [SequenceModel]()
        for _ in 0..<2 {
            let trainer = try SequenceTrainer(corpus: corpus, items: items, configuration: configuration)
            losses.append((0..<15).map { _ in trainer.trainEpoch().loss })
            models.append(trainer.model)
        }
        #expect(models[0].parameters == models[1].parameters && losses[0] == losses[1])
        #expect(losses[0].last! < losses[0].first!)
    }
}
