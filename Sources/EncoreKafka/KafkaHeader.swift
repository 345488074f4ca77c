/// One record header: a UTF-8 name and opaque bytes.
public struct KafkaHeader: Sendable, Equatable {
    /// The header name.
    public var name: String
    /// The header value.
    public var value: [UInt8]

    /// Creates a header from bytes.
    public init(name: String, value: [UInt8]) {
        self.name = name
        self.value = value
    }

    /// Creates a header whose value is the UTF-8 encoding of `value`.
    public init(name: String, string value: String) {
        self.init(name: name, value: Array(value.utf8))
    }
}
