import Metrics

/// How a retrain cycle ended, as its metrics label it.
public enum RetrainVerdict: String, Sendable, CaseIterable {
    /// A candidate was promoted and installed.
    case promoted
    /// The serving generation was kept (the candidate was worse, or nothing could be trained).
    case rejected
    /// The cycle failed; the serving generation stays.
    case failed
}

/// The retrain metrics, created once: how long cycles take and what they decided.
///
/// - `encore_retrain_duration_seconds{outcome}`: histogram of cycle wall time.
/// - `encore_retrain_cycles_total{outcome}`: cycles by outcome (`promoted`, `rejected`, `failed`).
///
/// The scheduler and the HTTP server's single-flight retrain record into the same series.
public struct RetrainMetrics: Sendable {
    public static let durationLabel = "encore_retrain_duration_seconds"
    public static let cyclesLabel = "encore_retrain_cycles_total"

    private let durations: [RetrainVerdict: Timer]
    private let cycles: [RetrainVerdict: Counter]

    public init() {
        var durations: [RetrainVerdict: Timer] = [:]
        var cycles: [RetrainVerdict: Counter] = [:]
        for verdict in RetrainVerdict.allCases {
            durations[verdict] = Timer(label: Self.durationLabel, dimensions: [("outcome", verdict.rawValue)])
            cycles[verdict] = Counter(label: Self.cyclesLabel, dimensions: [("outcome", verdict.rawValue)])
        }
        self.durations = durations
        self.cycles = cycles
    }

    /// Records one finished cycle.
    public func record(_ verdict: RetrainVerdict, duration: Duration) {
        durations[verdict]?.record(duration: duration)
        cycles[verdict]?.increment()
    }
}
