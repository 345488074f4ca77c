#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A strict, allocation-light JSON reader for the flat event objects of the contract.
///
/// It walks UTF-8 bytes in place: keys are compared as bytes, strings without escapes become a
/// `String` in one copy (small ids stay inline, with no heap allocation), numbers are parsed
/// without intermediate strings. Anything that is not valid JSON (RFC 8259) raises
/// ``EventRejection/Reason/invalidJSON``; unknown members are validated and skipped.
struct JSONScanner: ~Copyable {
    private let base: UnsafePointer<UInt8>
    private let end: Int
    private(set) var index: Int = 0
    /// Nesting limit for skipped values, so hostile input cannot exhaust the stack.
    static let maximumDepth = 64

    init(_ buffer: UnsafeRawBufferPointer) {
        // An empty buffer may have a nil base address; point at a static byte then.
        if let address = buffer.baseAddress {
            base = address.assumingMemoryBound(to: UInt8.self)
        } else {
            base = JSONScanner.emptyByte
        }
        end = buffer.count
    }

    nonisolated(unsafe) private static let emptyByte: UnsafePointer<UInt8> = {
        let pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        pointer.initialize(to: 0)
        return UnsafePointer(pointer)
    }()

    // MARK: Structure

    @inline(__always) mutating func skipWhitespace() {
        while index < end {
            let byte = base[index]
            if byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 } else { return }
        }
    }

    @inline(__always) func peek() -> UInt8? { index < end ? base[index] : nil }

    mutating func expect(_ byte: UInt8) throws(EventRejection) {
        skipWhitespace()
        guard index < end, base[index] == byte else { throw Self.invalid("expected '\(Character(Unicode.Scalar(byte)))'") }
        index += 1
    }

    /// Consumes `{` and reports whether the object is empty (`{}` consumed entirely).
    mutating func beginObject() throws(EventRejection) -> Bool {
        skipWhitespace()
        guard index < end else { throw Self.invalid("empty message") }
        guard base[index] == UInt8(ascii: "{") else {
            // Valid JSON of another shape is "not an object"; garbage is invalid JSON.
            var probe = JSONScanner(UnsafeRawBufferPointer(start: base, count: end))
            probe.index = index
            if (try? probe.skipValue(depth: 0)) != nil {
                probe.skipWhitespace()
                if probe.index == end { throw EventRejection(.notAnObject, detail: "the message is JSON but not an object") }
            }
            throw Self.invalid("expected an object")
        }
        index += 1
        skipWhitespace()
        if index < end, base[index] == UInt8(ascii: "}") {
            index += 1
            return true
        }
        return false
    }

    /// After a member value: consumes `,` (returns false) or `}` (returns true).
    mutating func endOfMember() throws(EventRejection) -> Bool {
        skipWhitespace()
        guard index < end else { throw Self.invalid("unterminated object") }
        switch base[index] {
        case UInt8(ascii: ","):
            index += 1
            return false
        case UInt8(ascii: "}"):
            index += 1
            return true
        default: throw Self.invalid("expected ',' or '}'")
        }
    }

    /// Requires that nothing but whitespace follows the top-level value.
    mutating func finish() throws(EventRejection) {
        skipWhitespace()
        if index != end { throw Self.invalid("trailing bytes after the object") }
    }

    /// Reads a member key and the following `:`; returns the raw key bytes (unescaped keys are
    /// compared directly; escaped keys are rare and decoded).
    mutating func readKey() throws(EventRejection) -> Key {
        skipWhitespace()
        guard index < end, base[index] == UInt8(ascii: "\"") else { throw Self.invalid("expected a member name") }
        let key: Key
        let start = index + 1
        let (stringEnd, hasEscapes) = try scanString()
        if hasEscapes {
            index = start - 1
            let decoded = try readStringValue()
            key = Key(start: nil, count: 0, decoded: decoded)
        } else {
            key = Key(start: base + start, count: stringEnd - start, decoded: nil)
        }
        try expect(UInt8(ascii: ":"))
        skipWhitespace()
        return key
    }

    /// A member name, borrowed from the input where possible.
    struct Key {
        let start: UnsafePointer<UInt8>?
        let count: Int
        let decoded: String?

        @inline(__always) func equals(_ name: StaticString) -> Bool {
            if let decoded { return decoded == name.description }
            guard count == name.utf8CodeUnitCount, let start else { return false }
            return memcmp(start, name.utf8Start, count) == 0
        }
    }

    // MARK: Values

    /// Whether the next value is `null` (consumed if so).
    mutating func consumeNull() throws(EventRejection) -> Bool {
        guard index < end, base[index] == UInt8(ascii: "n") else { return false }
        try literal("null")
        return true
    }

    /// Reads a string value; `field` names the member for wrong-type errors.
    mutating func readString(field: StaticString) throws(EventRejection) -> String {
        guard index < end else { throw Self.invalid("missing value") }
        guard base[index] == UInt8(ascii: "\"") else {
            try skipValue(depth: 0)
            throw EventRejection(.wrongType(field.description), detail: "\(field) must be a string")
        }
        return try readStringValue()
    }

    /// Reads an integer value (no fraction, no exponent, fits in Int64).
    mutating func readInteger(field: StaticString) throws(EventRejection) -> Int64 {
        guard index < end else { throw Self.invalid("missing value") }
        let first = base[index]
        guard first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39) else {
            try skipValue(depth: 0)
            throw EventRejection(.wrongType(field.description), detail: "\(field) must be an integer")
        }
        let start = index
        let isInteger = try scanNumber()
        guard isInteger else { throw EventRejection(.wrongType(field.description), detail: "\(field) must be an integer") }
        var position = start
        var negative = false
        if base[position] == UInt8(ascii: "-") {
            negative = true
            position += 1
        }
        var value: Int64 = 0
        while position < index {
            let digit = Int64(base[position] &- 0x30)
            let (multiplied, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (added, overflow2) = negative ? multiplied.subtractingReportingOverflow(digit)
                                              : multiplied.addingReportingOverflow(digit)
            if overflow1 || overflow2 {
                throw EventRejection(.invalidValue(field.description), detail: "\(field) does not fit in 64 bits")
            }
            value = added
            position += 1
        }
        return value
    }

    /// Reads any JSON number as a `Double`.
    mutating func readDouble(field: StaticString) throws(EventRejection) -> Double {
        guard index < end else { throw Self.invalid("missing value") }
        let first = base[index]
        guard first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39) else {
            try skipValue(depth: 0)
            throw EventRejection(.wrongType(field.description), detail: "\(field) must be a number")
        }
        let start = index
        _ = try scanNumber()
        let text = String(decoding: UnsafeBufferPointer(start: base + start, count: index - start), as: UTF8.self)
        guard let value = Double(text) else { throw EventRejection(.invalidValue(field.description), detail: "\(field) is out of range") }
        return value
    }

    /// Reads an array, calling `element` at the start of each element.
    mutating func readArray(
        field: StaticString, _ element: (inout JSONScanner) throws(EventRejection) -> Void
    ) throws(EventRejection) {
        guard index < end else { throw Self.invalid("missing value") }
        guard base[index] == UInt8(ascii: "[") else {
            try skipValue(depth: 0)
            throw EventRejection(.wrongType(field.description), detail: "\(field) must be an array")
        }
        index += 1
        skipWhitespace()
        if index < end, base[index] == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            try element(&self)
            skipWhitespace()
            guard index < end else { throw Self.invalid("unterminated array") }
            if base[index] == UInt8(ascii: ",") {
                index += 1
            } else if base[index] == UInt8(ascii: "]") {
                index += 1
                return
            } else {
                throw Self.invalid("expected ',' or ']'")
            }
        }
    }

    /// Reads `true` or `false`.
    mutating func readBool(field: StaticString) throws(EventRejection) -> Bool {
        guard index < end else { throw Self.invalid("missing value") }
        switch base[index] {
        case UInt8(ascii: "t"):
            try literal("true")
            return true
        case UInt8(ascii: "f"):
            try literal("false")
            return false
        default:
            try skipValue(depth: 0)
            throw EventRejection(.wrongType(field.description), detail: "\(field) must be a boolean")
        }
    }

    /// Reads an array of strings.
    mutating func readStringArray(field: StaticString) throws(EventRejection) -> [String] {
        var result: [String] = []
        try readArray(field: field) { element throws(EventRejection) in result.append(try element.readString(field: field)) }
        return result
    }

    /// Whether the next value is an object (not consumed).
    var atObject: Bool { index < end && base[index] == UInt8(ascii: "{") }

    /// Validates and skips any JSON value.
    mutating func skipValue(depth: Int) throws(EventRejection) {
        guard depth < Self.maximumDepth else { throw Self.invalid("nesting deeper than \(Self.maximumDepth)") }
        skipWhitespace()
        guard index < end else { throw Self.invalid("missing value") }
        switch base[index] {
        case UInt8(ascii: "\""):
            _ = try scanString()
        case UInt8(ascii: "{"):
            index += 1
            skipWhitespace()
            if index < end, base[index] == UInt8(ascii: "}") {
                index += 1
                return
            }
            while true {
                _ = try readKey()
                try skipValue(depth: depth + 1)
                if try endOfMember() { return }
            }
        case UInt8(ascii: "["):
            try readArray(field: "value") { element throws(EventRejection) in try element.skipValue(depth: depth + 1) }
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default: _ = try scanNumber()
        }
    }

    // MARK: Lexing

    private mutating func literal(_ word: StaticString) throws(EventRejection) {
        let count = word.utf8CodeUnitCount
        guard end - index >= count, memcmp(base + index, word.utf8Start, count) == 0 else {
            throw Self.invalid("invalid literal")
        }
        index += count
    }

    /// Scans a number per the JSON grammar; returns whether it is an integer (no fraction or
    /// exponent). Leaves `index` after the number.
    private mutating func scanNumber() throws(EventRejection) -> Bool {
        var isInteger = true
        if index < end, base[index] == UInt8(ascii: "-") { index += 1 }
        guard index < end, base[index] >= 0x30, base[index] <= 0x39 else { throw Self.invalid("invalid number") }
        if base[index] == 0x30 {
            index += 1
        } else {
            while index < end, base[index] >= 0x30, base[index] <= 0x39 { index += 1 }
        }
        if index < end, base[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard index < end, base[index] >= 0x30, base[index] <= 0x39 else { throw Self.invalid("invalid number") }
            while index < end, base[index] >= 0x30, base[index] <= 0x39 { index += 1 }
        }
        if index < end, base[index] == UInt8(ascii: "e") || base[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < end, base[index] == UInt8(ascii: "+") || base[index] == UInt8(ascii: "-") { index += 1 }
            guard index < end, base[index] >= 0x30, base[index] <= 0x39 else { throw Self.invalid("invalid number") }
            while index < end, base[index] >= 0x30, base[index] <= 0x39 { index += 1 }
        }
        return isInteger
    }

    /// Scans a string starting at the opening quote; returns the index of the closing quote and
    /// whether escapes occur. Leaves `index` after the closing quote. Validates escapes and rejects
    /// raw control characters; UTF-8 validity is checked when the string is materialised.
    private mutating func scanString() throws(EventRejection) -> (end: Int, hasEscapes: Bool) {
        index += 1
        var hasEscapes = false
        while index < end {
            let byte = base[index]
            if byte == UInt8(ascii: "\"") {
                let closing = index
                index += 1
                return (closing, hasEscapes)
            }
            if byte == UInt8(ascii: "\\") {
                hasEscapes = true
                index += 1
                guard index < end else { break }
                switch base[index] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    index += 1
                case UInt8(ascii: "u"):
                    guard end - index >= 5 else { throw Self.invalid("truncated \\u escape") }
                    for offset in 1...4 where Self.hexValue(base[index + offset]) == nil {
                        throw Self.invalid("invalid \\u escape")
                    }
                    index += 5
                default: throw Self.invalid("invalid escape")
                }
                continue
            }
            if byte < 0x20 { throw Self.invalid("control character in string") }
            index += 1
        }
        throw Self.invalid("unterminated string")
    }

    /// Reads a string value at the opening quote into a `String`, decoding escapes and
    /// validating UTF-8.
    private mutating func readStringValue() throws(EventRejection) -> String {
        let start = index + 1
        let (closing, hasEscapes) = try scanString()
        let raw = UnsafeBufferPointer(start: base + start, count: closing - start)
        if !hasEscapes {
            guard let string = String(validating: raw, as: UTF8.self) else { throw Self.invalid("string is not UTF-8") }
            return string
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(raw.count)
        var position = 0
        while position < raw.count {
            let byte = raw[position]
            guard byte == UInt8(ascii: "\\") else {
                bytes.append(byte)
                position += 1
                continue
            }
            let escape = raw[position + 1]
            position += 2
            switch escape {
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0C)
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = Self.hex4(raw, position)
                position += 4
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    // A high surrogate must be followed by an escaped low surrogate.
                    guard position + 6 <= raw.count, raw[position] == UInt8(ascii: "\\"),
                        raw[position + 1] == UInt8(ascii: "u")
                    else { throw Self.invalid("unpaired surrogate") }
                    let low = Self.hex4(raw, position + 2)
                    guard low >= 0xDC00 && low < 0xE000 else { throw Self.invalid("unpaired surrogate") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    position += 6
                } else if scalar >= 0xDC00 && scalar < 0xE000 {
                    throw Self.invalid("unpaired surrogate")
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw Self.invalid("invalid code point") }
                bytes.append(contentsOf: String(Character(unicode)).utf8)
            default: bytes.append(escape)  // \" \\ \/
            }
        }
        guard let string = String(validating: bytes, as: UTF8.self) else { throw Self.invalid("string is not UTF-8") }
        return string
    }

    @inline(__always) private static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case 0x30...0x39: UInt32(byte - 0x30)
        case 0x41...0x46: UInt32(byte - 0x41 + 10)
        case 0x61...0x66: UInt32(byte - 0x61 + 10)
        default: nil
        }
    }

    private static func hex4(_ raw: UnsafeBufferPointer<UInt8>, _ position: Int) -> UInt32 {
        var value: UInt32 = 0
        for offset in 0..<4 { value = value << 4 | (hexValue(raw[position + offset]) ?? 0) }
        return value
    }

    static func invalid(_ detail: String) -> EventRejection { EventRejection(.invalidJSON, detail: detail) }
}
