import EncoreNumerics
import Foundation

extension DCCFTrainer {
    /// Forward, loss and the exact gradient of one batch into `gradients` (layout of
    /// `parameters`). The reverse pass walks the layers backwards with G = ∂L/∂E_{l+1}:
    /// ```
    /// ∂Z_l = ∂R_l = ∂H_l = ∂H′_l = G (+ the contrastive gradients of layer l)
    /// masks  : ∂Ḡ_ht = ⟨∂H_h, E_t⟩;  ∂m_ht = (∂Ḡ_ht − Σ_t′ ∂Ḡ_ht′ Ḡ_ht′)/S_h;  ∂cos = ∂m/2
    ///          ∂ẑ_h += Σ_t ∂cos_ht ẑ_t + Σ_t ∂cos_th ẑ_t;  ∂z = (∂ẑ − ẑ(ẑ·∂ẑ))/‖z‖   (same for R)
    /// ∂E_l   = G + Ā ∂Z + Ḡᵀ ∂H + Ḡ′ᵀ ∂H′ + intent(∂R) + readout
    /// intent : ∂P = ∂R C, ∂C += ∂Rᵀ P, ∂S = P ⊙ (∂P − rowsum(∂P ⊙ P)), ∂E += ∂S Cᵀ, ∂C += Eᵀ ∂S
    /// ```
    func computeBatch(
        count: Int, users: UnsafePointer<Int32>, positives: UnsafePointer<Int32>, negatives: UnsafePointer<Int32>
    ) -> Double {
        let threads = configuration.threads
        let table = n * d
        forward()

        // Unique batch rows (nodes) with multiplicities, and the triplets' slots.
        var unique = 0
        for t in 0..<count {
            for position in 0..<3 {
                let node =
                    position == 0 ? Int(users[t]) : userCount + Int(position == 1 ? positives[t] : negatives[t])
                var slot = slotOfNode[node]
                if slot < 0 {
                    slot = Int32(unique)
                    slotOfNode[node] = slot
                    batchNodes[unique] = Int32(node)
                    batchNodeCounts[unique] = 0
                    unique += 1
                }
                batchNodeCounts[Int(slot)] += 1
                tripletSlots[3 * t + position] = slot
            }
        }
        uniqueRowCount = unique
        // Batch-unique users and positive items (node ids, first-appearance order).
        var uniqueUsers = [Int32](), uniqueItems = [Int32]()
        var seen = Set<Int32>()
        for t in 0..<count where seen.insert(users[t]).inserted { uniqueUsers.append(users[t]) }
        seen.removeAll(keepingCapacity: true)
        for t in 0..<count where seen.insert(positives[t]).inserted { uniqueItems.append(Int32(userCount) + positives[t]) }

        // Readout rows of the batch and BPR.
        let ego = UnsafePointer(parameters.baseAddress!)
        for s in 0..<unique {
            let node = Int(batchNodes[s])
            let out = compactFinal + s * d
            out.update(from: ego + node * d, count: d)
            for l in 0..<layers {
                let row = e[l] + node * d
                for k in 0..<d { out[k] += row[k] }
            }
        }
        compactGradient.update(repeating: 0, count: unique * d)
        let bprSum = CompactBPR.accumulate(
            slots: tripletSlots, count: count, embeddings: compactFinal, gradients: compactGradient, width: d)
        var squaredNorms = 0.0
        for s in 0..<unique {
            let row = ego + Int(batchNodes[s]) * d
            var norm: Float = 0
            for k in 0..<d { norm += row[k] * row[k] }
            squaredNorms += Double(batchNodeCounts[s]) * Double(norm)
        }
        var prototypeNorms = 0.0
        for index in table..<(table + 2 * d * kp) { prototypeNorms += Double(ego[index]) * Double(ego[index]) }

        // Reverse pass. gNext = ∂L/∂E_L (readout only), then ∂L/∂E_l for l = L−1 … 0.
        let gradientBase = gradients.baseAddress!
        (gradientBase + table).update(repeating: 0, count: 2 * d * kp)
        gNext.update(repeating: 0, count: table)
        addReadout()
        var contrastSum = 0.0
        let lambda1 = configuration.contrastWeight
        for l in stride(from: layers - 1, through: 0, by: -1) {
            let x = UnsafePointer(input(l))
            for target in [gZ, gR, gHb, gHg] { target.update(from: gNext, count: table) }
            // Contrastive terms of this layer (anchored on Z_l).
            if lambda1 > 0 {
                for list in [uniqueUsers, uniqueItems] {
                    for (view, gView) in [(r[l], gR), (hb[l], gHb), (hg[l], gHg)] {
                        contrastSum += contrast(list: list, anchor: z[l], positive: view, gradAnchor: gZ, gradPositive: gView)
                    }
                }
            }
            // Masks.
            maskBackward(gH: gHb, x: x, weights: gb[l], sums: sb[l], unit: zUnit[l], norms: zNorm[l], into: gZ)
            maskBackward(gH: gHg, x: x, weights: gg[l], sums: sg[l], unit: rUnit[l], norms: rNorm[l], into: gR)
            // ∂E_l accumulates in gNext.
            graph.normalized.withUnsafeBufferPointer { values in
                graph.multiply(
                    weights: values.baseAddress!, input: gZ, output: gNext, width: d, accumulate: true, threads: threads)
            }
            graph.multiply(
                weights: gb[l], transposed: true, input: gHb, output: gNext, width: d, accumulate: true, threads: threads)
            graph.multiply(
                weights: gg[l], transposed: true, input: gHg, output: gNext, width: d, accumulate: true, threads: threads)
            intentBackward(layer: l, x: x)
            addReadout()
        }
        gradientBase.update(from: gNext, count: table)
        let lambda2 = configuration.embeddingRegularization
        for s in 0..<unique {
            let node = Int(batchNodes[s])
            let target = gradientBase + node * d, row = ego + node * d
            let factor = 2 * lambda2 * Float(batchNodeCounts[s])
            for k in 0..<d { target[k] += factor * row[k] }
            slotOfNode[node] = -1
        }
        let lambda3 = configuration.prototypeRegularization
        for index in table..<(table + 2 * d * kp) { gradientBase[index] += 2 * lambda3 * ego[index] }
        return bprSum / Double(count) + Double(lambda1) * contrastSum + Double(lambda2) * squaredNorms
            + Double(lambda3) * prototypeNorms
    }

