import EncoreCore
import EncoreModels
import EncorePipeline
import EncoreStore
import Foundation

/// The notification pipeline's C-3PO stage: incremental per-user timing features from
/// notification feedback and listens, p(open) for the 24 hourly slots of every request from the
/// current ``TimingPredictor`` generation, and ``TimingPolicy``'s send / delay / suppress.
///
/// **Batching.** Requests are featurised where they occur in the stream (features as of the
/// request, nothing later) and queued; ``decidePending()`` scores every queued request × 24
/// slots in one batched pass and applies the policy in stream order. A second request of a user
/// already queued first decides the queue, so every decision sees its user's earlier decisions
/// whatever the batch boundaries: a replay after a crash decides the same request the same way.
///
/// **Model.** The predictor is a ``TimingGeneration`` in the process's ``ModelGenerations``
/// (registry → generations → stage, like every model: at start the newest *promoted* `c3po`
/// version of the registry, else the newest one); it is taken between batches. Without any, it still decides: the same rules with a flat p(open) (the
/// user's smoothed open rate), i.e. the earliest allowed hour, under the model name
/// ``fallbackModelName`` and a reason saying so.
///
/// **Ids.** `decision_id` is ``StageBatch/decisionID(for:)`` of the request id.
public final class C3POStage: PipelineStage {
    /// Settings from the pipeline definition (`type: c3po`); also the stage's ``StageDefinition``
    /// (C3POStage+Definition.swift).
    public struct Settings: Sendable, Equatable {
        public var policy = TimingPolicy.Settings()
        /// Registry name of the predictor.
        public var modelName = TimingPredictor.modelName
        public init() {}
    }

    public static let fallbackModelName = "c3po-fallback@rules"
    public let settings: Settings
    let policy: TimingPolicy
    /// The same rules with no threshold, for the fallback's flat p(open).
    let fallbackPolicy: TimingPolicy
    var users = UserStateCache<C3POUserState>()
    public private(set) var predictor: TimingPredictor?
    public private(set) var predictorVersion = 0
    /// Known local offsets (whole hours) per user index; others use the settings' default.
    private var timeZones: [Int32: Int] = [:]

    // The queue of requests featurised but not yet decided.
    private var queue: [(request: NotificationRequest, user: Int32)] = []
    private var queuedUsers: Set<Int32> = []
    private var userRows: [Float] = []
    private var sequenceRows: [Float] = []
    private var slotRows: [Float] = []
    private var hours: [Int32] = []
    private var weekdays: [Int32] = []
    private var slotTimes: [[Int64]] = []
    private var probabilities: [Float] = []
    private let workspace = TimingWorkspace()

    public init(settings: Settings) {
        self.settings = settings
        policy = TimingPolicy(settings: settings.policy)
        var fallback = settings.policy
        fallback.suppressThreshold = 0
        fallbackPolicy = TimingPolicy(settings: fallback)
    }

    /// The model name decisions carry: `c3po@VERSION`, or the fallback's.
    public var modelLabel: String { predictor == nil ? Self.fallbackModelName : "\(settings.modelName)@\(predictorVersion)" }

    /// Installs a predictor generation (between batches).
    public func install(_ predictor: TimingPredictor, version: Int) {
        self.predictor = predictor
        predictorVersion = version
    }

    /// Sets a user's known local offset from UTC (quiet hours are then local to the user).
    public func setTimeZone(user: Int32, utcOffsetHours: Int) { timeZones[user] = utcOffsetHours }

    /// Loads the newest promoted generation of the predictor from the registry, else the newest;
    /// keeps the fallback when there is none.
    ///
    /// - Returns: the version loaded, or nil.
    @discardableResult
    public func loadPredictor(from store: EncoreStore) throws -> Int? {
        let registry = ModelRegistry(store: store)
        let entries = try registry.list(name: settings.modelName)
        guard let chosen = entries.filter({ $0.status == .promoted }).max(by: { $0.version < $1.version })
            ?? entries.max(by: { $0.version < $1.version })
        else { return nil }
        let (entry, blob) = try registry.load(name: settings.modelName, version: chosen.version)
        install(try TimingPredictor(artifact: ModelArtifact(metadataJSON: entry.metadataJSON, blob: blob)), version: entry.version)
        return entry.version
    }

    public func reload(from store: EncoreStore) throws(StoreError) {
        try users.reload(from: store)
        clearQueue()
    }

