import EncoreCore
import EncoreModels
import EncoreNumerics
import Foundation
import Testing

/// The C-3PO network: finite-difference gradient check, the logit-0 identity, batched 24-slot
/// scoring equal to slot-by-slot scoring, and the artifact round trip.
@Suite struct TimingNetworkTests {
    /// Seeded random examples with varied click sequences (some empty).
    static func randomExamples(count: Int, seed: UInt64) -> TimingExamples {
        var generator = SeededGenerator(seed: seed)
        var examples = TimingExamples()
        let start: Int64 = 1_767_571_200_000
        for index in 0..<count {
            var state = TimingFeatureState()
            var time = start + Int64(generator.nextInt(below: 86_400_000))
            for event in 0..<generator.nextInt(below: 12) {
                let key = UInt64(index * 100 + event)
                state.recordListen(atMs: time)
                state.recordSent(notificationKey: key, atMs: time)
                if generator.nextUniform() < 0.4 { state.recordOpened(notificationKey: key, atMs: time + 60_000) }
                time += Int64(generator.nextInt(below: 20 * 3_600_000))
            }
            let slot = time + Int64(generator.nextInt(below: 20)) * 3_600_000
            examples.append(state: state, nowMs: time, slotMs: slot, label: generator.nextUniform() < 0.3 ? 1 : 0)
        }
        return examples
    }

    @Test func gradientMatchesFiniteDifferences() {
        let configuration = TimingPredictorConfiguration()
        let layout = configuration.layout
        let examples = Self.randomExamples(count: 24, seed: 3)
        var parameters = TimingPredictor.initialParameters(configuration: configuration, seed: 9)
        var generator = SeededGenerator(seed: 4)
        // Non-zero biases and query so every path carries gradient.
        for index in layout.sequenceBias..<(layout.attentionQuery + layout.sequenceDimension) {
            parameters[index] = generator.nextNormal() * 0.5
        }
        let (_, gradient) = TimingTrainer.lossAndGradient(
            parameters: parameters, configuration: configuration, examples: examples)
        let blocks: [(String, Int, Int)] = [
            ("hour", layout.hourEmbedding, 24 * layout.hourDimension),
            ("weekday", layout.weekdayEmbedding, 7 * layout.weekdayDimension),
            ("W_e", layout.sequenceWeights, layout.eventWidth * layout.sequenceDimension),
            ("b_e", layout.sequenceBias, layout.sequenceDimension),
            ("q", layout.attentionQuery, layout.sequenceDimension),
            ("W1", layout.w1, layout.b1 - layout.w1), ("b1", layout.b1, layout.hidden1),
            ("W2", layout.w2, layout.hidden1 * layout.hidden2), ("b2", layout.b2, layout.hidden2),
            ("w3", layout.w3, layout.hidden2), ("b3", layout.b3, 1),
        ]
        // Central differences at two step sizes: a ReLU kink inside one step can bend one estimate,
        // a wrong gradient disagrees with both.
        func numeric(_ index: Int, _ epsilon: Float) -> Double {
            var plus = parameters, minus = parameters
            plus[index] += epsilon
            minus[index] -= epsilon
            let lossPlus = TimingTrainer.lossAndGradient(parameters: plus, configuration: configuration, examples: examples).loss
            let lossMinus = TimingTrainer.lossAndGradient(parameters: minus, configuration: configuration, examples: examples).loss
            return (lossPlus - lossMinus) / Double(2 * epsilon)
        }
        var checked = 0, nonzero = 0, expectedChecks = 0
        for (name, start, count) in blocks {
            // The largest-gradient entries of each block plus a few random ones.
            var picks = Array((start..<(start + count)).sorted { abs(gradient[$0]) > abs(gradient[$1]) }.prefix(4))
            for _ in 0..<3 { picks.append(start + generator.nextInt(below: count)) }
            expectedChecks += picks.count
            for index in picks {
                let analytic = Double(gradient[index])
                let coarse = numeric(index, 2e-3), fine = numeric(index, 5e-4)
                let agrees = [coarse, fine].contains { abs($0 - analytic) <= 2e-4 + 0.05 * abs($0) }
                #expect(agrees, "\(name)[\(index - start)]: analytic \(analytic), numeric \(coarse) / \(fine)")
                checked += 1
                if abs(analytic) > 1e-4 { nonzero += 1 }
            }
        }
        #expect(checked == expectedChecks && checked > 60)
        #expect(nonzero >= blocks.count * 3, "the check must exercise real gradients")
    }

    @Test func zeroParametersGiveOneHalfAndLogTwo() {
        let configuration = TimingPredictorConfiguration()
        let examples = Self.randomExamples(count: 10, seed: 1)
        let zeros = [Float](repeating: 0, count: configuration.layout.parameterCount)
        let (loss, _) = TimingTrainer.lossAndGradient(parameters: zeros, configuration: configuration, examples: examples)
        #expect(abs(loss - 0.693147) < 1e-5)
        let predictor = TimingPredictor(configuration: configuration, parameters: zeros)
        #expect(predictor.predict(examples).allSatisfy { $0 == 0.5 })
    }

