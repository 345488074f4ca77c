import Yams

/// A YAML node together with where it came from, for reading typed values with precise errors.
///
/// Every getter either returns a valid value or throws a ``ConfigurationError`` naming the file,
/// the dotted field path and the line. Mappings track which keys were read so that
/// ``rejectUnknownKeys()`` can report typos (`topk` instead of `top_k`).
public struct YAMLField {
    public let node: Node?
    public let path: String
    public let source: String

    public init(node: Node?, path: String, source: String) {
        self.node = node
        self.path = path
        self.source = source
    }

    /// Parses a whole document.
    public static func document(_ text: String, source: String) throws(ConfigurationError) -> YAMLField {
        do {
            let node = try Yams.compose(yaml: text)
            return YAMLField(node: node, path: "", source: source)
        } catch let error as YamlError {
            throw ConfigurationError(source: source, field: "", message: "not valid YAML: \(error)")
        } catch {
            throw ConfigurationError(source: source, field: "", message: "not valid YAML: \(error)")
        }
    }

    public var line: Int? { node?.mark?.line }
    /// False for an absent key and for an explicit YAML null (`~`, `null`, nothing).
    public var isPresent: Bool {
        guard let node else { return false }
        if case .scalar(let scalar) = node, scalar.style == .plain,
            ["", "~", "null", "Null", "NULL"].contains(scalar.string)
        {
            return false
        }
        return true
    }

    public func error(_ message: String) -> ConfigurationError {
        ConfigurationError(source: source, field: path, line: line, message: message)
    }

    private func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// A member of a mapping (absent members give a field whose `isPresent` is false).
    public subscript(key: String) -> YAMLField {
        guard let node, case .mapping(let mapping) = node else {
            return YAMLField(node: nil, path: child(key), source: source)
        }
        return YAMLField(node: mapping[Node(key)], path: child(key), source: source)
    }

    /// Requires a mapping and rejects keys other than `allowed`.
    public func requireMapping(allowedKeys allowed: Set<String>) throws(ConfigurationError) {
        guard let node else { throw error("is required") }
        guard case .mapping(let mapping) = node else { throw error("must be a mapping") }
        for key in mapping.keys {
            let name = key.string ?? "?"
            if !allowed.contains(name) {
                let suggestion = allowed.min { Self.distance($0, name) < Self.distance($1, name) }
                let hint = suggestion.map { Self.distance($0, name) <= 3 ? " (did you mean '\($0)'?)" : "" } ?? ""
                throw ConfigurationError(
                    source: source, field: child(name), line: key.mark?.line,
                    message: "unknown field\(hint); allowed: \(allowed.sorted().joined(separator: ", "))"
                )
            }
        }
    }

    /// The elements of a sequence.
    public func sequence() throws(ConfigurationError) -> [YAMLField] {
        guard let node else { throw error("is required") }
        guard case .sequence(let sequence) = node else { throw error("must be a list") }
        return sequence.enumerated().map { YAMLField(node: $1, path: "\(path)[\($0)]", source: source) }
    }

    public func string() throws(ConfigurationError) -> String {
        guard isPresent, let node else { throw error("is required") }
        guard case .scalar(let scalar) = node else { throw error("must be a string") }
        return scalar.string
    }

    public func string(default value: String) throws(ConfigurationError) -> String {
        isPresent ? try string() : value
    }

    /// One of an enumeration's raw values (the error lists them).
    public func choice<Choice: RawRepresentable & CaseIterable>(default value: Choice) throws(ConfigurationError) -> Choice
    where Choice.RawValue == String {
        guard isPresent else { return value }
        let text = try string()
        guard let choice = Choice(rawValue: text) else {
            throw error("must be one of \(Choice.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text)'")
        }
        return choice
    }

    public func integer(in range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard isPresent, let node else { throw error("is required") }
        guard case .scalar = node, let value = node.int else {
            throw error("must be an integer, got '\(node.string ?? "a \(Self.kind(node))")'")
        }
        guard range.contains(value) else {
            throw error("must be in \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
        return value
    }

    public func integer(in range: ClosedRange<Int>, default value: Int) throws(ConfigurationError) -> Int {
        isPresent ? try integer(in: range) : value
    }

    public func double(in range: ClosedRange<Double>, default value: Double) throws(ConfigurationError) -> Double {
        guard isPresent, let node else { return value }
        guard case .scalar = node, let parsed = node.float else {
            throw error("must be a number, got '\(node.string ?? "a \(Self.kind(node))")'")
        }
        guard range.contains(parsed) else { throw error("must be in \(range.lowerBound)...\(range.upperBound), got \(parsed)") }
        return parsed
    }

    public func bool(default value: Bool) throws(ConfigurationError) -> Bool {
        guard isPresent, let node else { return value }
        guard case .scalar = node, let parsed = node.bool else { throw error("must be true or false") }
        return parsed
    }

    /// A mapping of strings to strings (pass-through settings).
    public func stringMap() throws(ConfigurationError) -> [String: String] {
        guard isPresent, let node else { return [:] }
        guard case .mapping(let mapping) = node else { throw error("must be a mapping of names to values") }
        var result: [String: String] = [:]
        for (key, value) in mapping {
            guard let name = key.string, case .scalar(let scalar) = value else {
                throw ConfigurationError(source: source, field: child(key.string ?? "?"), line: key.mark?.line,
                                         message: "must be a scalar value")
            }
            result[name] = scalar.string
        }
        return result
    }

    private static func kind(_ node: Node) -> String {
        switch node {
        case .scalar: "scalar"
        case .mapping: "mapping"
        case .sequence: "list"
        case .alias: "alias"
        }
    }

    /// Levenshtein distance, for "did you mean" hints.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        if a.isEmpty { return b.count }
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, y) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
