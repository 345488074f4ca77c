/// The one error type of EncoreEvaluation: bad data files, inconsistent splits.
public struct EvaluationError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// A file could not be read.
        public static let unreadableFile = Code(name: "unreadableFile")
        /// A line or field could not be parsed.
        public static let malformedInput = Code(name: "malformedInput")
        /// Ids out of range or a split that does not fit the training data.
        public static let inconsistentData = Code(name: "inconsistentData")
        public var description: String { name }
    }

    /// What kind of failure.
    public let code: Code
    /// A human explanation naming the file, line or value.
    public let reason: String
    /// The underlying error, if any.
    public let underlying: (any Error)?

    /// Creates an error.
    public init(_ code: Code, _ reason: String, underlying: (any Error)? = nil) {
        self.code = code
        self.reason = reason
        self.underlying = underlying
    }

    public var description: String {
        "EvaluationError.\(code): \(reason)" + (underlying.map { " (\($0))" } ?? "")
    }
}
