import EncoreNumerics
import Foundation

/// DCCF's InfoNCE term, computed in tiles (docs/design/graph-models.md §1, "Tiling").
///
/// For anchors A and positives P (n × d, rows L2-normalised inside: â = a / max(‖a‖, 1e-12)),
/// s_ab = â·p̂_b / τ, e_ab = exp(s_ab), D_a = Σ_b e_ab and
///
/// ```
/// loss = (1/n) Σ_a −log( e_aa / (D_a + 1e-8) + 1e-8 )        (the reference's two 1e-8)
/// ∂loss/∂s_ab = c_a/n · (e_ab/(D_a + 1e-8) − δ_ab),   c_a = q_a/(q_a + 1e-8), q_a = e_aa/(D_a + 1e-8)
/// ```
///
/// Pass 1 walks anchor tiles I of b rows: S_I = Â_I P̂ᵀ/τ by GEMM, row sums, loss, and
/// ∂Â_I = W_I P̂/τ. Pass 2 walks positive tiles J: it recomputes the columns S_{:,J} (as
/// P̂_J Âᵀ/τ) and forms ∂P̂_J = W_{:,J}ᵀ Â/τ. Both passes write disjoint rows, so they run on
/// all workers with results independent of the thread count. Memory: one b × n tile per worker
/// plus O(n·d) normalised copies — never the n × n matrix.
enum DCCFContrast {
    /// Computes the InfoNCE loss and adds `weight ×` its gradients to `gradAnchors` and
    /// `gradPositives` (raw rows, through the normalisation).
    ///
    /// - Returns: The unweighted loss.
    static func infoNCE(
        anchors a: UnsafePointer<Float>, positives p: UnsafePointer<Float>, count n: Int, width d: Int,
        temperature: Float, weight: Float, tileRows: Int, threads: Int,
        gradAnchors: UnsafeMutablePointer<Float>, gradPositives: UnsafeMutablePointer<Float>
    ) -> Double {
        guard n > 0 else { return 0 }
        let unitA = UnsafeMutablePointer<Float>.allocate(capacity: n * d)
        let unitP = UnsafeMutablePointer<Float>.allocate(capacity: n * d)
        let normA = UnsafeMutablePointer<Float>.allocate(capacity: n)
        let normP = UnsafeMutablePointer<Float>.allocate(capacity: n)
        let gradUnitA = UnsafeMutablePointer<Float>.allocate(capacity: n * d)
        let gradUnitP = UnsafeMutablePointer<Float>.allocate(capacity: n * d)
        let rowSums = UnsafeMutablePointer<Double>.allocate(capacity: n)
        let factors = UnsafeMutablePointer<Float>.allocate(capacity: n)
        let losses = UnsafeMutablePointer<Double>.allocate(capacity: n)
        defer {
            unitA.deallocate()
            unitP.deallocate()
            normA.deallocate()
            normP.deallocate()
            gradUnitA.deallocate()
            gradUnitP.deallocate()
            rowSums.deallocate()
            factors.deallocate()
            losses.deallocate()
        }
        normalizeRows(a, count: n, width: d, into: unitA, norms: normA)
        normalizeRows(p, count: n, width: d, into: unitP, norms: normP)
        let b = min(tileRows, n)
        let tiles = (n + b - 1) / b
        let inverseTemperature = 1 / temperature
        let box = UncheckedSendableBox((unitA, unitP, gradUnitA, gradUnitP, rowSums, factors, losses))

        // Pass 1: anchor tiles → row sums, losses, ∂Â.
        parallelChunks(chunkCount: tiles, threads: threads) { tile in
            let (unitA, unitP, gradUnitA, _, rowSums, factors, losses) = box.value
            let start = tile * b, rows = min(b, n - start)
            let s = UnsafeMutablePointer<Float>.allocate(capacity: rows * n)
            defer { s.deallocate() }
            BLAS.sgemm(
                transposeA: false, transposeB: true, m: rows, n: n, k: d, alpha: inverseTemperature,
                a: unitA + start * d, lda: d, b: unitP, ldb: d, beta: 0, c: s, ldc: n)
            for r in 0..<rows {
                let row = s + r * n
                var sum = 0.0
                for c in 0..<n {
                    let e = expf(row[c])
                    row[c] = e
                    sum += Double(e)
                }
                let anchor = start + r
                let q = Double(row[anchor]) / (sum + 1e-8)
                losses[anchor] = -log(q + 1e-8)
                rowSums[anchor] = sum
                let factor = Float(q / (q + 1e-8)) / Float(n)
                factors[anchor] = factor
                let scale = factor / Float(sum + 1e-8)
                for c in 0..<n { row[c] *= scale }
                row[anchor] -= factor
            }
            BLAS.sgemm(
                transposeA: false, transposeB: false, m: rows, n: d, k: n, alpha: inverseTemperature, a: s, lda: n,
                b: unitP, ldb: d, beta: 0, c: gradUnitA + start * d, ldc: d)
        }

        // Pass 2: positive tiles → ∂P̂ (columns of W recomputed).
        parallelChunks(chunkCount: tiles, threads: threads) { tile in
            let (unitA, unitP, _, gradUnitP, rowSums, factors, _) = box.value
            let start = tile * b, rows = min(b, n - start)
            let t = UnsafeMutablePointer<Float>.allocate(capacity: rows * n)
            defer { t.deallocate() }
            // t[j, a] = s_aj.
            BLAS.sgemm(
                transposeA: false, transposeB: true, m: rows, n: n, k: d, alpha: inverseTemperature,
                a: unitP + start * d, lda: d, b: unitA, ldb: d, beta: 0, c: t, ldc: n)
            for r in 0..<rows {
                let row = t + r * n
                for anchor in 0..<n {
                    row[anchor] = expf(row[anchor]) * (factors[anchor] / Float(rowSums[anchor] + 1e-8))
                }
                row[start + r] -= factors[start + r]
            }
            BLAS.sgemm(
                transposeA: false, transposeB: false, m: rows, n: d, k: n, alpha: inverseTemperature, a: t, lda: n,
                b: unitA, ldb: d, beta: 0, c: gradUnitP + start * d, ldc: d)
        }

        var loss = 0.0
        for r in 0..<n { loss += losses[r] }
        loss /= Double(n)
        addNormalizationGradient(
            unit: unitA, norms: normA, gradUnit: gradUnitA, count: n, width: d, weight: weight, into: gradAnchors)
        addNormalizationGradient(
            unit: unitP, norms: normP, gradUnit: gradUnitP, count: n, width: d, weight: weight, into: gradPositives)
        return loss
    }

