/// External identifiers as they travel on the wire: opaque strings chosen by the producers.
///
/// Each kind of id is its own type so that a user id can never be passed where a track id is
/// expected. Inside Encore, ids are mapped to dense indices (``UserIndex``, ``ItemIndex``) by the
/// store; those mappings are stable across restarts and retrains.
public protocol StringIdentifier: Hashable, Sendable, Codable, CustomStringConvertible {
    var rawValue: String { get }
    init(_ rawValue: String)
}

extension StringIdentifier {
    public var description: String { rawValue }

    /// Encoded as a bare JSON string.
    public init(from decoder: any Decoder) throws { self.init(try decoder.singleValueContainer().decode(String.self)) }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The identifier of a listener, as carried by `user_id`.
public struct UserID: StringIdentifier, Comparable {
    public var rawValue: String
    @inlinable public init(_ rawValue: String) { self.rawValue = rawValue }
}

/// The identifier of a track, as carried by `track_id`.
public struct TrackID: StringIdentifier, Comparable {
    public var rawValue: String
    @inlinable public init(_ rawValue: String) { self.rawValue = rawValue }
}

/// The identifier of a push notification (the message, not one delivery of it).
public struct NotificationID: StringIdentifier {
    public var rawValue: String
    @inlinable public init(_ rawValue: String) { self.rawValue = rawValue }
}

/// The identifier of one request to send a notification; decisions are derived from it.
public struct RequestID: StringIdentifier {
    public var rawValue: String
    @inlinable public init(_ rawValue: String) { self.rawValue = rawValue }
}