    @Test func batchedTwentyFourSlotScoringEqualsOneSlotAtATime() {
        let configuration = TimingPredictorConfiguration()
        let predictor = TimingPredictor(
            configuration: configuration, parameters: TimingPredictor.initialParameters(configuration: configuration, seed: 2))
        // Three requests × 24 slots, built the way the stage builds them.
        var states: [TimingFeatureState] = []
        let source = Self.randomExamples(count: 1, seed: 5)
        _ = source
        var generator = SeededGenerator(seed: 8)
        let now: Int64 = 1_767_571_200_000 + 40 * 3_600_000 + 123_456
        for user in 0..<3 {
            var state = TimingFeatureState()
            for event in 0..<(user * 4) {
                state.recordListen(atMs: now - Int64(generator.nextInt(below: 200)) * 3_600_000)
                state.recordSent(notificationKey: UInt64(event), atMs: now - Int64(30 - event) * 3_600_000)
            }
            states.append(state)
        }
        var times: [Int64] = []
        TimingPolicy.slotTimes(nowMs: now, into: &times)
        var batched = TimingExamples()
        for state in states { for time in times { batched.append(state: state, nowMs: now, slotMs: time, label: 0) } }
        let oneByOne = predictor.predict(batched, batchSize: 1)
        // Requests × slots in one pass: user rows once per request.
        var user: [Float] = [], sequence: [Float] = []
        for index in stride(from: 0, to: batched.count, by: 24) {
            user += batched.user[(index * TimingFeaturizer.userWidth)..<((index + 1) * TimingFeaturizer.userWidth)]
            sequence += batched.sequence[(index * TimingFeaturizer.sequenceWidth)..<((index + 1) * TimingFeaturizer.sequenceWidth)]
        }
        var output = [Float](repeating: 0, count: batched.count)
        user.withUnsafeBufferPointer { u in
            sequence.withUnsafeBufferPointer { s in
                batched.slot.withUnsafeBufferPointer { slot in
                    batched.hour.withUnsafeBufferPointer { h in
                        batched.weekday.withUnsafeBufferPointer { w in
                            output.withUnsafeMutableBufferPointer { o in
                                predictor.probabilities(
                                    TimingInputs(requests: 3, slotsPerRequest: 24, user: u.baseAddress!, sequence: s.baseAddress!,
                                                 slot: slot.baseAddress!, hour: h.baseAddress!, weekday: w.baseAddress!),
                                    workspace: TimingWorkspace(), into: o.baseAddress!)
                            }
                        }
                    }
                }
            }
        }
        for index in output.indices { #expect(abs(output[index] - oneByOne[index]) < 1e-5) }
        #expect(Set(output.map { ($0 * 1e4).rounded() }).count > 10, "slots differ")
    }

    @Test func artifactRoundTripKeepsEveryParameter() throws {
        let configuration = TimingPredictorConfiguration()
        let predictor = TimingPredictor(
            configuration: configuration, parameters: TimingPredictor.initialParameters(configuration: configuration, seed: 6))
        let artifact = try predictor.artifact(metrics: ["auc": 0.7], trainedEpochs: 3, dataFingerprint: "x", users: 1)
        let loaded = try TimingPredictor(artifact: ModelArtifact(serialized: artifact.serialized()))
        #expect(loaded.parameters == predictor.parameters)
        #expect(loaded.configuration == configuration)
        #expect(throws: ModelError.self) {
            try TimingPredictor(artifact: ModelArtifact(metadataJSON: artifact.metadataJSON, blob: [1, 2, 3]))
        }
    }

    @Test func trainingIsSeededAndLowersTheLoss() {
        // A planted rule: opens happen at slots whose hour is in the afternoon.
        var examples = Self.randomExamples(count: 600, seed: 11)
        for index in 0..<examples.count { examples.setLabel(index, examples.hour[index] >= 12 ? 1 : 0) }
        var options = TimingTrainer.Options()
        options.epochs = 30
        options.batchSize = 64
        let first = TimingTrainer(options: options).train(examples).predictor
        let second = TimingTrainer(options: options).train(examples).predictor
        #expect(first.parameters == second.parameters, "same seed, same model")
        let configuration = TimingPredictorConfiguration()
        let initial = TimingPredictor.initialParameters(configuration: configuration, seed: options.seed)
        let before = TimingTrainer.lossAndGradient(parameters: initial, configuration: configuration, examples: examples).loss
        let after = TimingTrainer.lossAndGradient(parameters: first.parameters, configuration: configuration, examples: examples).loss
        #expect(after < before * 0.5, "loss \(before) → \(after)")
    }
}
