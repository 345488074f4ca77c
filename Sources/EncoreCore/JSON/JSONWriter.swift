/// Appends compact JSON to a byte buffer: the encoder for every message Encore writes.
///
/// Members are written in a fixed order, so equal values always give equal bytes (replays and
/// golden tests rely on that). Optional members that are `nil` are omitted.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8]
    private var needsComma = false

    public init(reservingCapacity capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Clears the buffer but keeps its storage, so one writer can serve a whole batch.
    public mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        needsComma = false
    }

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    public mutating func beginArray(_ key: StaticString) {
        writeKey(key)
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Starts an object as a member value.
    public mutating func beginObject(_ key: StaticString) {
        writeKey(key)
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    public mutating func string(_ key: StaticString, _ value: String?) {
        guard let value else { return }
        writeKey(key)
        appendString(value)
    }

    /// A string member whose name is only known at run time (log metadata, for example).
    public mutating func string(named key: String, _ value: String) {
        separate()
        appendString(key)
        bytes.append(UInt8(ascii: ":"))
        appendString(value)
        needsComma = true
    }

    public mutating func integer(_ key: StaticString, _ value: Int64?) {
        guard let value else { return }
        writeKey(key)
        appendInteger(value)
    }

    public mutating func bool(_ key: StaticString, _ value: Bool?) {
        guard let value else { return }
        writeKey(key)
        bytes.append(contentsOf: value ? Self.trueBytes : Self.falseBytes)
    }

    /// Writes a finite number in Swift's shortest round-tripping form (non-finite becomes null).
    public mutating func number(_ key: StaticString, _ value: Double?) {
        guard let value else { return }
        writeKey(key)
        appendNumber(value)
    }

    /// An array element that is a string.
    public mutating func element(_ value: String) {
        separate()
        appendString(value)
        needsComma = true
    }

    /// An array element that is a number.
    public mutating func element(_ value: Float) {
        separate()
        appendNumber(Double(value), single: value)
        needsComma = true
    }

    /// Writes an array of floats as a member.
    public mutating func floats(_ key: StaticString, _ values: [Float]) {
        beginArray(key)
        for value in values { element(value) }
        endArray()
    }

    // MARK: Internals

    private static let trueBytes: [UInt8] = Array("true".utf8)
    private static let falseBytes: [UInt8] = Array("false".utf8)
    private static let nullBytes: [UInt8] = Array("null".utf8)

    @inline(__always) private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    private mutating func writeKey(_ key: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = true
    }

    private mutating func appendInteger(_ value: Int64) {
        if value == 0 {
            bytes.append(UInt8(ascii: "0"))
            return
        }
        var magnitude = value.magnitude
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
            UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            while magnitude > 0 {
                buffer[count] = UInt8(magnitude % 10) + 0x30
                magnitude /= 10
                count += 1
            }
            for position in stride(from: count - 1, through: 0, by: -1) { bytes.append(buffer[position]) }
        }
    }

    /// - Parameter single: the original `Float`, whose shortest form is used outside the fixed range.
    private mutating func appendNumber(_ value: Double, single: Float? = nil) {
        guard value.isFinite else {
            bytes.append(contentsOf: Self.nullBytes)
            return
        }
        if value == value.rounded(), abs(value) < 1e15 {
            appendInteger(Int64(value))
            return
        }
        let magnitude = abs(value)
        if magnitude >= 1e-3 && magnitude < 1e12 {
            // Six decimals, trailing zeros trimmed: at least four significant digits in this range,
            // as precise as a Float32 score needs, and no floating-point-to-string conversion
            // (which dominated writing a recommendation).
            let scaled = Int64((magnitude * 1e6).rounded())
            if value < 0 { bytes.append(UInt8(ascii: "-")) }
            appendInteger(scaled / 1_000_000)
            var fraction = scaled % 1_000_000
            if fraction != 0 {
                bytes.append(UInt8(ascii: "."))
                var digits = 6
                while fraction % 10 == 0 {
                    fraction /= 10
                    digits -= 1
                }
                var divisor: Int64 = 1
                for _ in 1..<digits { divisor *= 10 }
                while divisor > 0 {
                    bytes.append(UInt8(fraction / divisor % 10) + 0x30)
                    divisor /= 10
                }
            }
            return
        }
        bytes.append(contentsOf: (single.map(\.description) ?? value.description).utf8)
    }

    private mutating func appendString(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        // Fast path: nothing to escape (ids, names), one bulk copy of the UTF-8 buffer.
        var contiguous = value
        let copied = contiguous.withUTF8 { buffer -> Bool in
            for byte in buffer where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                return false
            }
            bytes.append(contentsOf: buffer)
            return true
        }
        if copied {
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "\\"))
            case 0x0A: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "t"))
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), 0x30, 0x30])
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
