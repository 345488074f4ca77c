import EncoreStore
import Foundation

/// What the status page and the model gauges show of a registry entry: its identity and the
/// evaluation metrics and numeric facts found in its metadata JSON.
///
/// Metadata is free-form per model; the evaluation metrics are the number-valued members of a
/// `metrics` object (``ModelMetadata`` writes them there), facts are the top-level numbers and
/// short strings (epochs, user and item counts, training time …).
public struct GenerationSummary: Sendable, Equatable {
    public var name: String
    public var version: Int
    public var status: ModelStatus
    public var createdMs: Int64
    public var floatCount: Int
    /// Evaluation metrics, sorted by name.
    public var metrics: [(name: String, value: Double)]
    /// Other top-level facts, sorted by name.
    public var facts: [(name: String, value: String)]

    public init(entry: ModelRegistry.Entry) {
        name = entry.name
        version = entry.version
        status = entry.status
        createdMs = entry.createdMs
        floatCount = entry.floatCount
        metrics = []
        facts = []
        guard
            case .object(let object)? = try? JSONDecoder().decode(
                MetadataValue.self, from: Data(entry.metadataJSON.utf8))
        else { return }
        if case .object(let values)? = object["metrics"] {
            metrics = values.compactMap { key, value -> (name: String, value: Double)? in
                if case .number(let number) = value { return (key, number) }
                return nil
            }.sorted { $0.name < $1.name }
        }
        for (key, value) in object where key != "metrics" {
            switch value {
            case .number(let number):
                let integral = number.rounded() == number && abs(number) < 1e15
                facts.append((key, integral ? String(Int64(number)) : String(number)))
            case .string(let text) where text.count <= 80: facts.append((key, text))
            default: break
            }
        }
        facts.sort { $0.name < $1.name }
    }

    /// `name@version`.
    public var reference: String { "\(name)@\(version)" }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.reference == rhs.reference && lhs.status == rhs.status && lhs.createdMs == rhs.createdMs
            && lhs.metrics.map(\.name) == rhs.metrics.map(\.name)
            && lhs.metrics.map(\.value) == rhs.metrics.map(\.value)
            && lhs.facts.map(\.name) == rhs.facts.map(\.name) && lhs.facts.map(\.value) == rhs.facts.map(\.value)
    }
}

/// Any JSON value (metadata is free-form).
private enum MetadataValue: Decodable {
    case number(Double), string(String), bool(Bool), object([String: MetadataValue]), array([MetadataValue]), null

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([String: MetadataValue].self) {
            self = .object(value)
        } else {
            self = .array(try container.decode([MetadataValue].self))
        }
    }
}
