/// The one error type of EncorePipeline.
public struct PipelineError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let configuration = Code("configuration")
        public static let kafka = Code("kafka")
        public static let store = Code("store")
        /// A fault injected for a crash-safety test (see ``FaultInjection``).
        public static let injectedCrash = Code("injected_crash")
    }

    public var code: Code
    public var reason: String
    public var underlying: (any Error & Sendable)?
    public var location: String

    public init(_ code: Code, _ reason: String, underlying: (any Error & Sendable)? = nil, location: String = #function) {
        self.code = code
        self.reason = reason
        self.underlying = underlying
        self.location = location
    }

    public var description: String {
        var text = "pipeline \(code) in \(location): \(reason)"
        if let underlying { text += " (\(underlying))" }
        return text
    }
}

/// Deliberate crashes for crash-safety tests: the loop stops dead at the given point of the
/// given batch, without committing or closing anything, exactly as if the process had died there.
public struct FaultInjection: Sendable, Equatable {
    public enum Point: String, Sendable, CaseIterable {
        /// After producing the batch's outputs, before waiting for their delivery.
        case afterProduce
        /// After every delivery report arrived, before the SQLite commit.
        case afterFlush
        /// Right after the SQLite commit.
        case afterCommit
    }

    public var point: Point
    /// 1-based number of the non-empty batch at which to crash.
    public var batch: Int

    public init(point: Point, batch: Int) {
        self.point = point
        self.batch = batch
    }
}
