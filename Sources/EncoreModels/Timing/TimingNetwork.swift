#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EncoreNumerics

/// Inputs of one forward pass: `requests` requests with `slotsPerRequest` slots each.
///
/// `user` is requests × Du, `sequence` requests × (L·E), `slot` (requests·slots) × Ds,
/// `hour` and `weekday` one index per slot row.
public struct TimingInputs {
    public var requests: Int
    public var slotsPerRequest: Int
    public var user: UnsafePointer<Float>
    public var sequence: UnsafePointer<Float>
    public var slot: UnsafePointer<Float>
    public var hour: UnsafePointer<Int32>
    public var weekday: UnsafePointer<Int32>

    public init(
        requests: Int, slotsPerRequest: Int, user: UnsafePointer<Float>, sequence: UnsafePointer<Float>,
        slot: UnsafePointer<Float>, hour: UnsafePointer<Int32>, weekday: UnsafePointer<Int32>
    ) {
        self.requests = requests
        self.slotsPerRequest = slotsPerRequest
        self.user = user
        self.sequence = sequence
        self.slot = slot
        self.hour = hour
        self.weekday = weekday
    }

    var rows: Int { requests * slotsPerRequest }
}

/// Reusable scratch memory of the forward and backward pass (grown on demand, never per event).
///
/// Not thread-safe: one owner (a pipeline stage or a trainer) at a time.
public final class TimingWorkspace {
    private var buffers: [UnsafeMutablePointer<Float>] = []
    private var capacities: [Int] = []

    public init() {}

    deinit { for buffer in buffers { buffer.deallocate() } }

    /// Buffer number `index` with room for at least `count` floats (contents undefined).
    func buffer(_ index: Int, count: Int) -> UnsafeMutablePointer<Float> {
        while buffers.count <= index {
            buffers.append(UnsafeMutablePointer<Float>.allocate(capacity: 1))
            capacities.append(1)
        }
        if capacities[index] < count {
            buffers[index].deallocate()
            let capacity = max(count, capacities[index] * 2)
            buffers[index] = UnsafeMutablePointer<Float>.allocate(capacity: capacity)
            capacities[index] = capacity
        }
        return buffers[index]
    }
}

/// The C-3PO network's math: forward pass (scores many requests × slots with one GEMM per
/// layer) and backward pass (gradients of the mean log loss).
///
/// ```
/// h_i  = tanh(x_i W_e + b_e)                 each present click-sequence entry x_i
/// a    = softmax_i(q · h_i)   over present entries;   c = Σ a_i h_i   (0 if none)
/// z1   = [u, c] W1_u + [E_h[hour], E_w[weekday], s] W1_s + b1       per slot
/// z2   = relu(z1) W2 + b2;   logit = relu(z2) · w3 + b3;   p = σ(logit)
/// ```
/// The request part `[u, c] W1_u` is computed once per request and broadcast to its slots.
enum TimingNetwork {
    // Workspace buffer numbers.
    private static let seqHidden = 0, attention = 1, requestInput = 2, slotInput = 3, requestPart = 4
    private static let hidden1 = 5, hidden2 = 6, logits = 7
    private static let dLogits = 8, dHidden2 = 9, dHidden1 = 10, dRequestPart = 11, dSlotInput = 12
    private static let dRequestInput = 13, dSeqPre = 14

