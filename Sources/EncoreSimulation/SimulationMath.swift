import EncoreCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The few transcendental functions the simulator needs, in one place so that only this file
/// imports the C math library, plus small vector helpers over `[Float]`.
enum SimulationMath {
    static func exp(_ x: Double) -> Double { libmExp(x) }
    static func log(_ x: Double) -> Double { libmLog(x) }
    static func cos(_ x: Double) -> Double { libmCos(x) }
    static func sin(_ x: Double) -> Double { libmSin(x) }

    /// The logistic function `1 / (1 + e^{−x})`.
    static func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

    /// `ln(p / (1 − p))`.
    static func logit(_ p: Double) -> Double { log(p / (1 - p)) }

    /// Dot product of two equally long vectors, accumulated in `Double`.
    static func dot(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>) -> Double {
        var sum: Float = 0
        for index in 0..<a.count { sum += a[index] * b[index] }
        return Double(sum)
    }

    /// Scales `vector` to unit Euclidean length (unchanged if it is zero).
    static func normalize(_ vector: inout [Float]) {
        var squared: Float = 0
        for value in vector { squared += value * value }
        guard squared > 0 else { return }
        let scale = 1 / squared.squareRoot()
        for index in vector.indices { vector[index] *= scale }
    }

    /// A vector of `dimension` independent normal components with standard deviation
    /// `scale / √dimension` (expected Euclidean length ≈ `scale`).
    static func gaussianVector(dimension: Int, scale: Double, using generator: inout SeededGenerator) -> [Float] {
        let componentScale = scale / Double(dimension).squareRoot()
        return (0..<dimension).map { _ in Float(generator.nextGaussian() * componentScale) }
    }
}

@inline(__always) private func libmExp(_ x: Double) -> Double { exp(x) }
@inline(__always) private func libmLog(_ x: Double) -> Double { log(x) }
@inline(__always) private func libmCos(_ x: Double) -> Double { cos(x) }
@inline(__always) private func libmSin(_ x: Double) -> Double { sin(x) }
