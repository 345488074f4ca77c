extension SparseMatrix {
    /// Adds the products of selected rows only: `output[s, :] += Σ_e values[e] · X[columnIndices[e], :]`
    /// for row `rows[s]`, split across threads by slot.
    ///
    /// This is the partial last hop of a propagation when only a few rows of A·X are read.
    ///
    /// - Parameters:
    ///   - rows: Row indices, one per output slot.
    ///   - input: X, `columns × width`.
    ///   - width: Dense columns.
    ///   - output: `rows.count × width`, accumulated into.
    ///   - threads: Worker threads.
    public func accumulateSelectedRows(
        _ rows: UnsafeBufferPointer<Int32>, input: UnsafePointer<Float>, width: Int,
        into output: UnsafeMutablePointer<Float>,
        threads: Int = 1
    ) {
        rowOffsets.withUnsafeBufferPointer { offsets in
            columnIndices.withUnsafeBufferPointer { indices in
                values.withUnsafeBufferPointer { vals in
                    let shared = UncheckedSendableBox((offsets, indices, vals, rows, input, output))
                    parallelFor(count: rows.count, threads: threads) { slots in
                        let (offsets, indices, vals, rows, input, output) = shared.value
                        for s in slots {
                            let r = Int(rows[s])
                            let target = output + s * width
                            for e in offsets[r]..<offsets[r + 1] {
                                axpy(vals[e], input + Int(indices[e]) * width, target, width)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Adds Aᵀ·S for an S that is nonzero only on selected rows: for every selected row r (slot s)
    /// and entry (r, c), `output[c, :] += values[e] · S[s, :]` (and the same into `accumulator`).
    ///
    /// Threads own disjoint ranges of destination rows c (found by binary search inside each
    /// sorted row), so there are no races and the summation order is the slot order for every
    /// thread count. For a symmetric A this is A·S.
    ///
    /// - Parameters:
    ///   - rows: Selected rows of A (one per slot of `compactInput`).
    ///   - compactInput: S restricted to the selected rows, `rows.count × width`.
    ///   - width: Dense columns.
    ///   - output: `columns × width`, accumulated into.
    ///   - accumulator: Optional second `columns × width` target receiving the same additions.
    ///   - threads: Worker threads.
    public func accumulateTransposedFromSelectedRows(
        _ rows: UnsafeBufferPointer<Int32>, compactInput: UnsafePointer<Float>, width: Int,
        into output: UnsafeMutablePointer<Float>, accumulator: UnsafeMutablePointer<Float>? = nil, threads: Int = 1
    ) {
        let columnCount = columns
        rowOffsets.withUnsafeBufferPointer { offsets in
            columnIndices.withUnsafeBufferPointer { indices in
                values.withUnsafeBufferPointer { vals in
                    let shared = UncheckedSendableBox((offsets, indices, vals, rows, compactInput, output, accumulator))
                    parallelFor(count: columnCount, threads: threads) { destinations in
                        let (offsets, indices, vals, rows, compactInput, output, accumulator) = shared.value
                        let low = Int32(destinations.lowerBound), high = Int32(destinations.upperBound)
                        for s in 0..<rows.count {
                            let r = Int(rows[s])
                            var e = lowerBound(indices, offsets[r], offsets[r + 1], low)
                            let end = offsets[r + 1]
                            let source = compactInput + s * width
                            while e < end, indices[e] < high {
                                let c = Int(indices[e])
                                axpy(vals[e], source, output + c * width, width)
                                if let accumulator { axpy(vals[e], source, accumulator + c * width, width) }
                                e += 1
                            }
                        }
                    }
                }
            }
        }
    }
}

/// First position in `indices[start..<end]` (sorted) whose value is ≥ `value`.
@inline(__always)
func lowerBound(_ indices: UnsafeBufferPointer<Int32>, _ start: Int, _ end: Int, _ value: Int32) -> Int {
    var low = start, high = end
    while low < high {
        let middle = (low + high) &>> 1
        if indices[middle] < value { low = middle + 1 } else { high = middle }
    }
    return low
}

/// y += a·x over `width` floats (SIMD for multiples of 16).
@inline(__always)
func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ width: Int) {
    typealias V = SIMD16<Float>
    var k = 0
    if width >= 16 {
        let scale = V(repeating: a)
        let xr = UnsafeRawPointer(x), yr = UnsafeMutableRawPointer(y)
        while k + 16 <= width {
            let offset = k * 4
            let sum =
                yr.loadUnaligned(fromByteOffset: offset, as: V.self) + scale
                * xr.loadUnaligned(fromByteOffset: offset, as: V.self)
            yr.storeBytes(of: sum, toByteOffset: offset, as: V.self)
            k += 16
        }
    }
    while k < width {
        y[k] += a * x[k]
        k += 1
    }
}
