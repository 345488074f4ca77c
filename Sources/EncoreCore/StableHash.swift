/// A fixed, documented 64-bit hash for deterministic output ids: FNV-1a over UTF-8 bytes.
///
/// Swift's `Hasher` is seeded per process and must never be used for ids that leave the
/// process. FNV-1a 64 (offset basis 0xcbf29ce484222325, prime 0x100000001b3) gives the same value
/// in every process, run and platform. Fields are joined with a 0x1F (unit separator) byte so
/// that `("ab","c")` and `("a","bc")` differ.
public struct StableHash: Sendable, Equatable {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01b3
    private var fieldCount = 0

    public init() {}

    /// Adds raw bytes.
    public mutating func combine<Bytes: Sequence>(bytes: Bytes) where Bytes.Element == UInt8 {
        var hash = value
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= Self.prime
        }
        value = hash
    }

    /// Adds one field, separated from the previous one.
    public mutating func combine(field: String) {
        if fieldCount > 0 { combine(bytes: CollectionOfOne(UInt8(0x1F))) }
        fieldCount += 1
        combine(bytes: field.utf8)
    }

    /// The hash of the given fields joined by the separator.
    public static func of(_ fields: String...) -> UInt64 {
        var hash = StableHash()
        for field in fields { hash.combine(field: field) }
        return hash.value
    }

    /// 16 lowercase hex digits of `of(fields)`; the form used in output ids.
    public static func hex(_ fields: String...) -> String {
        var hash = StableHash()
        for field in fields { hash.combine(field: field) }
        let digits = String(hash.value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