    /// x̂ = x / max(‖x‖, 1e-12) per row (PyTorch's F.normalize).
    static func normalizeRows(
        _ x: UnsafePointer<Float>, count n: Int, width d: Int, into unit: UnsafeMutablePointer<Float>,
        norms: UnsafeMutablePointer<Float>
    ) {
        for r in 0..<n {
            let row = x + r * d
            var squared: Float = 0
            for k in 0..<d { squared += row[k] * row[k] }
            let norm = max(squared.squareRoot(), 1e-12)
            norms[r] = norm
            let inverse = 1 / norm
            for k in 0..<d { unit[r * d + k] = row[k] * inverse }
        }
    }

    /// into += weight · (g − x̂(x̂·g)) / max(‖x‖, 1e-12) per row.
    static func addNormalizationGradient(
        unit: UnsafePointer<Float>, norms: UnsafePointer<Float>, gradUnit: UnsafePointer<Float>, count n: Int,
        width d: Int, weight: Float, into target: UnsafeMutablePointer<Float>
    ) {
        for r in 0..<n {
            let x = unit + r * d, g = gradUnit + r * d, out = target + r * d
            var dot: Float = 0
            for k in 0..<d { dot += x[k] * g[k] }
            let scale = weight / norms[r]
            for k in 0..<d { out[k] += scale * (g[k] - x[k] * dot) }
        }
    }
}
