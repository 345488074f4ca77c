/// Little-endian binary encoding for per-user state blobs (versioned by their first byte).
struct StateWriter {
    var bytes: [UInt8] = []

    init(version: UInt8, capacity: Int = 64) {
        bytes.reserveCapacity(capacity)
        bytes.append(version)
    }

    mutating func append(_ value: Int64) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func append(_ value: Int32) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func append(count: Int) { append(Int32(count)) }
}

/// Reads what ``StateWriter`` wrote; every read is bounds-checked.
struct StateReader {
    private let bytes: [UInt8]
    private var position = 1
    let version: UInt8?

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        version = bytes.first
    }

    mutating func int64() -> Int64? {
        guard position + 8 <= bytes.count else { return nil }
        var value: Int64 = 0
        for index in 0..<8 { value |= Int64(bytes[position + index]) << (8 * index) }
        position += 8
        return value
    }

    mutating func int32() -> Int32? {
        guard position + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for index in 0..<4 { value |= UInt32(bytes[position + index]) << (8 * index) }
        position += 4
        return Int32(bitPattern: value)
    }

    mutating func count(atMost limit: Int) -> Int? {
        guard let value = int32(), value >= 0, Int(value) <= limit else { return nil }
        return Int(value)
    }

    var isAtEnd: Bool { position == bytes.count }
}