    /// Takes the installed predictor generation of ``Settings/modelName`` (between batches).
    public func install(from generations: ModelGenerations) {
        guard let timing = generations.current(TimingGeneration.self, named: settings.modelName),
            timing.version != Int64(predictorVersion) || predictor == nil
        else { return }
        install(timing.predictor, version: Int(timing.version))
    }

    public func process(_ events: [StageEvent], in batch: StageBatch) throws {
        for event in events {
            switch event {
            case .listen(let listen, let user, _, _):
                observeListen(user: user, timestampMs: listen.timestampMs)
            case .notification(let notification, let user, _):
                observe(user: user, event: notification)
            case .request(let request, let user, _):
                // Decide what is queued first when this user (or this very request) waits in the
                // queue, so every decision sees its user's earlier ones.
                if hasQueued(user: user) { try decideQueued(in: batch) }
                // The user's state remembers its recent decided requests: SQLite is read only for
                // a repeat, not once per request.
                if let earlier = try batch.earlierDecision(for: request, consultStore: hasDecided(request, user: user)) {
                    try batch.repeatDecision(earlier, requestTimestampMs: request.timestampMs)
                } else {
                    enqueue(request, user: user)
                }
            case .track: continue
            }
        }
        try decideQueued(in: batch)
    }

    public func commitState(to batch: StageBatch) {
        users.write(into: &batch.write, updatedMs: batch.summary.lastEventMs ?? 0, generation: Int64(predictorVersion))
        users.clearTouched()
    }

    /// Decides the queued requests (one batched scoring pass) and hands the decisions to the batch.
    private func decideQueued(in batch: StageBatch) throws {
        guard queuedCount > 0 else { return }
        for (decision, user, requestTimestampMs) in decidePending() {
            try batch.decide(decision, user: user, requestTimestampMs: requestTimestampMs)
        }
    }

    // MARK: Feature updates

    /// A listen of `user` at `timestampMs` (activity rhythm and recency).
    public func observeListen(user: Int32, timestampMs: Int64) {
        users.update(user) { $0.features.recordListen(atMs: timestampMs) }
    }

    /// Notification feedback of `user`.
    public func observe(user: Int32, event: NotificationEvent) {
        let key = TimingFeatureState.notificationKey(event.notificationID.rawValue)
        users.update(user) { state in
            switch event.action {
            case .sent: state.features.recordSent(notificationKey: key, atMs: event.timestampMs)
            case .opened: state.features.recordOpened(notificationKey: key, atMs: event.timestampMs)
            case .dismissed: state.features.recordDismissed(notificationKey: key, atMs: event.timestampMs)
            }
        }
    }

    // MARK: Decisions

    /// Whether a request of `user` waits in the queue (decide the queue before queueing another).
    public func hasQueued(user: Int32) -> Bool { queuedUsers.contains(user) }

    public var queuedCount: Int { queue.count }

    /// Whether the user's state remembers deciding this request (then its decision is in the
    /// store); requests older than the user's last 32 are not remembered and are decided again
    /// under the same id.
    public func hasDecided(_ request: NotificationRequest, user: Int32) -> Bool {
        guard let state = users.state(of: user) else { return false }
        return state.recentRequestKeys.contains(TimingFeatureState.notificationKey(request.requestID.rawValue))
    }

    /// Featurises a request as of now and queues it for ``decidePending()``.
    public func enqueue(_ request: NotificationRequest, user: Int32) {
        let state = users.state(of: user) ?? C3POUserState()
        let now = request.timestampMs
        var times: [Int64] = []
        TimingPolicy.slotTimes(nowMs: now, into: &times)
        let userStart = userRows.count, sequenceStart = sequenceRows.count, slotStart = slotRows.count
        userRows.append(contentsOf: repeatElement(0, count: TimingFeaturizer.userWidth))
        sequenceRows.append(contentsOf: repeatElement(0, count: TimingFeaturizer.sequenceWidth))
        slotRows.append(contentsOf: repeatElement(0, count: TimingPolicy.slotCount * TimingFeaturizer.slotWidth))
        userRows.withUnsafeMutableBufferPointer { userBuffer in
            sequenceRows.withUnsafeMutableBufferPointer { sequenceBuffer in
                TimingFeaturizer.writeUser(
                    state.features, nowMs: now, user: userBuffer.baseAddress! + userStart,
                    sequence: sequenceBuffer.baseAddress! + sequenceStart)
            }
        }
        slotRows.withUnsafeMutableBufferPointer { slotBuffer in
            for (index, time) in times.enumerated() {
                var scheduled = 0
                for send in state.scheduledSendsMs where send < time && send > time - 86_400_000 { scheduled += 1 }
                TimingFeaturizer.writeSlot(
                    state.features, nowMs: now, slotMs: time, scheduledSendsInDay: scheduled,
                    slot: slotBuffer.baseAddress! + slotStart + index * TimingFeaturizer.slotWidth)
                hours.append(Int32(TimingFeatureState.hour(time)))
                weekdays.append(Int32(TimingFeatureState.weekday(time)))
            }
        }
        slotTimes.append(times)
        queue.append((request, user))
        queuedUsers.insert(user)
    }

