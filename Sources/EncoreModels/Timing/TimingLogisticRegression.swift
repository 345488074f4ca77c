#if canImport(Glibc)
import EncoreCore
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EncoreNumerics

/// The L2-regularised logistic-regression baseline on the same features as ``TimingPredictor``:
/// the user row, the flattened click sequence, one-hot hour and weekday, and the slot row.
///
/// ```
/// p = σ(w · x + b),   x = [u, seq, onehot(hour), onehot(weekday), s]
/// ```
/// Trained with Adam on the mean log loss plus λ‖w‖², seeded.
public struct TimingLogisticRegression: Sendable {
    public static let width = TimingFeaturizer.userWidth + TimingFeaturizer.sequenceWidth + 24 + 7
        + TimingFeaturizer.slotWidth
    /// Weights (``width``) followed by the bias.
    public private(set) var parameters: [Float]

    public init() { parameters = [Float](repeating: 0, count: Self.width + 1) }

    /// Training settings.
    public struct Options: Sendable {
        public var epochs = 40
        public var batchSize = 256
        public var learningRate: Float = 1e-2
        public var l2: Float = 1e-3
        public var seed: UInt64 = 5
        public init() {}
    }

    /// The feature vector of example `index`.
    static func features(_ examples: TimingExamples, _ index: Int, into x: inout [Float]) {
        let userWidth = TimingFeaturizer.userWidth
        let sequenceWidth = TimingFeaturizer.sequenceWidth
        let slotWidth = TimingFeaturizer.slotWidth
        var position = 0
        for j in 0..<userWidth { x[position + j] = examples.user[index * userWidth + j] }
        position += userWidth
        for j in 0..<sequenceWidth { x[position + j] = examples.sequence[index * sequenceWidth + j] }
        position += sequenceWidth
        for j in 0..<31 { x[position + j] = 0 }
        x[position + Int(examples.hour[index])] = 1
        x[position + 24 + Int(examples.weekday[index])] = 1
        position += 31
        for j in 0..<slotWidth { x[position + j] = examples.slot[index * slotWidth + j] }
    }

    /// Fits the model to `examples`.
    public mutating func train(_ examples: TimingExamples, options: Options = Options()) {
        let width = Self.width
        var adam = AdamOptimizer(parameterCount: width + 1, learningRate: options.learningRate)
        var generator = SeededGenerator(seed: options.seed)
        var order = Array(0..<examples.count)
        var x = [Float](repeating: 0, count: width)
        var gradient = [Float](repeating: 0, count: width + 1)
        for _ in 0..<options.epochs {
            order.withUnsafeMutableBufferPointer { generator.shuffle($0) }
            var start = 0
            while start < order.count {
                let end = min(order.count, start + options.batchSize)
                for j in gradient.indices { gradient[j] = 0 }
                let scale = 1 / Float(end - start)
                for index in order[start..<end] {
                    Self.features(examples, index, into: &x)
                    var logit = parameters[width]
                    for j in 0..<width { logit += parameters[j] * x[j] }
                    let d = (1 / (1 + expf(-logit)) - examples.label[index]) * scale
                    for j in 0..<width { gradient[j] += d * x[j] }
                    gradient[width] += d
                }
                for j in 0..<width { gradient[j] += 2 * options.l2 * parameters[j] }
                parameters.withUnsafeMutableBufferPointer { p in
                    gradient.withUnsafeBufferPointer { g in adam.update(parameters: p, gradients: g) }
                }
                start = end
            }
        }
    }

    /// p(open) of every example.
    public func predict(_ examples: TimingExamples) -> [Float] {
        var x = [Float](repeating: 0, count: Self.width)
        return (0..<examples.count).map { index in
            Self.features(examples, index, into: &x)
            var logit = parameters[Self.width]
            for j in 0..<Self.width { logit += parameters[j] * x[j] }
            return 1 / (1 + expf(-logit))
        }
    }
}
