import EncoreCore
import EncorePipeline
import EncoreStore

/// The notification pipeline's named baseline: send now unless that breaks a rule, otherwise
/// delay to the earliest time that breaks none, or suppress when no such time is left before the
/// request expires (or within the maximum delay).
///
/// Rules, all in event time: no sends in quiet hours (local time = UTC + `utcOffsetHours`), at
/// most `dailyCap` sends in any 24 hours, at least `minimumGap` between two sends. `p_open` is the
/// user's smoothed historical open rate, `(opens + 1) / (sends + 10)` (a Beta(1, 9) prior, i.e.
/// 10% before any feedback). The decision id is derived from the request id, so a replay
/// decides the same request under the same id. The C-3PO stage replaces this and keeps it for
/// comparison.
public final class RuleBaseline: PipelineStage {
    /// Settings from the pipeline definition (`type: rule_baseline`); also the stage's
    /// ``StageDefinition`` (RuleBaseline+Definition.swift).
    public struct Settings: Sendable, Equatable {
        /// Quiet hours start (inclusive) and end (exclusive), local hours 0–23; equal = none.
        public var quietStartHour = 22
        public var quietEndHour = 8
        /// The users' local time offset from UTC (the contract carries no time zone yet).
        public var utcOffsetHours = 0
        public var dailyCap = 3
        public var minimumGap: Duration = .seconds(3600)
        /// Requests that cannot be sent within this delay are suppressed.
        public var maximumDelay: Duration = .seconds(86_400)
        public init() {}
    }

    public static let modelName = "rules@1"
    public let settings: Settings
    var users = UserStateCache<NotificationUserState>()

    public init(settings: Settings) { self.settings = settings }

    public func reload(from store: EncoreStore) throws(StoreError) { try users.reload(from: store) }

    public func process(_ events: [StageEvent], in batch: StageBatch) throws {
        for event in events {
            switch event {
            case .notification(let notification, let user, _):
                observe(user: user, action: notification.action, timestampMs: notification.timestampMs)
            case .request(let request, let user, _):
                // A request seen before (upstream producers retry too) gets its first decision
                // again, unchanged, and schedules nothing new.
                if let earlier = try batch.earlierDecision(for: request) {
                    try batch.repeatDecision(earlier, requestTimestampMs: request.timestampMs)
                } else {
                    try batch.decide(decide(request, user: user), user: user, requestTimestampMs: request.timestampMs)
                }
            case .listen, .track: continue
            }
        }
    }

    public func commitState(to batch: StageBatch) {
        users.write(into: &batch.write, updatedMs: batch.summary.lastEventMs ?? 0)
        users.clearTouched()
    }

    /// Applies feedback on a notification.
    func observe(user: Int32, action: NotificationAction, timestampMs: Int64) {
        users.update(user) { state in
            switch action {
            case .sent: state.sentCount += 1
            case .opened:
                state.openedCount += 1
                state.lastOpenMs = max(state.lastOpenMs ?? timestampMs, timestampMs)
            case .dismissed: state.dismissedCount += 1
            }
        }
    }

    /// Decides a request and records the scheduled send.
    func decide(_ request: NotificationRequest, user: Int32) -> NotificationDecision {
        let settings = settings
        return users.update(user) { state in
            let now = request.timestampMs
            let pOpen = Double(state.openedCount + 1) / Double(state.sentCount + 10)
            let (sendAt, reasons) = Self.earliestAllowedTime(from: now, state: state, settings: settings)
            let deadline = min(request.expiresMs ?? Int64.max, now + Int64(settings.maximumDelay.components.seconds) * 1000)
            let action: DecisionAction
            var reason: String
            if let sendAt, sendAt <= deadline {
                action = sendAt == now ? .send : .delay
                reason = action == .send ? "no rule applies" : "delayed: " + reasons.joined(separator: ", ")
                state.schedule(sendAt, now: now)
            } else {
                action = .suppress
                let why = reasons.isEmpty ? "no allowed time" : reasons.joined(separator: ", ")
                reason = request.expiresMs.map { sendAt ?? Int64.max > $0 } == true
                    ? "suppressed: \(why) until after expiry" : "suppressed: \(why) beyond the maximum delay"
            }
            return NotificationDecision(
                decisionID: Self.decisionID(for: request.requestID), requestID: request.requestID,
                userID: request.userID, notificationID: request.notificationID, action: action,
                sendAtMs: action == .suppress ? nil : sendAt, pOpen: pOpen, model: Self.modelName, reason: reason
            )
        }
    }

    /// The deterministic decision id of a request (``StageBatch/decisionID(for:)``).
    public static func decisionID(for request: RequestID) -> String { StageBatch.decisionID(for: request) }

    /// The earliest time ≥ `start` that respects quiet hours, the cap and the gap, and the rules
    /// that moved it; `nil` if none within eight days.
    static func earliestAllowedTime(
        from start: Int64, state: NotificationUserState, settings: Settings
    ) -> (Int64?, [String]) {
        let hourMs: Int64 = 3_600_000
        let dayMs: Int64 = 86_400_000
        let gapMs = Int64(settings.minimumGap.components.seconds) * 1000
        let offsetMs = Int64(settings.utcOffsetHours) * hourMs
        var candidate = start
        var reasons: [String] = []
        func note(_ reason: String) { if !reasons.contains(reason) { reasons.append(reason) } }
        for _ in 0..<64 {
            var moved = false
            // Quiet hours: move to the end of the quiet period.
            if settings.quietStartHour != settings.quietEndHour {
                let local = candidate + offsetMs
                let hour = Int((local % dayMs + dayMs) % dayMs / hourMs)
                let quiet = settings.quietStartHour < settings.quietEndHour
                    ? (hour >= settings.quietStartHour && hour < settings.quietEndHour)
                    : (hour >= settings.quietStartHour || hour < settings.quietEndHour)
                if quiet {
                    let dayStart = local - ((local % dayMs + dayMs) % dayMs)
                    var end = dayStart + Int64(settings.quietEndHour) * hourMs
                    if end <= local { end += dayMs }
                    candidate = end - offsetMs
                    note("quiet hours")
                    moved = true
                }
            }
            // Daily cap: the window (candidate − 24 h, candidate] must hold fewer than cap sends.
            let inWindow = state.scheduledSendsMs.filter { $0 > candidate - dayMs && $0 <= candidate + dayMs }
            let before = inWindow.filter { $0 <= candidate }
            if before.count >= settings.dailyCap {
                // Wait until the oldest send that keeps the window full drops out.
                candidate = before[before.count - settings.dailyCap] + dayMs
                note("daily cap of \(settings.dailyCap)")
                moved = true
            }
            // Minimum gap to any scheduled send.
            if gapMs > 0, let near = state.scheduledSendsMs.first(where: { abs($0 - candidate) < gapMs }) {
                candidate = near + gapMs
                note("minimum gap")
                moved = true
            }
            if !moved { return (candidate, reasons) }
            if candidate - start > 8 * dayMs { break }
        }
        return (nil, reasons)
    }
}