    /// gNext[batch rows] += ∂L/∂(readout rows).
    func addReadout() {
        for s in 0..<uniqueRowCount {
            let target = gNext + Int(batchNodes[s]) * d, source = compactGradient + s * d
            for k in 0..<d { target[k] += source[k] }
        }
    }

    /// One InfoNCE term over the given nodes; gradients scattered into the dense buffers.
    func contrast(
        list: [Int32], anchor: UnsafeMutablePointer<Float>, positive: UnsafeMutablePointer<Float>,
        gradAnchor: UnsafeMutablePointer<Float>, gradPositive: UnsafeMutablePointer<Float>
    ) -> Double {
        let count = list.count
        guard count > 0 else { return 0 }
        for (row, node) in list.enumerated() {
            (contrastA + row * d).update(from: anchor + Int(node) * d, count: d)
            (contrastP + row * d).update(from: positive + Int(node) * d, count: d)
        }
        contrastGA.update(repeating: 0, count: count * d)
        contrastGP.update(repeating: 0, count: count * d)
        let loss = DCCFContrast.infoNCE(
            anchors: contrastA, positives: contrastP, count: count, width: d, temperature: configuration.temperature,
            weight: configuration.contrastWeight, tileRows: configuration.contrastTileRows,
            threads: configuration.threads, gradAnchors: contrastGA, gradPositives: contrastGP)
        for (row, node) in list.enumerated() {
            let ga = gradAnchor + Int(node) * d, gp = gradPositive + Int(node) * d
            let sa = contrastGA + row * d, sp = contrastGP + row * d
            for k in 0..<d {
                ga[k] += sa[k]
                gp[k] += sp[k]
            }
        }
        return loss
    }

