import EncoreCore

/// A dense, row-major Float32 matrix.
///
/// Rows are contiguous, so a block of consecutive rows (a batch of users) is one contiguous
/// slice that can be handed to `cblas_sgemm` directly.
public struct Matrix: Sendable, Equatable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns (the leading dimension of the storage).
    public let columns: Int
    /// Row-major storage, `rows * columns` values; element (r, c) is at `r * columns + c`.
    public var storage: [Float]

    /// Creates a matrix filled with one value.
    public init(rows: Int, columns: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && columns >= 0, "Matrix shape must be non-negative")
        self.rows = rows
        self.columns = columns
        self.storage = [Float](repeating: value, count: rows * columns)
    }

    /// Wraps existing row-major storage.
    ///
    /// - Precondition: `storage.count == rows * columns`.
    public init(rows: Int, columns: Int, storage: [Float]) {
        precondition(rows >= 0 && columns >= 0, "Matrix shape must be non-negative")
        precondition(
            storage.count == rows * columns, "storage has \(storage.count) values, shape needs \(rows * columns)")
        self.rows = rows
        self.columns = columns
        self.storage = storage
    }

    /// Creates a matrix with entries drawn from N(mean, std²) using a seeded generator.
    public init(rows: Int, columns: Int, normalMean mean: Float, std: Float, using generator: inout SeededGenerator) {
        self.init(rows: rows, columns: columns)
        for index in storage.indices {
            storage[index] = mean + std * generator.nextNormal()
        }
    }

    /// Element access.
    @inlinable
    public subscript(row: Int, column: Int) -> Float {
        get { storage[row * columns + column] }
        set { storage[row * columns + column] = newValue }
    }

    /// A copy of one row.
    public func row(_ index: Int) -> [Float] {
        Array(storage[(index * columns)..<((index + 1) * columns)])
    }

    /// The rows `range` as a new matrix.
    public func rows(_ range: Range<Int>) -> Matrix {
        Matrix(
            rows: range.count, columns: columns,
            storage: Array(storage[(range.lowerBound * columns)..<(range.upperBound * columns)]))
    }

    /// The transpose, as a new matrix.
    public func transposed() -> Matrix {
        var result = Matrix(rows: columns, columns: rows)
        for r in 0..<rows {
            for c in 0..<columns {
                result.storage[c * rows + r] = storage[r * columns + c]
            }
        }
        return result
    }

    /// The largest absolute elementwise difference to another matrix of the same shape.
    public func maxAbsoluteDifference(_ other: Matrix) -> Float {
        precondition(rows == other.rows && columns == other.columns, "shape mismatch")
        var worst: Float = 0
        for index in storage.indices {
            worst = max(worst, abs(storage[index] - other.storage[index]))
        }
        return worst
    }
}
