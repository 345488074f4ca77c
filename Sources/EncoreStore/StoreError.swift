/// The one error type of EncoreStore.
///
/// `code` says what failed, `reason` explains it for a person, `underlying` keeps the SQLite or
/// GRDB error, `location` names the operation. `isRetriable` marks transient conditions (busy,
/// locked) that a pipeline retries instead of failing.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let open = Code("open")
        public static let migration = Code("migration")
        public static let write = Code("write")
        public static let read = Code("read")
        public static let notFound = Code("not_found")
        public static let corrupt = Code("corrupt")
    }

    public var code: Code
    public var reason: String
    public var underlying: (any Error & Sendable)?
    public var location: String
    public var isRetriable: Bool

    public init(
        _ code: Code, _ reason: String, underlying: (any Error & Sendable)? = nil, location: String = #function,
        isRetriable: Bool = false
    ) {
        self.code = code
        self.reason = reason
        self.underlying = underlying
        self.location = location
        self.isRetriable = isRetriable
    }

    public var description: String {
        var text = "store \(code) in \(location): \(reason)"
        if let underlying { text += " (\(underlying))" }
        return text
    }
}
