import Foundation

/// A naive Float64 dense Sheaf4Rec, written from the paper's and reference code's definitions:
/// restriction maps from the concatenation tanh(wᵀ[x_s; x_t]), the sheaf Laplacian as a dense
/// matrix (L_st = −f_s f_t, L_ss = Σ f_s²), Δ = (D+I)^{-1/2} L (D+I)^{-1/2}, X' = X − αΔ(XW + b),
/// concatenated readout, BPR + ½λ Σ‖·‖²/B. No fused maps, no CSR, no hand-written backward.
struct SheafDenseReference {
    let edges: [(Int, Int)]
    let userCount: Int
    let itemCount: Int
    let width: Int
    let layers: Int
    let alpha: Double
    let lambda: Double

    var nodeCount: Int { userCount + itemCount }
    var layerParameterCount: Int { 3 * width + width * width }

    func dot(_ x: [Double], _ y: [Double]) -> Double { zip(x, y).reduce(0) { $0 + $1.0 * $1.1 } }

    /// Δ of one layer for input X.
    func laplacian(_ x: [[Double]], parameters: [Double], layer: Int) -> [[Double]] {
        let base = nodeCount * width + layer * layerParameterCount
        let w = Array(parameters[base..<(base + 2 * width)])
        var l = [[Double]](repeating: [Double](repeating: 0, count: nodeCount), count: nodeCount)
        for (u, item) in edges {
            let i = userCount + item
            let fu = tanh(dot(w, x[u] + x[i]))  // map of u into the edge: [x_u; x_i]
            let fi = tanh(dot(w, x[i] + x[u]))  // map of i: [x_i; x_u]
            l[u][i] -= fu * fi
            l[i][u] -= fu * fi
            l[u][u] += fu * fu
            l[i][i] += fi * fi
        }
        let scale = (0..<nodeCount).map { 1 / (l[$0][$0] + 1).squareRoot() }
        return (0..<nodeCount).map { r in (0..<nodeCount).map { c in scale[r] * l[r][c] * scale[c] } }
    }

    /// X⁰ … X^K.
    func forward(_ parameters: [Double]) -> [[[Double]]] {
        var x = (0..<nodeCount).map { Array(parameters[($0 * width)..<(($0 + 1) * width)]) }
        var states = [x]
        for layer in 0..<layers {
            let base = nodeCount * width + layer * layerParameterCount
            let weights = Array(parameters[(base + 2 * width)..<(base + 2 * width + width * width)])
            let bias = Array(parameters[(base + 2 * width + width * width)..<(base + layerParameterCount)])
            let delta = laplacian(x, parameters: parameters, layer: layer)
            let y = x.map { row in
                (0..<width).map { c in bias[c] + (0..<width).reduce(0) { $0 + row[$1] * weights[$1 * width + c] } }
            }
            x = (0..<nodeCount).map { s in
                (0..<width).map { c in x[s][c] - alpha * (0..<nodeCount).reduce(0) { $0 + delta[s][$1] * y[$1][c] } }
            }
            states.append(x)
        }
        return states
    }

    func loss(_ parameters: [Double], _ triplets: [(Int, Int, Int)]) -> Double {
        let states = forward(parameters)
        let b = Double(triplets.count)
        var total = 0.0
        for (u, i, j) in triplets {
            let pi = userCount + i, pj = userCount + j
            let score = { (a: Int, c: Int) in states.reduce(0.0) { $0 + self.dot($1[a], $1[c]) } }
            total += log(1 + exp(score(u, pj) - score(u, pi))) / b
            for node in [u, pi, pj] { total += lambda / (2 * b) * dot(states[0][node], states[0][node]) }
        }
        return total
    }
}
