/// The error of the EncoreSimulation module: an invalid configuration.
///
/// ``code`` is stable and machine readable; ``reason`` says exactly which setting is wrong.
public struct SimulationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem occurred.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The stable code string.
        public let rawValue: String
        /// A code; prefer the named constants.
        public init(_ rawValue: String) { self.rawValue = rawValue }
        /// The code string.
        public var description: String { rawValue }

        /// A configuration value is out of its allowed range.
        public static let invalidConfiguration = Code("invalid_configuration")
    }

    /// What kind of problem occurred.
    public var code: Code
    /// A human explanation naming the setting and the allowed range.
    public var reason: String

    /// An error of kind `code` explained by `reason`.
    public init(_ code: Code, reason: String) {
        self.code = code
        self.reason = reason
    }

    /// `code: reason`.
    public var description: String { "\(code): \(reason)" }
}
