import EncoreNumerics
import Foundation

/// A naive Float64 dense LightGCN: Ã and M built as dense matrices, loss and analytic gradient
/// written straight from the paper's definitions (no linearity tricks, no partial hops).
struct DenseLightGCNReference {
    let userCount: Int
    let itemCount: Int
    let layers: Int
    let lambda: Double
    let width: Int
    /// Ã, n × n.
    let normalized: [[Double]]
    /// M = (1/(K+1)) Σ Ãᵏ, n × n.
    let propagation: [[Double]]

    init(interactions: [(Int, Int)], userCount: Int, itemCount: Int, layers: Int, lambda: Double, width: Int) {
        self.userCount = userCount
        self.itemCount = itemCount
        self.layers = layers
        self.lambda = lambda
        self.width = width
        let n = userCount + itemCount
        var a = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for (u, i) in interactions {
            a[u][userCount + i] = 1
            a[userCount + i][u] = 1
        }
        let degree = a.map { $0.reduce(0, +) }
        for r in 0..<n {
            for c in 0..<n where a[r][c] != 0 { a[r][c] /= (degree[r] * degree[c]).squareRoot() }
        }
        normalized = a
        var power = (0..<n).map { r in (0..<n).map { c in r == c ? 1.0 : 0.0 } }
        var sum = power
        for _ in 0..<layers {
            power = Self.multiply(a, power)
            for r in 0..<n { for c in 0..<n { sum[r][c] += power[r][c] } }
        }
        propagation = sum.map { $0.map { $0 / Double(layers + 1) } }
    }

    static func multiply(_ x: [[Double]], _ y: [[Double]]) -> [[Double]] {
        let n = x.count, m = y[0].count, k = y.count
        var out = [[Double]](repeating: [Double](repeating: 0, count: m), count: n)
        for i in 0..<n { for l in 0..<k where x[i][l] != 0 { for j in 0..<m { out[i][j] += x[i][l] * y[l][j] } } }
        return out
    }

    func propagate(_ ego: [[Double]]) -> [[Double]] { Self.multiply(propagation, ego) }

    func loss(_ ego: [[Double]], _ triplets: [(Int, Int, Int)]) -> Double {
        let e = propagate(ego)
        let b = Double(triplets.count)
        var total = 0.0
        for (u, i, j) in triplets {
            let eu = e[u], ei = e[userCount + i], ej = e[userCount + j]
            var x = 0.0
            for k in 0..<width { x += eu[k] * (ej[k] - ei[k]) }
            total += log(1 + exp(x)) / b
            for row in [ego[u], ego[userCount + i], ego[userCount + j]] {
                total += lambda / (2 * b) * row.reduce(0) { $0 + $1 * $1 }
            }
        }
        return total
    }

    /// ∂L/∂E⁽⁰⁾ = Mᵀ·G + (λ/B)·Σ rows, with a dense transpose (not assuming symmetry).
    func gradient(_ ego: [[Double]], _ triplets: [(Int, Int, Int)]) -> [[Double]] {
        let n = userCount + itemCount
        let e = propagate(ego)
        let b = Double(triplets.count)
        var g = [[Double]](repeating: [Double](repeating: 0, count: width), count: n)
        var reg = g
        for (u, i, j) in triplets {
            let pu = u, pi = userCount + i, pj = userCount + j
            var x = 0.0
            for k in 0..<width { x += e[pu][k] * (e[pj][k] - e[pi][k]) }
            let s = 1 / (1 + exp(-x)) / b
            for k in 0..<width {
                g[pu][k] += s * (e[pj][k] - e[pi][k])
                g[pi][k] -= s * e[pu][k]
                g[pj][k] += s * e[pu][k]
            }
            for p in [pu, pi, pj] { for k in 0..<width { reg[p][k] += lambda / b * ego[p][k] } }
        }
        let transposed = (0..<n).map { c in (0..<n).map { r in propagation[r][c] } }
        var result = Self.multiply(transposed, g)
        for r in 0..<n { for k in 0..<width { result[r][k] += reg[r][k] } }
        return result
    }
}
