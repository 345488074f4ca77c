/// The one error type of EncoreServer: what failed, and the error underneath.
public struct ServerError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var underlying: (any Error & Sendable)?

    public init(_ reason: String, underlying: (any Error & Sendable)? = nil) {
        self.reason = reason
        self.underlying = underlying
    }

    public var description: String {
        underlying.map { "\(reason): \($0)" } ?? reason
    }
}
