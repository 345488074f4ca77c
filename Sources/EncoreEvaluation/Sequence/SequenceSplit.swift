/// Where a time-ordered evaluation cuts train from test.
///
/// `temporal:FRACTION` puts the last FRACTION of the data's time span in the test period
/// (default 0.2); `at:EPOCH_SECONDS` makes events at or after that time test events.
public enum SequenceSplit: Sendable, Equatable, CustomStringConvertible {
    /// The last `fraction` of the time span is test.
    case temporal(fraction: Double)
    /// Events at or after this time (epoch milliseconds) are test.
    case at(milliseconds: Int64)

    /// The default: the last 20 % of time is test.
    public static let `default` = SequenceSplit.temporal(fraction: 0.2)

    /// Parses `temporal:FRACTION`, `temporal` or `at:EPOCH_SECONDS`.
    ///
    /// - Throws: ``EvaluationError`` with code `.malformedInput`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        switch parts.first {
        case "temporal":
            let fraction = parts.count > 1 ? Double(parts[1]) : 0.2
            guard let fraction, fraction > 0, fraction < 1 else {
                throw EvaluationError(.malformedInput, "split '\(text)': the fraction must be in (0, 1)")
            }
            self = .temporal(fraction: fraction)
        case "at":
            guard parts.count > 1, let seconds = Double(parts[1]) else {
                throw EvaluationError(.malformedInput, "split '\(text)': expected at:EPOCH_SECONDS")
            }
            self = .at(milliseconds: Int64(seconds * 1000))
        default:
            throw EvaluationError(.malformedInput, "split '\(text)': expected temporal:FRACTION or at:EPOCH_SECONDS")
        }
    }

    /// The cut-off time (epoch ms) for data spanning `[firstMs, lastMs]`.
    public func cutoffMs(firstMs: Int64, lastMs: Int64) -> Int64 {
        switch self {
        case .temporal(let fraction):
            return lastMs - Int64((Double(lastMs - firstMs) * fraction).rounded(.down))
        case .at(let milliseconds):
            return milliseconds
        }
    }

    public var description: String {
        switch self {
        case .temporal(let fraction): "temporal:\(fraction)"
        case .at(let milliseconds): "at:\(milliseconds / 1000)"
        }
    }
}
