import EncoreCore
import EncoreModels

/// Replays a logged stream through the C-3PO stage and the rule baseline side by side, without
/// Kafka or SQLite, to compare their decisions offline (evaluation, benchmarks, the demo).
///
/// Both see every event in order; both decide the requests marked `decide`. The rule baseline
/// gets the C-3PO settings' quiet hours, offset, cap, gap and maximum delay. Users' local
/// offsets, when known, reach C-3PO's quiet hours (the rule baseline has only one offset).
public final class C3POReplay {
    public let stage: C3POStage
    public let rules: RuleBaseline
    private var indices: [UserID: Int32] = [:]
    private var timeZones: [UserID: Int]
    public private(set) var c3poDecisions: [NotificationDecision] = []
    public private(set) var ruleDecisions: [NotificationDecision] = []
    /// Requests scored together at most (the pipeline's batch of requests).
    public let maximumQueue: Int

    /// - Parameters:
    ///   - settings: the C-3PO stage settings (the rule baseline's are derived from them).
    ///   - predictor: the predictor generation (nil: the rule fallback).
    ///   - timeZones: known local offsets per user.
    ///   - maximumQueue: requests scored in one batched pass at most.
    public init(
        settings: C3POStage.Settings, predictor: TimingPredictor?, version: Int = 1, timeZones: [UserID: Int] = [:],
        maximumQueue: Int = 256
    ) {
        self.maximumQueue = maximumQueue
        stage = C3POStage(settings: settings)
        if let predictor { stage.install(predictor, version: version) }
        var ruleSettings = RuleBaseline.Settings()
        ruleSettings.quietStartHour = settings.policy.quietStartHour
        ruleSettings.quietEndHour = settings.policy.quietEndHour
        ruleSettings.utcOffsetHours = settings.policy.utcOffsetHours
        ruleSettings.dailyCap = settings.policy.dailyCap
        ruleSettings.minimumGap = settings.policy.minimumGap
        ruleSettings.maximumDelay = settings.policy.maximumDelay
        rules = RuleBaseline(settings: ruleSettings)
        self.timeZones = timeZones
    }

    private func index(_ user: UserID) -> Int32 {
        if let index = indices[user] { return index }
        let index = Int32(indices.count)
        indices[user] = index
        if let offset = timeZones[user] { stage.setTimeZone(user: index, utcOffsetHours: offset) }
        return index
    }

    public func listen(user: UserID, atMs: Int64) { stage.observeListen(user: index(user), timestampMs: atMs) }

    public func notification(_ event: NotificationEvent) {
        let user = index(event.userID)
        stage.observe(user: user, event: event)
        rules.observe(user: user, action: event.action, timestampMs: event.timestampMs)
    }

    /// A request; decided by both policies when `decide`, otherwise only seen.
    public func request(_ request: NotificationRequest, decide: Bool) {
        guard decide else { return }
        let user = index(request.userID)
        if stage.hasQueued(user: user) { flush() }
        stage.enqueue(request, user: user)
        ruleDecisions.append(rules.decide(request, user: user))
        if stage.queuedCount >= maximumQueue { flush() }
    }

    /// Decides what is queued (call once at the end).
    public func flush() {
        for (decision, _, _) in stage.decidePending() { c3poDecisions.append(decision) }
    }
}