    /// Forward pass; returns a pointer to the `inputs.rows` logits (valid until the workspace is
    /// used again).
    static func forward(
        parameters p: UnsafePointer<Float>, layout: TimingLayout, inputs: TimingInputs, workspace: TimingWorkspace
    ) -> UnsafeMutablePointer<Float> {
        let requests = inputs.requests
        let rows = inputs.rows
        let k = inputs.slotsPerRequest
        let L = layout.sequenceLength, E = layout.eventWidth, de = layout.sequenceDimension
        let Du = layout.userWidth, Ds = layout.slotWidth, dh = layout.hourDimension, dw = layout.weekdayDimension
        let H1 = layout.hidden1, H2 = layout.hidden2
        let requestWidth = layout.requestInputWidth, slotWidth = layout.slotInputWidth

        // Click-sequence encoder.
        let hidden = workspace.buffer(seqHidden, count: requests * L * de)
        let weights = workspace.buffer(attention, count: requests * L)
        let requestIn = workspace.buffer(requestInput, count: requests * requestWidth)
        if requests > 0 {
            BLAS.sgemm(
                transposeA: false, transposeB: false, m: requests * L, n: de, k: E, alpha: 1, a: inputs.sequence,
                lda: E, b: p + layout.sequenceWeights, ldb: de, beta: 0, c: hidden, ldc: de)
        }
        let bias = p + layout.sequenceBias
        let query = p + layout.attentionQuery
        for index in 0..<(requests * L) {
            let row = hidden + index * de
            for j in 0..<de { row[j] = tanhf(row[j] + bias[j]) }
        }
        for r in 0..<requests {
            var maximum = -Float.infinity
            for i in 0..<L where inputs.sequence[(r * L + i) * E + E - 1] > 0 {
                var score: Float = 0
                let row = hidden + (r * L + i) * de
                for j in 0..<de { score += query[j] * row[j] }
                weights[r * L + i] = score
                maximum = max(maximum, score)
            }
            var total: Float = 0
            for i in 0..<L {
                if inputs.sequence[(r * L + i) * E + E - 1] > 0 {
                    let w = expf(weights[r * L + i] - maximum)
                    weights[r * L + i] = w
                    total += w
                } else {
                    weights[r * L + i] = 0
                }
            }
            let target = requestIn + r * requestWidth
            for j in 0..<Du { target[j] = inputs.user[r * Du + j] }
            for j in 0..<de { target[Du + j] = 0 }
            if total > 0 {
                for i in 0..<L {
                    let a = weights[r * L + i] / total
                    weights[r * L + i] = a
                    if a == 0 { continue }
                    let row = hidden + (r * L + i) * de
                    for j in 0..<de { target[Du + j] += a * row[j] }
                }
            }
        }

        // Slot inputs: embeddings and the slot row.
        let slotIn = workspace.buffer(slotInput, count: rows * slotWidth)
        for row in 0..<rows {
            let target = slotIn + row * slotWidth
            let hourRow = p + layout.hourEmbedding + Int(inputs.hour[row]) * dh
            let weekdayRow = p + layout.weekdayEmbedding + Int(inputs.weekday[row]) * dw
            for j in 0..<dh { target[j] = hourRow[j] }
            for j in 0..<dw { target[dh + j] = weekdayRow[j] }
            for j in 0..<Ds { target[dh + dw + j] = inputs.slot[row * Ds + j] }
        }

        // Layer 1: request part once per request, slot part per slot.
        let shared = workspace.buffer(requestPart, count: requests * H1)
        let h1 = workspace.buffer(hidden1, count: rows * H1)
        if rows > 0 {
            BLAS.sgemm(
                transposeA: false, transposeB: false, m: requests, n: H1, k: requestWidth, alpha: 1, a: requestIn,
                lda: requestWidth, b: p + layout.w1, ldb: H1, beta: 0, c: shared, ldc: H1)
            BLAS.sgemm(
                transposeA: false, transposeB: false, m: rows, n: H1, k: slotWidth, alpha: 1, a: slotIn,
                lda: slotWidth, b: p + layout.w1 + requestWidth * H1, ldb: H1, beta: 0, c: h1, ldc: H1)
        }
        let b1 = p + layout.b1
        for row in 0..<rows {
            let target = h1 + row * H1
            let sharedRow = shared + (row / k) * H1
            for j in 0..<H1 { target[j] = max(0, target[j] + sharedRow[j] + b1[j]) }
        }

        // Layer 2 and the output.
        let h2 = workspace.buffer(hidden2, count: rows * H2)
        let out = workspace.buffer(logits, count: rows)
        if rows > 0 {
            BLAS.sgemm(
                transposeA: false, transposeB: false, m: rows, n: H2, k: H1, alpha: 1, a: h1, lda: H1,
                b: p + layout.w2, ldb: H2, beta: 0, c: h2, ldc: H2)
        }
        let b2 = p + layout.b2
        let w3 = p + layout.w3
        let b3 = p[layout.b3]
        for row in 0..<rows {
            let target = h2 + row * H2
            var logit = b3
            for j in 0..<H2 {
                let value = max(0, target[j] + b2[j])
                target[j] = value
                logit += value * w3[j]
            }
            out[row] = logit
        }
        return out
    }

