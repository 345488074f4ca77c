/// A sparse Float32 matrix in compressed sparse row (CSR) form.
///
/// Row `r` owns the entries `rowOffsets[r] ..< rowOffsets[r + 1]` of `columnIndices` and
/// `values`; column indices are sorted ascending and unique within a row. Instances are
/// immutable values, safe to share between threads.
public struct SparseMatrix: Sendable, Equatable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// `rows + 1` offsets into `columnIndices` / `values`.
    public let rowOffsets: [Int]
    /// Column index of each stored entry, sorted within each row.
    public let columnIndices: [Int32]
    /// Value of each stored entry.
    public let values: [Float]

    /// How coordinate entries that name the same (row, column) twice are combined.
    public enum DuplicatePolicy: Sendable {
        /// Add the values (the usual COO → CSR meaning).
        case sum
        /// Keep one entry with the value of the first occurrence (interaction sets).
        case keepFirst
    }

    /// Wraps CSR arrays, checking their consistency.
    ///
    /// - Precondition: offsets are monotone and end at the entry count, indices are in range
    ///   and strictly ascending within each row.
    public init(rows: Int, columns: Int, rowOffsets: [Int], columnIndices: [Int32], values: [Float]) {
        precondition(rowOffsets.count == rows + 1, "rowOffsets needs rows + 1 entries")
        precondition(
            rowOffsets.first == 0 && rowOffsets.last == columnIndices.count, "rowOffsets must span the entries")
        precondition(columnIndices.count == values.count, "one value per column index")
        for r in 0..<rows {
            precondition(rowOffsets[r] <= rowOffsets[r + 1], "rowOffsets must be monotone")
            var previous: Int32 = -1
            for e in rowOffsets[r]..<rowOffsets[r + 1] {
                let c = columnIndices[e]
                precondition(c > previous && Int(c) < columns, "column indices must be ascending and in range")
                previous = c
            }
        }
        self.rows = rows
        self.columns = columns
        self.rowOffsets = rowOffsets
        self.columnIndices = columnIndices
        self.values = values
    }

    /// Builds a CSR matrix from coordinate (COO) triples.
    ///
    /// - Parameters:
    ///   - rows: Number of rows.
    ///   - columns: Number of columns.
    ///   - rowIndices: Row of each entry.
    ///   - columnIndices: Column of each entry.
    ///   - values: Value of each entry; `nil` means all ones (a binary interaction matrix).
    ///   - duplicates: How repeated coordinates are combined.
    public init(
        rows: Int, columns: Int, rowIndices: [Int32], columnIndices: [Int32], values: [Float]? = nil,
        duplicates: DuplicatePolicy = .sum
    ) {
        precondition(rowIndices.count == columnIndices.count, "one column per row index")
        precondition(values == nil || values!.count == rowIndices.count, "one value per entry")
        var counts = [Int](repeating: 0, count: rows + 1)
        for (r, c) in zip(rowIndices, columnIndices) {
            precondition(r >= 0 && Int(r) < rows && c >= 0 && Int(c) < columns, "entry (\(r), \(c)) out of range")
            counts[Int(r) + 1] += 1
        }
        for r in 0..<rows { counts[r + 1] += counts[r] }
        var cursor = counts
        var order = [Int](repeating: 0, count: rowIndices.count)
        for (entry, r) in rowIndices.enumerated() {
            order[cursor[Int(r)]] = entry
            cursor[Int(r)] += 1
        }
        var offsets = [Int](repeating: 0, count: rows + 1)
        var outColumns = [Int32]()
        var outValues = [Float]()
        outColumns.reserveCapacity(rowIndices.count)
        outValues.reserveCapacity(rowIndices.count)
        for r in 0..<rows {
            // Stable sort by column keeps "first occurrence" meaningful.
            let entries = order[counts[r]..<counts[r + 1]].sorted {
                columnIndices[$0] != columnIndices[$1] ? columnIndices[$0] < columnIndices[$1] : $0 < $1
            }
            for entry in entries {
                let c = columnIndices[entry]
                let v = values?[entry] ?? 1
                if outColumns.count > offsets[r], outColumns.last == c {
                    if duplicates == .sum { outValues[outValues.count - 1] += v }
                } else {
                    outColumns.append(c)
                    outValues.append(v)
                }
            }
            offsets[r + 1] = outColumns.count
        }
        self.rows = rows
        self.columns = columns
        self.rowOffsets = offsets
        self.columnIndices = outColumns
        self.values = outValues
    }

    /// Number of stored entries.
    public var nonzeroCount: Int { columnIndices.count }

    /// Number of stored entries in row `r`.
    @inlinable
    public func rowLength(_ r: Int) -> Int { rowOffsets[r + 1] - rowOffsets[r] }

    /// The sorted column indices of row `r`.
    public func columns(inRow r: Int) -> ArraySlice<Int32> { columnIndices[rowOffsets[r]..<rowOffsets[r + 1]] }

    /// Whether (row, column) is stored, by binary search in the row.
    public func contains(row: Int, column: Int32) -> Bool {
        var low = rowOffsets[row]
        var high = rowOffsets[row + 1]
        while low < high {
            let middle = (low + high) / 2
            let c = columnIndices[middle]
            if c == column { return true }
            if c < column { low = middle + 1 } else { high = middle }
        }
        return false
    }

    /// The transpose (CSR of the columns).
    public func transposed() -> SparseMatrix {
        var rowIndices = [Int32]()
        rowIndices.reserveCapacity(nonzeroCount)
        for r in 0..<rows {
            for _ in rowOffsets[r]..<rowOffsets[r + 1] { rowIndices.append(Int32(r)) }
        }
        return SparseMatrix(
            rows: columns, columns: rows, rowIndices: columnIndices, columnIndices: rowIndices, values: values)
    }

    /// The dense equivalent (for tests and tiny graphs).
    public func dense() -> Matrix {
        var result = Matrix(rows: rows, columns: columns)
        for r in 0..<rows {
            for e in rowOffsets[r]..<rowOffsets[r + 1] {
                result[r, Int(columnIndices[e])] += values[e]
            }
        }
        return result
    }

    /// A stable 64-bit FNV-1a fingerprint of shape, structure and values, as 16 hex digits.
    ///
    /// Identifies the training data a model was fitted on, so that a stored model can be
    /// matched with (or rejected for) the data it is evaluated or warm-started on.
    public func fingerprint() -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix(_ word: UInt64) {
            var w = word
            for _ in 0..<8 {
                hash ^= w & 0xFF
                hash &*= 0x0000_0100_0000_01B3
                w >>= 8
            }
        }
        mix(UInt64(rows))
        mix(UInt64(columns))
        for offset in rowOffsets { mix(UInt64(offset)) }
        for c in columnIndices { mix(UInt64(UInt32(bitPattern: c))) }
        for v in values { mix(UInt64(v.bitPattern)) }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
