/// GTE hyperparameters (docs/design/graph-models.md §2). GTE has nothing to learn: the only model
/// setting is the propagation depth k.
public struct GTEConfiguration: Codable, Sendable, Equatable {
    /// Propagation steps k of the reference loop; scores are the weighted counts of odd paths
    /// of length ≤ k. k = 1 and k = 2 rank nothing after masking, so k ≥ 3 is required.
    public var steps: Int = 3
    /// Worker threads for building the item co-occurrence RᵀR. An execution setting: the
    /// result is identical for every value.
    public var threads: Int = 1

    /// The defaults (k = 3, the reference default).
    public init() {}

    /// Checks every value and names the first bad one.
    ///
    /// - Throws: ``ModelError`` with code `.invalidInput`.
    public func validate() throws {
        if steps < 3 {
            throw ModelError(.invalidInput, "GTE: steps must be ≥ 3 (k = 1, 2 only score training items), is \(steps)")
        }
        if threads <= 0 { throw ModelError(.invalidInput, "GTE: threads must be positive, is \(threads)") }
    }

    /// The closed-form weights C(k, 2j+1) of R(RᵀR)ʲ for j = 0, 1, … (docs/design/graph-models.md §2).
    public var pathWeights: [Float] {
        var weights = [Float]()
        var j = 0
        while 2 * j + 1 <= steps {
            weights.append(Float(Self.binomial(steps, 2 * j + 1)))
            j += 1
        }
        return weights
    }

    static func binomial(_ n: Int, _ k: Int) -> Double {
        var result = 1.0
        for i in 0..<k { result = result * Double(n - i) / Double(i + 1) }
        return result.rounded()
    }
}
