/// One retrain cycle's work: snapshot the interactions, train the graph model and the heads,
/// judge the candidate against the current generation, and promote and install it or not.
///
/// Implemented by the composition root (`EncoreApp`), which knows the concrete models; the
/// ``RetrainScheduler`` decides when it runs, never twice at once, on a thread of its own.
public protocol RetrainCycle: Sendable {
    /// Runs one cycle to the end (blocking). `context` says why it runs, reports progress and
    /// tells long training loops when to give up (service shutdown).
    func run(_ context: RetrainContext) throws -> RetrainOutcome
}

/// What a running cycle gets from the scheduler.
public struct RetrainContext: Sendable {
    /// Why the cycle runs.
    public var trigger: RetrainReason
    /// Listens in the store when the cycle started.
    public var interactions: Int
    /// Progress lines (logged, and shown on the status page).
    public var progress: @Sendable (String) -> Void
    /// True once the service is shutting down: stop training early and keep the current generation.
    public var isCancelled: @Sendable () -> Bool

    public init(
        trigger: RetrainReason, interactions: Int, progress: @escaping @Sendable (String) -> Void,
        isCancelled: @escaping @Sendable () -> Bool
    ) {
        self.trigger = trigger
        self.interactions = interactions
        self.progress = progress
        self.isCancelled = isCancelled
    }
}

/// Why a cycle ran.
public enum RetrainReason: String, Sendable, Equatable {
    case timer, interactions, manual, startup
}

/// How a cycle ended.
public struct RetrainOutcome: Sendable, Equatable {
    /// Whether the candidate was promoted and installed.
    public var promoted: Bool
    /// The generation installed (when promoted).
    public var generation: Int64?
    /// Why it was (not) promoted, in words.
    public var reason: String
    /// Holdout metrics of the candidate and of the current generation (same holdout, same run).
    public var candidateMetrics: [String: Double]
    public var currentMetrics: [String: Double]
    public var trigger: RetrainReason
    public var interactions: Int
    public var seconds: Double
    /// When the cycle finished (wall clock, ms since the epoch).
    public var finishedMs: Int64

    public init(
        promoted: Bool, generation: Int64?, reason: String, candidateMetrics: [String: Double] = [:],
        currentMetrics: [String: Double] = [:], trigger: RetrainReason = .manual, interactions: Int = 0,
        seconds: Double = 0, finishedMs: Int64 = 0
    ) {
        self.promoted = promoted
        self.generation = generation
        self.reason = reason
        self.candidateMetrics = candidateMetrics
        self.currentMetrics = currentMetrics
        self.trigger = trigger
        self.interactions = interactions
        self.seconds = seconds
        self.finishedMs = finishedMs
    }
}
