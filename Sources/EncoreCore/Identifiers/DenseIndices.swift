/// Dense, zero-based indices that Encore assigns to external ids.
///
/// Indices are what models and matrices use (row numbers). They are assigned once by the store
/// and never renumbered, so a restart or a retrain keeps every row in place.

/// The dense index of a user (a row of the user embedding table).
public struct UserIndex: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var rawValue: Int32
    @inlinable public init(_ rawValue: Int32) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: Int) { self.rawValue = Int32(rawValue) }
    public var description: String { "u#\(rawValue)" }
    @inlinable public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The dense index of an item (a track; a row of the item embedding table).
public struct ItemIndex: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var rawValue: Int32
    @inlinable public init(_ rawValue: Int32) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: Int) { self.rawValue = Int32(rawValue) }
    public var description: String { "i#\(rawValue)" }
    @inlinable public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}
