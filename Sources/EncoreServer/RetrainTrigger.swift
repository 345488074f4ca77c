/// What `POST /v1/retrain` (and `encore retrain --now`) calls: starts a retrain cycle now unless
/// one is running.
///
/// The retrain scheduler implements it; ``SingleFlightRetrain`` is a ready-made one around any
/// cycle function, and ``NoRetrainScheduler`` answers for a service without one.
public protocol RetrainTrigger: Sendable {
    /// Starts a cycle and returns at once, without waiting for the cycle to finish.
    ///
    /// - Parameter reason: who asked (logged with the cycle).
    func requestRetrain(reason: String) async -> RetrainRequestOutcome
}

/// The answer to a retrain request.
public enum RetrainRequestOutcome: Sendable, Equatable {
    /// A new cycle started (HTTP 202).
    case started(cycle: Int)
    /// A cycle is already running; nothing new was started (HTTP 409).
    case alreadyRunning(cycle: Int)
    /// This service cannot retrain (HTTP 503).
    case unavailable(reason: String)
}

/// The trigger of a service without a retrain scheduler: every request is `unavailable`.
public struct NoRetrainScheduler: RetrainTrigger {
    public init() {}

    public func requestRetrain(reason: String) async -> RetrainRequestOutcome {
        .unavailable(reason: "this service runs no retrain scheduler")
    }
}