    /// Back through H = Ḡ(m) X with m from the normalised view: adds ∂view to `into`.
    func maskBackward(
        gH: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, weights: UnsafeMutablePointer<Float>,
        sums: UnsafeMutablePointer<Float>, unit: UnsafeMutablePointer<Float>, norms: UnsafeMutablePointer<Float>,
        into target: UnsafeMutablePointer<Float>
    ) {
        let threads = configuration.threads
        graph.edgeDots(gH, x, width: d, into: edgeA, threads: threads)
        graph.offsets.withUnsafeBufferPointer { offsets in
            let box = UncheckedSendableBox((offsets, edgeA, weights, sums))
            graph.forRows(threads: threads) { rows in
                let (offsets, gradient, weights, sums) = box.value
                for h in rows {
                    let range = offsets[h]..<offsets[h + 1]
                    guard sums[h] > 0 else {
                        for edge in range { gradient[edge] = 0 }
                        continue
                    }
                    var dot: Float = 0
                    for edge in range { dot += gradient[edge] * weights[edge] }
                    let scale = 0.5 / sums[h]
                    for edge in range { gradient[edge] = (gradient[edge] - dot) * scale }
                }
            }
        }
        graph.multiply(weights: edgeA, input: unit, output: gUnit, width: d, threads: threads)
        graph.multiply(weights: edgeA, transposed: true, input: unit, output: gUnit, width: d, accumulate: true, threads: threads)
        let d = self.d
        forChunks(0..<n, threads: threads) { rows in
            DCCFContrast.addNormalizationGradient(
                unit: unit + rows.lowerBound * d, norms: norms + rows.lowerBound, gradUnit: self.gUnit + rows.lowerBound * d,
                count: rows.count, width: d, weight: 1, into: target + rows.lowerBound * d)
        }
    }

    /// Back through R = softmax(X C) Cᵀ for both blocks, with ∂R in gR: adds ∂X to gNext and ∂C
    /// to the prototype gradients.
    func intentBackward(layer l: Int, x: UnsafePointer<Float>) {
        let threads = configuration.threads
        let (d, kp) = (self.d, self.kp)
        for block in blocks {
            let prototypes = UnsafePointer(parameters.baseAddress! + block.prototypes)
            let gradPrototypes = gradients.baseAddress! + block.prototypes
            let rows = block.rows, start = rows.lowerBound
            guard !rows.isEmpty else { continue }
            let p = softmax[l] + start * kp, gP = gSoftmax + start * kp, gRBlock = gR + start * d
            // ∂C += ∂Rᵀ P (d × Kp), before P is reused.
            BLAS.sgemm(
                transposeA: true, transposeB: false, m: d, n: kp, k: rows.count, alpha: 1, a: gRBlock, lda: d, b: p,
                ldb: kp, beta: 1, c: gradPrototypes, ldc: kp)
            forChunks(rows, threads: threads) { chunk in
                let offset = chunk.lowerBound - start
                let gp = gP + offset * kp, pp = p + offset * kp
                BLAS.sgemm(
                    transposeA: false, transposeB: false, m: chunk.count, n: kp, k: d, alpha: 1, a: gRBlock + offset * d,
                    lda: d, b: prototypes, ldb: kp, beta: 0, c: gp, ldc: kp)
                for row in 0..<chunk.count {
                    let g = gp + row * kp, q = pp + row * kp
                    var dot: Float = 0
                    for k in 0..<kp { dot += g[k] * q[k] }
                    for k in 0..<kp { g[k] = q[k] * (g[k] - dot) }
                }
                BLAS.sgemm(
                    transposeA: false, transposeB: true, m: chunk.count, n: d, k: kp, alpha: 1, a: gp, lda: kp,
                    b: prototypes, ldb: kp, beta: 1, c: self.gNext + chunk.lowerBound * d, ldc: d)
            }
            // ∂C += Xᵀ ∂S.
            BLAS.sgemm(
                transposeA: true, transposeB: false, m: d, n: kp, k: rows.count, alpha: 1, a: x + start * d, lda: d,
                b: gP, ldb: kp, beta: 1, c: gradPrototypes, ldc: kp)
        }
    }
}
