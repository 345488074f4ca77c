/// Why an input record was rejected; travels to `encore.dead-letters` as headers.
///
/// ``code`` is the machine-readable reason (`invalid_json`, `missing_field:user_id`,
/// `wrong_type:ts_ms`, `invalid_value:ts_ms`, `too_large`, `not_an_object`), ``detail`` the
/// human explanation.
public struct EventRejection: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: Reason
    public var detail: String

    public init(_ reason: Reason, detail: String) {
        self.reason = reason
        self.detail = detail
    }

    /// The machine-readable reason code written to the `encore-error` header.
    public var code: String { reason.code }
    public var description: String { "\(code): \(detail)" }

    /// The kinds of rejection.
    public enum Reason: Sendable, Equatable {
        case invalidJSON
        case notAnObject
        case tooLarge
        case missingField(String)
        case wrongType(String)
        case invalidValue(String)

        public var code: String {
            switch self {
            case .invalidJSON: "invalid_json"
            case .notAnObject: "not_an_object"
            case .tooLarge: "too_large"
            case .missingField(let field): "missing_field:\(field)"
            case .wrongType(let field): "wrong_type:\(field)"
            case .invalidValue(let field): "invalid_value:\(field)"
            }
        }
    }
}