    /// Mean log loss of the last forward pass and its gradient, accumulated into `gradients`
    /// (which the caller zeroes). Must follow ``forward(parameters:layout:inputs:workspace:)``
    /// on the same inputs and workspace.
    ///
    /// - Returns: the mean log loss (p clipped to [1e-7, 1 − 1e-7]).
    @discardableResult
    static func backward(
        parameters p: UnsafePointer<Float>, layout: TimingLayout, inputs: TimingInputs, labels: UnsafePointer<Float>,
        workspace: TimingWorkspace, gradients g: UnsafeMutablePointer<Float>
    ) -> Double {
        let requests = inputs.requests
        let rows = inputs.rows
        guard rows > 0 else { return 0 }
        let k = inputs.slotsPerRequest
        let L = layout.sequenceLength, E = layout.eventWidth, de = layout.sequenceDimension
        let Du = layout.userWidth, dh = layout.hourDimension, dw = layout.weekdayDimension
        let H1 = layout.hidden1, H2 = layout.hidden2
        let requestWidth = layout.requestInputWidth, slotWidth = layout.slotInputWidth
        let hidden = workspace.buffer(seqHidden, count: requests * L * de)
        let weights = workspace.buffer(attention, count: requests * L)
        let requestIn = workspace.buffer(requestInput, count: requests * requestWidth)
        let slotIn = workspace.buffer(slotInput, count: rows * slotWidth)
        let h1 = workspace.buffer(hidden1, count: rows * H1)
        let h2 = workspace.buffer(hidden2, count: rows * H2)
        let out = workspace.buffer(logits, count: rows)

        // Output layer.
        let dOut = workspace.buffer(dLogits, count: rows)
        var loss = 0.0
        let scale = 1 / Float(rows)
        for row in 0..<rows {
            let probability = 1 / (1 + expf(-out[row]))
            let clipped = Double(min(max(probability, 1e-7), 1 - 1e-7))
            loss -= Double(labels[row]) * log(clipped) + Double(1 - labels[row]) * log(1 - clipped)
            dOut[row] = (probability - labels[row]) * scale
        }
        let dz2 = workspace.buffer(dHidden2, count: rows * H2)
        let w3 = p + layout.w3
        for row in 0..<rows {
            let d = dOut[row]
            g[layout.b3] += d
            for j in 0..<H2 {
                let activation = h2[row * H2 + j]
                g[layout.w3 + j] += activation * d
                dz2[row * H2 + j] = activation > 0 ? d * w3[j] : 0
            }
        }
        // Layer 2.
        BLAS.sgemm(
            transposeA: true, transposeB: false, m: H1, n: H2, k: rows, alpha: 1, a: h1, lda: H1, b: dz2, ldb: H2,
            beta: 1, c: g + layout.w2, ldc: H2)
        for row in 0..<rows { for j in 0..<H2 { g[layout.b2 + j] += dz2[row * H2 + j] } }
        let dz1 = workspace.buffer(dHidden1, count: rows * H1)
        BLAS.sgemm(
            transposeA: false, transposeB: true, m: rows, n: H1, k: H2, alpha: 1, a: dz2, lda: H2, b: p + layout.w2,
            ldb: H2, beta: 0, c: dz1, ldc: H1)
        for index in 0..<(rows * H1) where h1[index] <= 0 { dz1[index] = 0 }
        // Layer 1.
        let dShared = workspace.buffer(dRequestPart, count: requests * H1)
        for index in 0..<(requests * H1) { dShared[index] = 0 }
        for row in 0..<rows {
            let source = dz1 + row * H1
            let target = dShared + (row / k) * H1
            for j in 0..<H1 {
                target[j] += source[j]
                g[layout.b1 + j] += source[j]
            }
        }
        BLAS.sgemm(
            transposeA: true, transposeB: false, m: slotWidth, n: H1, k: rows, alpha: 1, a: slotIn, lda: slotWidth,
            b: dz1, ldb: H1, beta: 1, c: g + layout.w1 + requestWidth * H1, ldc: H1)
        BLAS.sgemm(
            transposeA: true, transposeB: false, m: requestWidth, n: H1, k: requests, alpha: 1, a: requestIn,
            lda: requestWidth, b: dShared, ldb: H1, beta: 1, c: g + layout.w1, ldc: H1)
        // Embeddings.
        let dSlot = workspace.buffer(dSlotInput, count: rows * slotWidth)
        BLAS.sgemm(
            transposeA: false, transposeB: true, m: rows, n: slotWidth, k: H1, alpha: 1, a: dz1, lda: H1,
            b: p + layout.w1 + requestWidth * H1, ldb: H1, beta: 0, c: dSlot, ldc: slotWidth)
        for row in 0..<rows {
            let source = dSlot + row * slotWidth
            let hourRow = g + layout.hourEmbedding + Int(inputs.hour[row]) * dh
            let weekdayRow = g + layout.weekdayEmbedding + Int(inputs.weekday[row]) * dw
            for j in 0..<dh { hourRow[j] += source[j] }
            for j in 0..<dw { weekdayRow[j] += source[dh + j] }
        }
        // Click-sequence encoder.
        let dRequest = workspace.buffer(dRequestInput, count: requests * requestWidth)
        BLAS.sgemm(
            transposeA: false, transposeB: true, m: requests, n: requestWidth, k: H1, alpha: 1, a: dShared, lda: H1,
            b: p + layout.w1, ldb: H1, beta: 0, c: dRequest, ldc: requestWidth)
        let dPre = workspace.buffer(dSeqPre, count: requests * L * de)
        let query = p + layout.attentionQuery
        for r in 0..<requests {
            let dc = dRequest + r * requestWidth + Du
            var mean: Float = 0
            for i in 0..<L {
                let a = weights[r * L + i]
                if a == 0 { continue }
                var da: Float = 0
                let row = hidden + (r * L + i) * de
                for j in 0..<de { da += dc[j] * row[j] }
                dPre[(r * L + i) * de] = da  // keep da_i temporarily in the first column
                mean += a * da
            }
            for i in 0..<L {
                let a = weights[r * L + i]
                let target = dPre + (r * L + i) * de
                if a == 0 {
                    for j in 0..<de { target[j] = 0 }
                    continue
                }
                let ds = a * (target[0] - mean)
                let row = hidden + (r * L + i) * de
                for j in 0..<de {
                    g[layout.attentionQuery + j] += ds * row[j]
                    let dHidden = a * dc[j] + ds * query[j]
                    target[j] = dHidden * (1 - row[j] * row[j])
                }
            }
        }
        BLAS.sgemm(
            transposeA: true, transposeB: false, m: E, n: de, k: requests * L, alpha: 1, a: inputs.sequence, lda: E,
            b: dPre, ldb: de, beta: 1, c: g + layout.sequenceWeights, ldc: de)
        for index in 0..<(requests * L) { for j in 0..<de { g[layout.sequenceBias + j] += dPre[index * de + j] } }
        return loss / Double(rows)
    }
}
