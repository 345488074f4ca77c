/// External identifiers as they travel on the wire: opaque strings chosen by the producers.
///
/// Each kind of id is its own type so that a user id can never be passed where a track id is
/// expected. Inside Encore, ids are mapped to dense indices (``UserIndex``, ``ItemIndex``) by the
/// store; those mappings are stable across restarts and retrains.

/// The identifier of a listener, as carried by `user_id`.
public struct UserID: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var rawValue: String
    @inlinable public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// The identifier of a track, as carried by `track_id`.
public struct TrackID: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var rawValue: String
    @inlinable public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// The identifier of a push notification (the message, not one delivery of it).
public struct NotificationID: Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: String
    @inlinable public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// The identifier of one request to send a notification; decisions are derived from it.
public struct RequestID: Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: String
    @inlinable public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
