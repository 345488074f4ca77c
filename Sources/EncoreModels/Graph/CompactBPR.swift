#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The BPR term of a mini-batch over compacted rows, shared by the LightGCN and DCCF trainers.
enum CompactBPR {
    /// Adds ∂(mean BPR)/∂e to `gradients` for every triplet (u, i, j) given as row slots
    /// (`slots[3t]`, `slots[3t + 1]`, `slots[3t + 2]`) of the `width`-wide `embeddings`, and
    /// returns Σ −log σ(e_uᵀe_i − e_uᵀe_j) (divide by `count` for the mean).
    static func accumulate(
        slots: UnsafePointer<Int32>, count: Int, embeddings: UnsafePointer<Float>,
        gradients: UnsafeMutablePointer<Float>, width d: Int
    ) -> Double {
        let inverseBatch = 1 / Float(count)
        var bprSum = 0.0
        for t in 0..<count {
            let su = Int(slots[3 * t]), si = Int(slots[3 * t + 1]), sj = Int(slots[3 * t + 2])
            let eu = embeddings + su * d, ei = embeddings + si * d, ej = embeddings + sj * d
            var positive: Float = 0, negative: Float = 0
            for k in 0..<d {
                positive += eu[k] * ei[k]
                negative += eu[k] * ej[k]
            }
            let difference = Double(negative - positive)
            bprSum += max(difference, 0) + log1p(exp(-abs(difference)))
            let weight = Float(1 / (1 + exp(-difference))) * inverseBatch
            let gu = gradients + su * d, gi = gradients + si * d, gj = gradients + sj * d
            for k in 0..<d {
                gu[k] += weight * (ej[k] - ei[k])
                gi[k] -= weight * eu[k]
                gj[k] += weight * eu[k]
            }
        }
        return bprSum
    }
}
