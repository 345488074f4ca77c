import EncoreCore
import Testing

@Suite struct EventDecoderTests {
    private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func decodesAFullListen() throws {
        let event = try EventDecoder.listen(bytes(
            #"{"user_id":"u1","track_id":"t9","ts_ms":1767571200000,"event_id":"e1","ms_played":1200,"duration_ms":210000,"skipped":true,"context":{"device":"phone","source":"playlist","extra":[1,2]},"unknown":{"a":[null,true,-1.5e3]}}"#
        ))
        #expect(event.userID == UserID("u1"))
        #expect(event.trackID == TrackID("t9"))
        #expect(event.timestampMs == 1_767_571_200_000)
        #expect(event.eventID == "e1")
        #expect(event.msPlayed == 1200)
        #expect(event.durationMs == 210_000)
        #expect(event.skipped == true)
        #expect(event.context == ListenContext(device: "phone", source: "playlist"))
    }

    @Test func decodesEscapesAndUnicode() throws {
        let event = try EventDecoder.listen(bytes(#" { "user_id" : "a\"b\\c\u00e9\ud83c\udfb5" , "track_id":"Bj\u00f6rk", "ts_ms": 0 } "#))
        #expect(event.userID.rawValue == "a\"b\\cé🎵")
        #expect(event.trackID.rawValue == "Björk")
        #expect(event.timestampMs == 0)
    }

    @Test func nullOptionalsAreAbsent() throws {
        let event = try EventDecoder.listen(bytes(#"{"user_id":"u","track_id":"t","ts_ms":5,"ms_played":null,"context":null}"#))
        #expect(event.msPlayed == nil)
        #expect(event.context == nil)
    }

    @Test(arguments: [
        (#"{"track_id":"t","ts_ms":1}"#, "missing_field:user_id"),
        (#"{"user_id":"u","ts_ms":1}"#, "missing_field:track_id"),
        (#"{"user_id":"u","track_id":"t"}"#, "missing_field:ts_ms"),
        (#"{"user_id":7,"track_id":"t","ts_ms":1}"#, "wrong_type:user_id"),
        (#"{"user_id":"u","track_id":"t","ts_ms":"1"}"#, "wrong_type:ts_ms"),
        (#"{"user_id":"u","track_id":"t","ts_ms":1.5}"#, "wrong_type:ts_ms"),
        (#"{"user_id":"u","track_id":"t","ts_ms":1,"skipped":"yes"}"#, "wrong_type:skipped"),
        (#"{"user_id":"u","track_id":"t","ts_ms":1,"context":"phone"}"#, "wrong_type:context"),
        (#"{"user_id":"u","track_id":"t","ts_ms":-1}"#, "invalid_value:ts_ms"),
        (#"{"user_id":"u","track_id":"t","ts_ms":99999999999999}"#, "invalid_value:ts_ms"),
        (#"{"user_id":"u","track_id":"t","ts_ms":99999999999999999999}"#, "invalid_value:ts_ms"),
        (#"{"user_id":"","track_id":"t","ts_ms":1}"#, "invalid_value:user_id"),
        (#"{"user_id":"u","track_id":"t","ts_ms":1"#, "invalid_json"),
        (#"{"user_id":"u","track_id":"t","ts_ms":01}"#, "invalid_json"),
        (#"{"user_id":"u" "track_id":"t","ts_ms":1}"#, "invalid_json"),
        (#"{"user_id":"u","track_id":"t","ts_ms":1} x"#, "invalid_json"),
        (#"{"user_id":"u\x","track_id":"t","ts_ms":1}"#, "invalid_json"),
        (#"{"user_id":"\ud800","track_id":"t","ts_ms":1}"#, "invalid_json"),
        ("", "invalid_json"),
        ("not json", "invalid_json"),
        (#"[1,2]"#, "not_an_object"),
        (#""text""#, "not_an_object"),
    ])
    func rejectsBadListens(input: String, code: String) {
        #expect(throws: EventRejection.self) { try EventDecoder.listen(bytes(input)) }
        do {
            _ = try EventDecoder.listen(bytes(input))
        } catch {
            #expect(error.code == code, "\(input) → \(error)")
        }
    }

    @Test func rejectsInvalidUTF8() {
        var raw = bytes(#"{"user_id":"u","track_id":"t","ts_ms":1}"#)
        raw[13] = 0xFF
        #expect(throws: EventRejection(.invalidJSON, detail: "string is not UTF-8")) { try EventDecoder.listen(raw) }
    }

    @Test func rejectsOversizeMessagesUnread() {
        let padding = String(repeating: "x", count: EventDecoder.maximumMessageBytes)
        let input = bytes(#"{"user_id":"u","track_id":"t","ts_ms":1,"pad":""# + padding + #""}"#)
        do {
            _ = try EventDecoder.listen(input)
            Issue.record("an oversize message was accepted")
        } catch {
            #expect(error.code == "too_large")
        }
    }

    @Test func rejectsHostileNesting() {
        let input = #"{"user_id":"u","track_id":"t","ts_ms":1,"x":"# + String(repeating: "[", count: 10_000)
        do {
            _ = try EventDecoder.listen(bytes(input))
            Issue.record("deep nesting was accepted")
        } catch {
            #expect(error.code == "invalid_json")
        }
    }

    @Test func decodesNotificationEventsAndRejectsUnknownActions() throws {
        let event = try EventDecoder.notificationEvent(bytes(
            #"{"user_id":"u","notification_id":"n","action":"opened","ts_ms":10,"kind":"new_release"}"#
        ))
        #expect(event.action == .opened)
        #expect(event.kind == "new_release")
        do {
            _ = try EventDecoder.notificationEvent(bytes(#"{"user_id":"u","notification_id":"n","action":"clicked","ts_ms":10}"#))
            Issue.record("unknown action accepted")
        } catch {
            #expect(error.code == "invalid_value:action")
        }
    }

    @Test func decodesRequestsAndTracks() throws {
        let request = try EventDecoder.notificationRequest(bytes(
            #"{"request_id":"r","user_id":"u","notification_id":"n","ts_ms":10,"expires_ts_ms":20,"priority":2}"#
        ))
        #expect(request.expiresMs == 20)
        #expect(request.priority == 2)
        let track = try EventDecoder.trackMetadata(bytes(#"{"track_id":"t","title":"Song","genres":["rock","pop"],"duration_ms":1}"#))
        #expect(track.genres == ["rock", "pop"])
        #expect(track.title == "Song")
        do {
            _ = try EventDecoder.trackMetadata(bytes(#"{"track_id":"t","genres":["rock",1]}"#))
            Issue.record("a non-string genre was accepted")
        } catch {
            #expect(error.code == "wrong_type:genres")
        }
    }
}

@Suite struct EventEncodingTests {
    @Test func everyInputRoundTrips() throws {
        let listen = ListenEvent(
            userID: UserID("ü\"1"), trackID: TrackID("t\n2"), timestampMs: 1_700_000_000_123, eventID: "e",
            msPlayed: 5, durationMs: 6, skipped: false, context: ListenContext(device: "tv", source: nil)
        )
        #expect(try EventDecoder.listen(EventEncoder.encode(listen)) == listen)
        let minimal = ListenEvent(userID: UserID("u"), trackID: TrackID("t"), timestampMs: 0)
        #expect(try EventDecoder.listen(EventEncoder.encode(minimal)) == minimal)
        let event = NotificationEvent(
            userID: UserID("u"), notificationID: NotificationID("n"), action: .dismissed, timestampMs: 3, eventID: "x"
        )
        #expect(try EventDecoder.notificationEvent(EventEncoder.encode(event)) == event)
        let request = NotificationRequest(
            requestID: RequestID("r"), userID: UserID("u"), notificationID: NotificationID("n"), timestampMs: 4,
            kind: "k", expiresMs: 9, priority: -1
        )
        #expect(try EventDecoder.notificationRequest(EventEncoder.encode(request)) == request)
        let track = TrackMetadata(trackID: TrackID("t"), title: "A", artist: "B", album: "C", genres: ["g"], durationMs: 7)
        #expect(try EventDecoder.trackMetadata(EventEncoder.encode(track)) == track)
    }

    @Test func outputsHaveTheContractFields() {
        let decision = NotificationDecision(
            decisionID: "d", requestID: RequestID("r"), userID: UserID("u"), notificationID: NotificationID("n"),
            action: .delay, sendAtMs: 100, pOpen: 0.25, model: "rules@1", reason: "quiet hours"
        )
        #expect(String(decoding: EventEncoder.encode(decision), as: UTF8.self)
            == #"{"decision_id":"d","request_id":"r","user_id":"u","notification_id":"n","action":"delay","send_at_ms":100,"p_open":0.25,"model":"rules@1","reason":"quiet hours"}"#)
        let recommendation = Recommendation(
            userID: UserID("u"), timestampMs: 1, model: "popularity@1",
            items: [ScoredTrack(trackID: TrackID("t"), score: 0.5), ScoredTrack(trackID: TrackID("s"), score: 2)],
            reason: "r"
        )
        #expect(String(decoding: EventEncoder.encode(recommendation), as: UTF8.self)
            == #"{"user_id":"u","ts_ms":1,"model":"popularity@1","items":[{"track_id":"t","score":0.5},{"track_id":"s","score":2}],"reason":"r"}"#)
    }
}

@Suite struct NumberFormattingTests {
    @Test(arguments: [
        (0.5, "0.5"), (2.0, "2"), (-3.25, "-3.25"), (0.1234567, "0.123457"), (1234.000001, "1234.000001"),
        (0.001, "0.001"), (1e-5, "1e-05"), (-0.0, "0"), (Double.nan, "null"), (Double.infinity, "null"),
    ])
    func numbersAreCompactAndRoundTrip(value: Double, expected: String) throws {
        var writer = JSONWriter()
        writer.beginObject()
        writer.number("x", value)
        writer.endObject()
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"{"x":"# + expected + "}")
    }

    @Test func floatScoresSurviveTheRoundTrip() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let score = Float.random(in: -50...50, using: &generator)
            let recommendation = Recommendation(
                userID: UserID("u"), timestampMs: 1, model: "m", items: [ScoredTrack(trackID: TrackID("t"), score: score)],
                reason: "r"
            )
            let decoded = try OutputDecoder.recommendation(EventEncoder.encode(recommendation))
            #expect(abs(decoded.items[0].score - score) <= 5e-7 + abs(score) * 1e-6)
        }
    }
}

@Suite struct StableHashTests {
    /// Golden values: FNV-1a 64 of the published test vectors, and of Encore's joined fields.
    @Test func matchesPublishedFNV1aVectors() {
        #expect(StableHash.of("") == 0xcbf2_9ce4_8422_2325)
        #expect(StableHash.of("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(StableHash.of("foobar") == 0x8594_4171_f739_67e8)
    }

    @Test func separatesFields() {
        #expect(StableHash.of("ab", "c") != StableHash.of("a", "bc"))
        #expect(StableHash.hex("a").count == 16)
        #expect(StableHash.hex("a") == "af63dc4c8601ec8c")
    }
}
