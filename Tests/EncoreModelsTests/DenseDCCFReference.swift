import Foundation

@testable import EncoreModels

/// A naive Float64 dense DCCF forward and loss written straight from the definitions in
/// docs/design/graph-models.md §1:
/// dense Ā, dense per-edge mask matrices, full InfoNCE similarity matrices (no tiling, no
/// fused kernels). Used for the loss equivalence and as the function of the finite-difference
/// gradient check.
struct DenseDCCFReference {
    let userCount: Int
    let itemCount: Int
    let configuration: DCCFConfiguration
    /// Â (0/1), n × n.
    let adjacency: [[Double]]
    /// Ā = D^{-1/2} Â D^{-1/2}.
    let normalized: [[Double]]

    init(edges: [(Int, Int)], userCount: Int, itemCount: Int, configuration: DCCFConfiguration) {
        self.userCount = userCount
        self.itemCount = itemCount
        self.configuration = configuration
        let n = userCount + itemCount
        var a = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for (u, i) in edges {
            a[u][userCount + i] = 1
            a[userCount + i][u] = 1
        }
        adjacency = a
        let degree = a.map { $0.reduce(0, +) }
        normalized = (0..<n).map { r in
            (0..<n).map { c in a[r][c] == 0 ? 0 : 1 / (degree[r] * degree[c]).squareRoot() }
        }
    }

    static func multiply(_ x: [[Double]], _ y: [[Double]]) -> [[Double]] {
        let n = x.count, m = y[0].count, k = y.count
        var out = [[Double]](repeating: [Double](repeating: 0, count: m), count: n)
        for i in 0..<n { for l in 0..<k where x[i][l] != 0 { for j in 0..<m { out[i][j] += x[i][l] * y[l][j] } } }
        return out
    }

    static func unit(_ row: [Double]) -> [Double] {
        let norm = max(row.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
        return row.map { $0 / norm }
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    /// Layer outputs: E_0 … E_L and per layer (Z, R, H, H′, Ḡ).
    struct Forward {
        var layers: [[[Double]]] = []
        var z: [[[Double]]] = []
        var r: [[[Double]]] = []
        var hb: [[[Double]]] = []
        var hg: [[[Double]]] = []
        var masks: [[[Double]]] = []
    }

    /// Parameters in the trainer's layout: [E⁽⁰⁾ (n×d) | C_u (d×Kp) | C_i (d×Kp)].
    func forward(_ parameters: [Double]) -> Forward {
        let n = userCount + itemCount, d = configuration.embeddingDimension, kp = configuration.prototypeCount
        let ego = (0..<n).map { Array(parameters[($0 * d)..<($0 * d + d)]) }
        let cu = (0..<d).map { Array(parameters[(n * d + $0 * kp)..<(n * d + $0 * kp + kp)]) }
        let ci = (0..<d).map { Array(parameters[(n * d + d * kp + $0 * kp)..<(n * d + d * kp + $0 * kp + kp)]) }
        var result = Forward()
        var e = ego
        result.layers.append(e)
        for _ in 0..<configuration.layerCount {
            let z = Self.multiply(normalized, e)
            var r = e
            for v in 0..<n {
                let c = v < userCount ? cu : ci
                var s = (0..<kp).map { k in (0..<d).reduce(0.0) { $0 + e[v][$1] * c[$1][k] } }
                let top = s.max()!
                s = s.map { exp($0 - top) }
                let sum = s.reduce(0, +)
                let p = s.map { $0 / sum }
                r[v] = (0..<d).map { j in (0..<kp).reduce(0.0) { $0 + p[$1] * c[j][$1] } }
            }
            func maskMatrix(_ view: [[Double]]) -> [[Double]] {
                let units = view.map(Self.unit)
                var g = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
                for h in 0..<n {
                    var sum = 0.0
                    for t in 0..<n where adjacency[h][t] != 0 {
                        g[h][t] = (Self.dot(units[h], units[t]) + 1) / 2
                        sum += g[h][t]
                    }
                    for t in 0..<n { g[h][t] = sum > 0 ? g[h][t] / sum : 0 }
                }
                return g
            }
            let gb = maskMatrix(z), gg = maskMatrix(r)
            let hb = Self.multiply(gb, e), hg = Self.multiply(gg, e)
            result.z.append(z)
            result.r.append(r)
            result.hb.append(hb)
            result.hg.append(hg)
            result.masks.append(gb)
            var next = e
            for v in 0..<n {
                for j in 0..<d {
                    let views: Double = z[v][j] + r[v][j] + hb[v][j] + hg[v][j]
                    next[v][j] += views
                }
            }
            e = next
            result.layers.append(e)
        }
        return result
    }

    /// Untiled InfoNCE with the reference's two 1e-8.
    func infoNCE(_ anchors: [[Double]], _ positives: [[Double]]) -> Double {
        let a = anchors.map(Self.unit), p = positives.map(Self.unit)
        let tau = Double(configuration.temperature)
        var total = 0.0
        for i in a.indices {
            let row = p.indices.map { exp(Self.dot(a[i], p[$0]) / tau) }
            total += -log(row[i] / (row.reduce(0, +) + 1e-8) + 1e-8)
        }
        return total / Double(a.count)
    }

    func loss(_ parameters: [Double], triplets: [(Int, Int, Int)]) -> Double {
        let n = userCount + itemCount, d = configuration.embeddingDimension
        let f = forward(parameters)
        let final = (0..<n).map { v in (0..<d).map { j in f.layers.reduce(0.0) { $0 + $1[v][j] } } }
        var bpr = 0.0, squares = 0.0
        for (u, i, j) in triplets {
            let x = Self.dot(final[u], final[userCount + j]) - Self.dot(final[u], final[userCount + i])
            bpr += log(1 + exp(x))
            for node in [u, userCount + i, userCount + j] {
                squares += (0..<d).reduce(0.0) { $0 + parameters[node * d + $1] * parameters[node * d + $1] }
            }
        }
        bpr /= Double(triplets.count)
        let prototypes = parameters[(n * d)...].reduce(0.0) { $0 + $1 * $1 }
        var users = [Int](), items = [Int]()
        for (u, i, _) in triplets {
            if !users.contains(u) { users.append(u) }
            if !items.contains(userCount + i) { items.append(userCount + i) }
        }
        var contrast = 0.0
        for l in 0..<configuration.layerCount {
            for list in [users, items] {
                let anchors = list.map { f.z[l][$0] }
                for view in [f.r[l], f.hb[l], f.hg[l]] { contrast += infoNCE(anchors, list.map { view[$0] }) }
            }
        }
        return bpr + Double(configuration.contrastWeight) * contrast
            + Double(configuration.embeddingRegularization) * squares
            + Double(configuration.prototypeRegularization) * prototypes
    }
}