    /// Scores every queued request for its 24 slots in one batched pass, applies the policy in
    /// stream order, records the scheduled sends, and returns the decisions in that order.
    public func decidePending() -> [(decision: NotificationDecision, user: Int32, requestTimestampMs: Int64)] {
        guard !queue.isEmpty else { return [] }
        let rows = queue.count * TimingPolicy.slotCount
        if probabilities.count < rows { probabilities = [Float](repeating: 0, count: rows) }
        if let predictor {
            userRows.withUnsafeBufferPointer { user in
                sequenceRows.withUnsafeBufferPointer { sequence in
                    slotRows.withUnsafeBufferPointer { slot in
                        hours.withUnsafeBufferPointer { hour in
                            weekdays.withUnsafeBufferPointer { weekday in
                                probabilities.withUnsafeMutableBufferPointer { output in
                                    predictor.probabilities(
                                        TimingInputs(
                                            requests: queue.count, slotsPerRequest: TimingPolicy.slotCount,
                                            user: user.baseAddress!, sequence: sequence.baseAddress!,
                                            slot: slot.baseAddress!, hour: hour.baseAddress!,
                                            weekday: weekday.baseAddress!),
                                        workspace: workspace, into: output.baseAddress!)
                                }
                            }
                        }
                    }
                }
            }
        } else {
            for (index, entry) in queue.enumerated() {
                let state = users.state(of: entry.user)?.features ?? TimingFeatureState()
                let now = entry.request.timestampMs
                let rate = Float((Double(state.decayedOpens(at: now)) + 1) / (Double(state.decayedSends(at: now)) + 10))
                for slot in 0..<TimingPolicy.slotCount { probabilities[index * TimingPolicy.slotCount + slot] = rate }
            }
        }
        var result: [(decision: NotificationDecision, user: Int32, requestTimestampMs: Int64)] = []
        result.reserveCapacity(queue.count)
        let model = modelLabel
        let fallback = predictor == nil
        let policy = fallback ? fallbackPolicy : self.policy
        probabilities.withUnsafeBufferPointer { all in
            for (index, entry) in queue.enumerated() {
                let request = entry.request
                let slots = UnsafeBufferPointer(rebasing: all[(index * TimingPolicy.slotCount)..<((index + 1) * TimingPolicy.slotCount)])
                let choice = users.update(entry.user) { state -> TimingPolicy.Choice in
                    let choice = policy.decide(
                        nowMs: request.timestampMs, expiresMs: request.expiresMs, slotTimes: slotTimes[index],
                        probabilities: slots, scheduled: state.scheduledSendsMs, utcOffsetHours: timeZones[entry.user])
                    if let sendAt = choice.sendAtMs { state.schedule(sendAt, now: request.timestampMs) }
                    state.noteDecided(TimingFeatureState.notificationKey(request.requestID.rawValue))
                    return choice
                }
                let action: DecisionAction = switch choice.action {
                case .send: .send
                case .delay: .delay
                case .suppress: .suppress
                }
                let reason = fallback ? "rule policy (no trained c3po predictor in the registry): " + choice.reason : choice.reason
                let decision = NotificationDecision(
                    decisionID: StageBatch.decisionID(for: request.requestID), requestID: request.requestID,
                    userID: request.userID, notificationID: request.notificationID, action: action,
                    sendAtMs: choice.sendAtMs, pOpen: choice.pOpen, model: model, reason: reason)
                result.append((decision, entry.user, request.timestampMs))
            }
        }
        clearQueue()
        return result
    }

    private func clearQueue() {
        queue.removeAll(keepingCapacity: true)
        queuedUsers.removeAll(keepingCapacity: true)
        userRows.removeAll(keepingCapacity: true)
        sequenceRows.removeAll(keepingCapacity: true)
        slotRows.removeAll(keepingCapacity: true)
        hours.removeAll(keepingCapacity: true)
        weekdays.removeAll(keepingCapacity: true)
        slotTimes.removeAll(keepingCapacity: true)
    }
}
