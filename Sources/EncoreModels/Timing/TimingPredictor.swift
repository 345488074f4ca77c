#if canImport(Glibc)
import EncoreCore
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EncoreNumerics
import Foundation

/// C-3PO's open predictor: p(open | user features, click sequence, send slot), an immutable
/// model generation that can be shared across threads and hot-swapped.
///
/// The network (``TimingNetwork``) embeds the slot's UTC hour and weekday, encodes the click
/// sequence with attention pooling, and runs two ReLU layers to one logit. Scoring a request for
/// all 24 hourly slots is one batched pass: the request's shared part of layer 1 is one GEMM row,
/// the 24 slot rows are the rows of the next GEMMs, and many requests go through together.
///
/// Saved as a ``ModelArtifact`` named `c3po` (metadata: ``TimingPredictorConfiguration``; blob:
/// the flat parameters in ``TimingLayout`` order).
public final class TimingPredictor: Sendable {
    public static let modelName = "c3po"
    public static let formatVersion = 1

    public let configuration: TimingPredictorConfiguration
    public let layout: TimingLayout
    /// All parameters in ``TimingLayout`` order.
    public let parameters: [Float]

    /// A predictor with the given parameters.
    ///
    /// - Precondition: `parameters.count` matches the configuration's layout.
    public init(configuration: TimingPredictorConfiguration, parameters: [Float]) {
        let layout = configuration.layout
        precondition(parameters.count == layout.parameterCount, "parameter count does not match the layout")
        self.configuration = configuration
        self.layout = layout
        self.parameters = parameters
    }

    /// Fresh parameters: He-uniform dense layers, small normal embeddings and encoder, zero biases.
    public static func initialParameters(configuration: TimingPredictorConfiguration, seed: UInt64) -> [Float] {
        let layout = configuration.layout
        var generator = SeededGenerator(seed: seed)
        var parameters = [Float](repeating: 0, count: layout.parameterCount)
        func normal(_ start: Int, _ count: Int, _ std: Float) {
            for index in start..<(start + count) { parameters[index] = generator.nextNormal() * std }
        }
        func heUniform(_ start: Int, fanIn: Int, count: Int) {
            let limit = (6 / Float(fanIn)).squareRoot()
            for index in start..<(start + count) { parameters[index] = (2 * generator.nextUniform() - 1) * limit }
        }
        normal(layout.hourEmbedding, 24 * layout.hourDimension, 0.1)
        normal(layout.weekdayEmbedding, 7 * layout.weekdayDimension, 0.1)
        normal(layout.sequenceWeights, layout.eventWidth * layout.sequenceDimension, 0.3)
        normal(layout.attentionQuery, layout.sequenceDimension, 0.1)
        let inputs = layout.requestInputWidth + layout.slotInputWidth
        heUniform(layout.w1, fanIn: inputs, count: inputs * layout.hidden1)
        heUniform(layout.w2, fanIn: layout.hidden1, count: layout.hidden1 * layout.hidden2)
        heUniform(layout.w3, fanIn: layout.hidden2, count: layout.hidden2)
        return parameters
    }

    /// Writes p(open) of every slot row of `inputs` into `probabilities` (requests × slots).
    public func probabilities(
        _ inputs: TimingInputs, workspace: TimingWorkspace, into probabilities: UnsafeMutablePointer<Float>
    ) {
        parameters.withUnsafeBufferPointer { parameters in
            let logits = TimingNetwork.forward(
                parameters: parameters.baseAddress!, layout: layout, inputs: inputs, workspace: workspace)
            for row in 0..<inputs.rows { probabilities[row] = 1 / (1 + expf(-logits[row])) }
        }
    }

    /// p(open) of every example (one slot each), in batches.
    public func predict(_ examples: TimingExamples, workspace: TimingWorkspace = TimingWorkspace(), batchSize: Int = 4096)
        -> [Float]
    {
        var result = [Float](repeating: 0, count: examples.count)
        result.withUnsafeMutableBufferPointer { output in
            examples.withInputs(batchSize: batchSize) { start, inputs, _ in
                probabilities(inputs, workspace: workspace, into: output.baseAddress! + start)
            }
        }
        return result
    }

    // MARK: Artifacts

    /// The predictor as a ``ModelArtifact`` (`c3po`, format 1).
    public func artifact(metrics: [String: Double], trainedEpochs: Int, dataFingerprint: String, users: Int) throws
        -> ModelArtifact
    {
        let metadata = ModelMetadata(
            modelName: Self.modelName, formatVersion: Self.formatVersion, dataFingerprint: dataFingerprint,
            userCount: users, itemCount: 24, metrics: metrics, hyperparameters: configuration,
            blobLayout: "hour embedding, weekday embedding, W_e, b_e, q, W1 (user, context, hour, weekday, slot rows), b1, W2, b2, w3, b3",
            trainedEpochs: trainedEpochs)
        return ModelArtifact(metadataJSON: try metadata.json(), blob: parameters)
    }

    /// Loads a predictor from a `c3po` artifact.
    ///
    /// - Throws: ``ModelError`` when the artifact is not a c3po model of this format or its blob
    ///   does not match the layout.
    public convenience init(artifact: ModelArtifact) throws {
        let metadata = try ModelMetadata<TimingPredictorConfiguration>.decode(
            artifact, expectedModel: Self.modelName, formatVersion: Self.formatVersion)
        guard artifact.blob.count == metadata.hyperparameters.layout.parameterCount else {
            throw ModelError(
                .corruptArtifact,
                "c3po blob has \(artifact.blob.count) floats, layout needs \(metadata.hyperparameters.layout.parameterCount)")
        }
        self.init(configuration: metadata.hyperparameters, parameters: artifact.blob)
    }
}

extension TimingExamples {
    /// Calls `body` with consecutive batches of at most `batchSize` examples as network inputs
    /// (one slot per request); `body` gets the first example index, the inputs and the labels.
    public func withInputs(
        batchSize: Int, _ body: (Int, TimingInputs, UnsafePointer<Float>) -> Void
    ) {
        let userWidth = TimingFeaturizer.userWidth
        let sequenceWidth = TimingFeaturizer.sequenceWidth
        let slotWidth = TimingFeaturizer.slotWidth
        user.withUnsafeBufferPointer { user in
            sequence.withUnsafeBufferPointer { sequence in
                slot.withUnsafeBufferPointer { slot in
                    hour.withUnsafeBufferPointer { hour in
                        weekday.withUnsafeBufferPointer { weekday in
                            label.withUnsafeBufferPointer { label in
                                var start = 0
                                while start < count {
                                    let size = min(batchSize, count - start)
                                    let inputs = TimingInputs(
                                        requests: size, slotsPerRequest: 1, user: user.baseAddress! + start * userWidth,
                                        sequence: sequence.baseAddress! + start * sequenceWidth,
                                        slot: slot.baseAddress! + start * slotWidth, hour: hour.baseAddress! + start,
                                        weekday: weekday.baseAddress! + start)
                                    body(start, inputs, label.baseAddress! + start)
                                    start += size
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
