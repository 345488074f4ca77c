/// A configuration or pipeline-definition error that names the file, the field and the line.
///
/// Printed as `pipelines/music.yaml:12: stages[0].top_k: must be a positive integer, got -3`.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The file (or `environment`) the value came from.
    public var source: String
    /// The dotted path of the field (`stages[0].top_k`), empty for the whole document.
    public var field: String
    /// The 1-based line of the offending value, when known.
    public var line: Int?
    public var message: String

    public init(source: String, field: String, line: Int? = nil, message: String) {
        self.source = source
        self.field = field
        self.line = line
        self.message = message
    }

    public var description: String {
        let place = line.map { "\(source):\($0)" } ?? source
        return field.isEmpty ? "\(place): \(message)" : "\(place): \(field): \(message)"
    }
}
