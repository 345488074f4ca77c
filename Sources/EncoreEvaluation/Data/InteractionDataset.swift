import EncoreNumerics

/// A train/test split of implicit feedback, as binary user × item CSR matrices.
///
/// Rows are users, columns items; a stored entry (value 1) means "interacted". Duplicate
/// pairs are collapsed. Both matrices have the same shape.
public struct InteractionDataset: Sendable {
    /// Number of users (rows).
    public let userCount: Int
    /// Number of items (columns).
    public let itemCount: Int
    /// Training interactions.
    public let train: SparseMatrix
    /// Test interactions (the held-out items ranked by the evaluator).
    public let test: SparseMatrix

    /// Builds a dataset from index pairs.
    ///
    /// - Throws: ``EvaluationError`` if an index is negative or not below the counts.
    public init(userCount: Int, itemCount: Int, train: [(Int32, Int32)], test: [(Int32, Int32)]) throws {
        for (u, i) in train + test where u < 0 || Int(u) >= userCount || i < 0 || Int(i) >= itemCount {
            throw EvaluationError(
                .inconsistentData, "pair (\(u), \(i)) outside \(userCount) users × \(itemCount) items")
        }
        func matrix(_ pairs: [(Int32, Int32)]) -> SparseMatrix {
            SparseMatrix(
                rows: userCount, columns: itemCount, rowIndices: pairs.map(\.0), columnIndices: pairs.map(\.1),
                duplicates: .keepFirst)
        }
        self.init(train: matrix(train), test: matrix(test))
    }

    /// Wraps two binary matrices of equal shape.
    public init(train: SparseMatrix, test: SparseMatrix) {
        precondition(train.rows == test.rows && train.columns == test.columns, "train and test shapes differ")
        self.userCount = train.rows
        self.itemCount = train.columns
        self.train = train
        self.test = test
    }

    /// Users with at least one test item (the users the protocol averages over).
    public var testUsers: [Int32] {
        (0..<userCount).filter { test.rowLength($0) > 0 }.map(Int32.init)
    }

    /// Users with at least one training item.
    public var trainUsers: [Int32] {
        (0..<userCount).filter { train.rowLength($0) > 0 }.map(Int32.init)
    }

    /// A one-line summary: users, items, train and test sizes.
    public var summary: String {
        "\(userCount) users, \(itemCount) items, \(train.nonzeroCount) train, \(test.nonzeroCount) test, \(testUsers.count) test users"
    }
}
