/// The error of the EncoreSimulation module: an invalid configuration.
///
/// ``code`` is stable and machine readable; ``reason`` says exactly which setting is wrong.
public struct SimulationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem occurred.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A configuration value is out of its allowed range.
        public static let invalidConfiguration = Code("invalid_configuration")
    }

    /// What kind of problem occurred.
    public var code: Code
    /// A human explanation naming the setting and the allowed range.
    public var reason: String

    public init(_ code: Code, reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code): \(reason)" }
}
