extension SparseMatrix {
    /// Splits the rows into `parts` contiguous ranges of about equal work (entries + rows).
    ///
    /// - Returns: `parts + 1` row boundaries, first 0, last `rows`.
    public func rowPartition(parts: Int) -> [Int] {
        precondition(parts > 0, "parts must be positive")
        let total = nonzeroCount + rows
        var bounds = [0]
        for p in 1..<parts {
            let target = total * p / parts
            // Smallest row r with rowOffsets[r] + r >= target.
            var low = bounds.last!
            var high = rows
            while low < high {
                let middle = (low + high) / 2
                if rowOffsets[middle] + middle < target { low = middle + 1 } else { high = middle }
            }
            bounds.append(low)
        }
        bounds.append(rows)
        return bounds
    }

    /// Y = A·X for a dense, row-major X with `width` columns (SpMM), rows split across threads.
    ///
    /// Each output row is written by exactly one thread and accumulated in entry order, so
    /// the result is bitwise identical for every thread count.
    ///
    /// ```
    /// Y[r, :] = Σ_e values[e] · X[columnIndices[e], :]     for e in row r
    /// ```
    ///
    /// - Parameters:
    ///   - input: X, `columns × width` values.
    ///   - output: Y, `rows × width` values; must not alias `input`.
    ///   - width: Number of dense columns.
    ///   - accumulator: If given, `accumulator[r, :] += Y[r, :]` is fused into the same pass.
    ///   - threads: Maximum worker threads (rows split into chunks of equal entry counts).
    public func multiply(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, width: Int,
        accumulator: UnsafeMutablePointer<Float>? = nil, threads: Int = 1
    ) {
        let bounds = rowPartition(parts: chunkCount(for: rows, threads: threads))
        rowOffsets.withUnsafeBufferPointer { offsets in
            columnIndices.withUnsafeBufferPointer { indices in
                values.withUnsafeBufferPointer { vals in
                    let kernel = SpMMKernel(
                        offsets: offsets.baseAddress!, indices: indices.baseAddress, values: vals.baseAddress,
                        input: input, output: output, accumulator: accumulator, width: width)
                    parallelChunks(chunkCount: bounds.count - 1, threads: threads) { part in
                        kernel.run(rows: bounds[part]..<bounds[part + 1])
                    }
                }
            }
        }
    }

    /// Y = A·X on matrices (allocating convenience around the pointer kernel).
    public func multiply(_ x: Matrix, threads: Int = 1) -> Matrix {
        precondition(x.rows == columns, "SpMM shape mismatch: \(rows)x\(columns) · \(x.rows)x\(x.columns)")
        var y = Matrix(rows: rows, columns: x.columns)
        x.storage.withUnsafeBufferPointer { input in
            y.storage.withUnsafeMutableBufferPointer { output in
                if let base = input.baseAddress, let out = output.baseAddress {
                    multiply(input: base, output: out, width: x.columns, threads: threads)
                }
            }
        }
        return y
    }
}

/// The raw-pointer SpMM inner loop, shared by all threads (read-only inputs, disjoint outputs).
struct SpMMKernel: @unchecked Sendable {
    // Safety: every thread reads the shared inputs and writes a disjoint row range of the outputs.
    let offsets: UnsafePointer<Int>
    let indices: UnsafePointer<Int32>?
    let values: UnsafePointer<Float>?
    let input: UnsafePointer<Float>
    let output: UnsafeMutablePointer<Float>
    let accumulator: UnsafeMutablePointer<Float>?
    let width: Int

    func run(rows: Range<Int>) {
        if width == 64 {
            run64(rows: rows)
            return
        }
        for r in rows {
            let out = output + r * width
            out.update(repeating: 0, count: width)
            for e in offsets[r]..<offsets[r + 1] {
                let a = values![e]
                let source = input + Int(indices![e]) * width
                for k in 0..<width { out[k] += a * source[k] }
            }
            if let accumulator {
                let acc = accumulator + r * width
                for k in 0..<width { acc[k] += out[k] }
            }
        }
    }

    /// The 64-wide case with the row held in SIMD registers.
    func run64(rows: Range<Int>) {
        typealias V = SIMD16<Float>
        let raw = UnsafeRawPointer(input)
        for r in rows {
            var a0 = V(), a1 = V(), a2 = V(), a3 = V()
            var e = offsets[r]
            let end = offsets[r + 1]
            // Two entries per iteration: both rows' loads are issued before the adds that
            // depend on them (same summation order as one at a time).
            while e + 1 < end {
                let a = V(repeating: values![e]), b = V(repeating: values![e + 1])
                let source = raw + Int(indices![e]) * 256, next = raw + Int(indices![e + 1]) * 256
                let x0 = source.loadUnaligned(fromByteOffset: 0, as: V.self)
                let x1 = source.loadUnaligned(fromByteOffset: 64, as: V.self)
                let x2 = source.loadUnaligned(fromByteOffset: 128, as: V.self)
                let x3 = source.loadUnaligned(fromByteOffset: 192, as: V.self)
                let y0 = next.loadUnaligned(fromByteOffset: 0, as: V.self)
                let y1 = next.loadUnaligned(fromByteOffset: 64, as: V.self)
                let y2 = next.loadUnaligned(fromByteOffset: 128, as: V.self)
                let y3 = next.loadUnaligned(fromByteOffset: 192, as: V.self)
                a0 += a * x0
                a1 += a * x1
                a2 += a * x2
                a3 += a * x3
                a0 += b * y0
                a1 += b * y1
                a2 += b * y2
                a3 += b * y3
                e += 2
            }
            while e < end {
                let a = V(repeating: values![e])
                let source = raw + Int(indices![e]) * 256
                a0 += a * source.loadUnaligned(fromByteOffset: 0, as: V.self)
                a1 += a * source.loadUnaligned(fromByteOffset: 64, as: V.self)
                a2 += a * source.loadUnaligned(fromByteOffset: 128, as: V.self)
                a3 += a * source.loadUnaligned(fromByteOffset: 192, as: V.self)
                e += 1
            }
            let out = UnsafeMutableRawPointer(output + r * 64)
            out.storeBytes(of: a0, toByteOffset: 0, as: V.self)
            out.storeBytes(of: a1, toByteOffset: 64, as: V.self)
            out.storeBytes(of: a2, toByteOffset: 128, as: V.self)
            out.storeBytes(of: a3, toByteOffset: 192, as: V.self)
            if let accumulator {
                let acc = UnsafeMutableRawPointer(accumulator + r * 64)
                acc.storeBytes(of: acc.loadUnaligned(fromByteOffset: 0, as: V.self) + a0, toByteOffset: 0, as: V.self)
                acc.storeBytes(of: acc.loadUnaligned(fromByteOffset: 64, as: V.self) + a1, toByteOffset: 64, as: V.self)
                acc.storeBytes(
                    of: acc.loadUnaligned(fromByteOffset: 128, as: V.self) + a2, toByteOffset: 128, as: V.self)
                acc.storeBytes(
                    of: acc.loadUnaligned(fromByteOffset: 192, as: V.self) + a3, toByteOffset: 192, as: V.self)
            }
        }
    }
}
