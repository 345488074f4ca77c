import Metrics

/// The retrain metrics: how long cycles take and what they decided.
///
/// - `encore_retrain_duration_seconds{outcome}`: histogram of cycle wall time.
/// - `encore_retrain_cycles_total{outcome}`: cycles by outcome (`promoted`, `rejected`, `failed`).
///
/// A scheduler that does not go through ``SingleFlightRetrain`` records its cycles here too, so
/// the names stay the same.
public struct RetrainMetrics: Sendable {
    public static let durationLabel = "encore_retrain_duration_seconds"
    public static let cyclesLabel = "encore_retrain_cycles_total"

    public init() {}

    /// Records one finished cycle.
    public func record(outcome: String, duration: Duration) {
        Timer(label: Self.durationLabel, dimensions: [("outcome", outcome)]).record(duration: duration)
        Counter(label: Self.cyclesLabel, dimensions: [("outcome", outcome)]).increment()
    }
}
