/// The one error type of EncoreModels: bad artifacts, data that does not fit a model.
public struct ModelError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// An artifact file or blob is truncated, has a bad magic number or bad JSON.
        public static let corruptArtifact = Code(name: "corruptArtifact")
        /// The artifact belongs to another model or format version.
        public static let incompatibleArtifact = Code(name: "incompatibleArtifact")
        /// Training data or a configuration value the model cannot use.
        public static let invalidInput = Code(name: "invalidInput")
        /// Reading or writing a file failed.
        public static let io = Code(name: "io")
        public var description: String { name }
    }

    /// What kind of failure.
    public let code: Code
    /// A human explanation.
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
        "ModelError.\(code): \(reason)" + (underlying.map { " (\($0))" } ?? "")
    }
}
