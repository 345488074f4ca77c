#if canImport(Glibc)
import EncoreCore
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EncoreNumerics

/// Batch training of ``TimingPredictor``: mean log loss, Adam, seeded shuffling and
/// initialisation, early stopping on a validation set's log loss when one is given.
public struct TimingTrainer: Sendable {
    /// Training settings.
    public struct Options: Sendable, Equatable {
        public var configuration = TimingPredictorConfiguration()
        public var epochs = 12
        public var batchSize = 256
        public var learningRate: Float = 3e-3
        /// L2 weight on every parameter (added to the gradient as λ·θ).
        public var l2: Float = 1e-5
        public var seed: UInt64 = 5
        /// Stop after this many epochs without a better validation loss (needs a validation set).
        public var patience = 3
        /// Attention pooling of the click sequence; `false` freezes the query at 0, i.e. a plain
        /// mean over the present entries (the ablation that measures what attention adds).
        public var attentionPooling = true
        public init() {}
    }

    /// One epoch's figures, for progress lines.
    public struct Progress: Sendable {
        public var epoch: Int
        public var epochs: Int
        public var trainLoss: Double
        public var validationLoss: Double?
        public var examplesPerSecond: Double
    }

    public var options: Options

    public init(options: Options = Options()) { self.options = options }

    /// Trains from fresh parameters (or from `initial`).
    ///
    /// - Parameters:
    ///   - examples: labelled training examples (one slot each).
    ///   - validation: optional held-out examples for early stopping (the best epoch is kept).
    ///   - progress: called after every epoch.
    /// - Returns: the trained predictor and the number of epochs run.
    public func train(
        _ examples: TimingExamples, validation: TimingExamples? = nil, initial: TimingPredictor? = nil,
        progress: (Progress) -> Void = { _ in }
    ) -> (predictor: TimingPredictor, epochs: Int) {
        let configuration = initial?.configuration ?? options.configuration
        let layout = configuration.layout
        var parameters = initial?.parameters
            ?? TimingPredictor.initialParameters(configuration: configuration, seed: options.seed)
        if !options.attentionPooling, initial == nil {
            for index in layout.attentionQuery..<(layout.attentionQuery + layout.sequenceDimension) { parameters[index] = 0 }
        }
        let attentionPooling = options.attentionPooling
        var gradients = [Float](repeating: 0, count: layout.parameterCount)
        var adam = AdamOptimizer(parameterCount: layout.parameterCount, learningRate: options.learningRate)
        var generator = SeededGenerator(seed: options.seed &+ 1)
        let workspace = TimingWorkspace()
        var best: (loss: Double, parameters: [Float])?
        var sinceBest = 0
        var epochsRun = 0
        var order = Array(0..<examples.count)
        let l2 = options.l2
        for epoch in 1...max(1, options.epochs) where options.epochs > 0 {
            let started = ContinuousClock.now
            order.withUnsafeMutableBufferPointer { generator.shuffle($0) }
            let shuffled = examples.subset(order)
            var lossSum = 0.0
            var batches = 0
            shuffled.withInputs(batchSize: options.batchSize) { _, inputs, labels in
                for index in gradients.indices { gradients[index] = 0 }
                let loss = parameters.withUnsafeBufferPointer { p in
                    gradients.withUnsafeMutableBufferPointer { g in
                        _ = TimingNetwork.forward(
                            parameters: p.baseAddress!, layout: layout, inputs: inputs, workspace: workspace)
                        return TimingNetwork.backward(
                            parameters: p.baseAddress!, layout: layout, inputs: inputs, labels: labels,
                            workspace: workspace, gradients: g.baseAddress!)
                    }
                }
                if l2 > 0 { for index in gradients.indices { gradients[index] += l2 * parameters[index] } }
                if !attentionPooling {
                    for index in layout.attentionQuery..<(layout.attentionQuery + layout.sequenceDimension) { gradients[index] = 0 }
                }
                parameters.withUnsafeMutableBufferPointer { p in
                    gradients.withUnsafeBufferPointer { g in adam.update(parameters: p, gradients: g) }
                }
                lossSum += loss
                batches += 1
            }
            epochsRun = epoch
            let elapsed = started.duration(to: .now).components
            let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
            var validationLoss: Double?
            if let validation, validation.count > 0 {
                let predictor = TimingPredictor(configuration: configuration, parameters: parameters)
                let loss = Self.logLoss(predictor.predict(validation, workspace: workspace), validation.label)
                validationLoss = loss
                if best == nil || loss < best!.loss - 1e-5 {
                    best = (loss, parameters)
                    sinceBest = 0
                } else {
                    sinceBest += 1
                }
            }
            progress(Progress(
                epoch: epoch, epochs: options.epochs, trainLoss: lossSum / Double(max(1, batches)),
                validationLoss: validationLoss, examplesPerSecond: Double(examples.count) / max(seconds, 1e-9)))
            if validation != nil, sinceBest >= options.patience { break }
        }
        if let best { parameters = best.parameters }
        return (TimingPredictor(configuration: configuration, parameters: parameters), epochsRun)
    }

    /// Mean log loss with p clipped to [1e-7, 1 − 1e-7].
    static func logLoss(_ probabilities: [Float], _ labels: [Float]) -> Double {
        var total = 0.0
        for (p, y) in zip(probabilities, labels) {
            let clipped = min(max(Double(p), 1e-7), 1 - 1e-7)
            total -= Double(y) * log(clipped) + Double(1 - y) * log(1 - clipped)
        }
        return total / Double(max(1, probabilities.count))
    }

    /// Mean log loss of the predictor on `examples` and its gradient (no L2), for gradient checks.
    public static func lossAndGradient(
        parameters: [Float], configuration: TimingPredictorConfiguration, examples: TimingExamples
    ) -> (loss: Double, gradient: [Float]) {
        let layout = configuration.layout
        var gradient = [Float](repeating: 0, count: layout.parameterCount)
        let workspace = TimingWorkspace()
        var loss = 0.0
        examples.withInputs(batchSize: max(1, examples.count)) { _, inputs, labels in
            loss = parameters.withUnsafeBufferPointer { p in
                gradient.withUnsafeMutableBufferPointer { g in
                    _ = TimingNetwork.forward(parameters: p.baseAddress!, layout: layout, inputs: inputs, workspace: workspace)
                    return TimingNetwork.backward(
                        parameters: p.baseAddress!, layout: layout, inputs: inputs, labels: labels,
                        workspace: workspace, gradients: g.baseAddress!)
                }
            }
        }
        return (loss, gradient)
    }
}
