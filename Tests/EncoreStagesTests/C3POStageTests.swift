import EncoreCore
import EncoreModels
import EncorePipeline
@testable import EncoreStages
import Testing

/// The C-3PO stage without Kafka: the stored state's round trip, repeated requests recognised
/// from the state, and the fallback's naming.
@Suite struct C3POStageTests {
    static let day0: Int64 = 1_767_571_200_000

    func request(_ index: Int, user: String = "u", at time: Int64) -> NotificationRequest {
        NotificationRequest(
            requestID: RequestID("r\(index)"), userID: UserID(user), notificationID: NotificationID("n\(index)"),
            timestampMs: time, expiresMs: time + 12 * 3_600_000)
    }

    @Test func stateRoundTripsThroughItsBlob() throws {
        let stage = C3POStage(settings: C3POStage.Settings())
        for index in 0..<40 {
            let time = Self.day0 + Int64(index) * 1_700_000
            stage.observeListen(user: 1, timestampMs: time - 60_000)
            stage.observe(user: 1, event: NotificationEvent(userID: UserID("u"), notificationID: NotificationID("n\(index)"), action: .sent, timestampMs: time))
            if index % 3 == 0 {
                stage.observe(user: 1, event: NotificationEvent(userID: UserID("u"), notificationID: NotificationID("n\(index)"), action: .opened, timestampMs: time + 60_000))
            }
            stage.enqueue(request(index, at: time), user: 1)
            _ = stage.decidePending()
        }
        let state = try #require(stage.users.state(of: 1))
        #expect(state.recentRequestKeys.count == C3POUserState.maximumRecentRequests)
        #expect(!state.scheduledSendsMs.isEmpty && state.features.sequence.count == 16)
        #expect(C3POUserState(decoding: state.encoded()) == state)
        var truncated = state.encoded()
        truncated.removeLast()
        #expect(C3POUserState(decoding: truncated) == nil)
    }

    @Test func repeatsAreRecognisedFromTheStateAndDecisionsCarryTheirModel() {
        let stage = C3POStage(settings: C3POStage.Settings())
        let first = request(1, at: Self.day0 + 12 * 3_600_000)
        #expect(!stage.hasDecided(first, user: 7))
        stage.enqueue(first, user: 7)
        #expect(stage.hasQueued(user: 7))
        let decided = stage.decidePending()
        #expect(decided.count == 1 && !stage.hasQueued(user: 7))
        #expect(stage.hasDecided(first, user: 7))
        #expect(!stage.hasDecided(request(2, at: Self.day0), user: 7))
        let decision = decided[0].decision
        #expect(decision.decisionID == RuleBaseline.decisionID(for: first.requestID))
        #expect(decision.model == C3POStage.fallbackModelName && decision.action == .send)
        #expect(decision.reason.hasPrefix("rule policy (no trained c3po predictor in the registry): "))
    }
}
