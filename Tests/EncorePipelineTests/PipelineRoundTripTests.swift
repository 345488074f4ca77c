import EncoreCore
import EncoreKafka
import EncorePipeline
import EncoreStages
import EncoreStore
import EncoreTestSupport
import Testing

@Suite(.timeLimit(.minutes(3)))
struct PipelineRoundTripTests {
    @Test func everyEventTypeIsAppliedAndAnswered() async throws {
        let harness = try PipelineHarness()
        let listens = TestStreams.listens(120)
        try harness.produce(.listens, listens)
        try harness.produce(.tracks, [("", EventEncoder.encode(TrackMetadata(trackID: TrackID("track-3"), title: "Three", genres: ["rock"])))])
        try harness.produce(.notificationEvents, [
            ("user-1", EventEncoder.encode(NotificationEvent(userID: UserID("user-1"), notificationID: NotificationID("n"), action: .sent, timestampMs: TestStreams.day0))),
            ("user-1", EventEncoder.encode(NotificationEvent(userID: UserID("user-1"), notificationID: NotificationID("n"), action: .opened, timestampMs: TestStreams.day0 + 1000))),
        ])
        let requests = TestStreams.requests(20)
        try harness.produce(.notificationRequests, requests)

        let music = try await harness.run(TestDefinitions.music()) { $0.appliedRecords == 121 }
        #expect(music.error == nil)
        #expect(music.status.appliedRecords == 121)
        let notifications = try await harness.run(TestDefinitions.notifications()) { $0.appliedRecords == 22 }
        #expect(notifications.error == nil)
        #expect(notifications.status.decisions == 20)

        let store = try harness.store()
        let counts = try store.counts()
        #expect(counts.listens == 120)
        #expect(counts.notificationEvents == 2)
        #expect(counts.decisions == 20)
        #expect(counts.deadLetters == 0)

        // Recommendations: one per listen (no debounce) except where nothing but the user's own
        // recent plays is popular yet; every one delivered, valid, and never recommending a track
        // the user just played.
        let produced = music.status.recommendations
        #expect(produced >= 100)
        let recommendations = try harness.readAll(.recommendations, expecting: produced)
        #expect(recommendations.count == produced)
        for message in recommendations {
            #expect(message.headers[header: "encore-id"]?.count == 16)
            let recommendation = try OutputDecoder.recommendation(message.value)
            #expect(recommendation.model == "popularity@1")
            #expect(!recommendation.items.isEmpty)
            #expect(recommendation.items.count <= 5)
        }
        // Decisions: one per request, ids derived from the request id.
        let decisions = try harness.readAll(.notificationDecisions, expecting: 20)
        #expect(decisions.count == 20)
        let ids = Set(decisions.compactMap { $0.headers[header: "encore-id"] })
        #expect(ids == Set((0..<20).map { RuleBaseline.decisionID(for: RequestID("request-\($0)")) }))
    }

    @Test func badInputGoesToDeadLettersAndThePartitionKeepsGoing() async throws {
        let harness = try PipelineHarness(partitions: 1)
        let oversize = Array(#"{"user_id":"u","track_id":"t","ts_ms":1,"pad":""#.utf8)
            + Array(repeating: UInt8(ascii: "x"), count: 70_000) + Array(#""}"#.utf8)
        let bad: [(reason: String, value: [UInt8])] = [
            ("invalid_json", Array("{not json".utf8)),
            ("missing_field:track_id", Array(#"{"user_id":"u","ts_ms":1}"#.utf8)),
            ("wrong_type:ts_ms", Array(#"{"user_id":"u","track_id":"t","ts_ms":"soon"}"#.utf8)),
            ("invalid_value:ts_ms", Array(#"{"user_id":"u","track_id":"t","ts_ms":-5}"#.utf8)),
            ("invalid_value:ts_ms", Array(#"{"user_id":"u","track_id":"t","ts_ms":9999999999999999}"#.utf8)),
            ("too_large", oversize),
            ("not_an_object", Array("[1,2,3]".utf8)),
        ]
        var stream: [(key: String, value: [UInt8])] = []
        let good = TestStreams.listens(10)
        for (index, item) in bad.enumerated() {
            stream.append(good[index])
            stream.append(("u", item.value))
        }
        stream.append(contentsOf: good[bad.count...])
        try harness.produce(.listens, stream)

        let definition = TestDefinitions.music()
        let total = stream.count
        let result = try await harness.run(definition) { $0.appliedRecords + $0.deadLetters == total }
        #expect(result.error == nil)
        #expect(result.status.appliedRecords == 10)
        #expect(result.status.deadLetters == bad.count)

        let letters = try harness.readAll(.deadLetters, expecting: bad.count)
        #expect(letters.count == bad.count)
        for (expected, letter) in zip(bad, letters) {
            #expect(letter.headers[header: "encore-error"] == expected.reason)
            #expect(letter.value == expected.value, "original bytes are kept unchanged")
            #expect(letter.headers[header: "encore-source-topic"] == harness.topic(.listens))
            #expect(letter.headers[header: "encore-source-partition"] == "0")
            #expect(letter.headers[header: "encore-error-detail"]?.isEmpty == false)
            let offset = Int(letter.headers[header: "encore-source-offset"] ?? "")
            #expect(offset.map { stream[$0].value == expected.value } == true)
        }
        // The stored log has the same facts, and the partition's offset passed every record.
        let store = try harness.store()
        #expect(try store.deadLetters().map(\.reason) == bad.map(\.reason))
        #expect(try store.nextOffsets(group: definition.consumerGroup)
            == [OffsetRow(topic: harness.topic(.listens), partition: 0, nextOffset: Int64(stream.count))])
    }

    @Test func aRepeatedRequestGetsItsFirstDecisionAgain() async throws {
        let harness = try PipelineHarness(partitions: 1)
        var requests = TestStreams.requests(12, users: 1)
        // The producer retried two requests later on: same ids, later times.
        for index in [2, 5] {
            let original = try EventDecoder.notificationRequest(requests[index].value)
            var retry = original
            retry.timestampMs += 7_200_000
            requests.append((requests[index].key, EventEncoder.encode(retry)))
        }
        try harness.produce(.notificationRequests, requests)
        let definition = TestDefinitions.notifications(maxRecords: 5)
        let result = try await harness.run(definition) { $0.appliedRecords == 14 }
        #expect(result.error == nil)
        #expect(try harness.store().counts().decisions == 12)
        let messages = try harness.readAll(.notificationDecisions, expecting: 14)
        #expect(messages.count == 14)
        var byID: [String: Set<[UInt8]>] = [:]
        for message in messages { byID[message.headers[header: "encore-id"] ?? "", default: []].insert(message.value) }
        #expect(byID.count == 12)
        #expect(byID.values.allSatisfy { $0.count == 1 }, "a repeated request is answered with identical bytes")
    }
}
