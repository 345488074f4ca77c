/// Little-endian binary encoding for per-user state blobs (versioned by their first byte).
public struct StateWriter {
    public var bytes: [UInt8] = []

    @inlinable public init(version: UInt8, capacity: Int = 64) {
        bytes.reserveCapacity(capacity)
        bytes.append(version)
    }

    @inlinable public mutating func append(_ value: Int64) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    @inlinable public mutating func append(_ value: Int32) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    @inlinable public mutating func append(count: Int) { append(Int32(count)) }
    @inlinable public mutating func append(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    @inlinable public mutating func append(_ value: UInt16) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    @inlinable public mutating func append(_ value: UInt8) { bytes.append(value) }
    /// Float32 values by their bit patterns (exact round trip).
    @inlinable public mutating func append(floats values: [Float]) {
        append(count: values.count)
        for value in values { append(value.bitPattern) }
    }
}

/// Reads what ``StateWriter`` wrote; every read is bounds-checked.
public struct StateReader {
    private let bytes: [UInt8]
    private var position = 1
    public let version: UInt8?

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        version = bytes.first
    }

    public mutating func int64() -> Int64? {
        guard position + 8 <= bytes.count else { return nil }
        var value: Int64 = 0
        for index in 0..<8 { value |= Int64(bytes[position + index]) << (8 * index) }
        position += 8
        return value
    }

    public mutating func int32() -> Int32? {
        guard position + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for index in 0..<4 { value |= UInt32(bytes[position + index]) << (8 * index) }
        position += 4
        return Int32(bitPattern: value)
    }

    public mutating func uint32() -> UInt32? { int32().map { UInt32(bitPattern: $0) } }

    public mutating func uint16() -> UInt16? {
        guard position + 2 <= bytes.count else { return nil }
        let value = UInt16(bytes[position]) | UInt16(bytes[position + 1]) << 8
        position += 2
        return value
    }

    public mutating func uint8() -> UInt8? {
        guard position < bytes.count else { return nil }
        position += 1
        return bytes[position - 1]
    }

    /// What ``StateWriter/append(floats:)`` wrote, at most `limit` values.
    public mutating func floats(atMost limit: Int) -> [Float]? {
        guard let count = count(atMost: limit) else { return nil }
        var values = [Float]()
        values.reserveCapacity(count)
        for _ in 0..<count {
            guard let bits = uint32() else { return nil }
            values.append(Float(bitPattern: bits))
        }
        return values
    }

    public mutating func count(atMost limit: Int) -> Int? {
        guard let value = int32(), value >= 0, Int(value) <= limit else { return nil }
        return Int(value)
    }

    public var isAtEnd: Bool { position == bytes.count }
}
