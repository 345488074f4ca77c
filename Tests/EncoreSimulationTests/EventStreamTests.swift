import EncoreCore
import Testing

@testable import EncoreSimulation

@Suite struct EventStreamTests {
    static let small = SimulationConfiguration(users: 40, tracks: 400, artists: 40, days: 3, seed: 11)

    private func encodedStream(_ configuration: SimulationConfiguration) throws -> [[UInt8]] {
        try MusicSimulator(configuration: configuration).makeEventStream().map { $0.encoded() }
    }

    @Test func sameSeedGivesIdenticalBytes() throws {
        let first = try encodedStream(Self.small)
        let second = try encodedStream(Self.small)
        #expect(first.count > 1000)
        #expect(first == second)
    }

    @Test func aNewStreamOfTheSameSimulatorRepeats() throws {
        let simulator = try MusicSimulator(configuration: Self.small)
        let first = simulator.makeEventStream().map { $0.encoded() }
        let second = simulator.makeEventStream().map { $0.encoded() }
        #expect(first == second)
    }

    @Test func differentSeedGivesDifferentEvents() throws {
        var other = Self.small
        other.seed = 12
        let first = try encodedStream(Self.small)
        let second = try encodedStream(other)
        #expect(first != second)
        // Not only ids: the listening itself differs.
        let firstListens = try MusicSimulator(configuration: Self.small).makeEventStream().compactMap { event in
            if case .listen(let listen) = event { listen.trackID } else { nil }
        }
        let secondListens = try MusicSimulator(configuration: other).makeEventStream().compactMap { event in
            if case .listen(let listen) = event { listen.trackID } else { nil }
        }
        #expect(firstListens != secondListens)
    }

    @Test func catalogueComesFirstThenTimeOrder() throws {
        let run = try SimulationFixture.run.get()
        let trackCount = SimulationFixture.configuration.tracks
        #expect(run.events.prefix(trackCount).allSatisfy { $0.topic == .tracks })
        #expect(run.events.dropFirst(trackCount).allSatisfy { $0.topic != .tracks })
        var previous = Int64.min
        var ordered = true
        for event in run.events.dropFirst(trackCount) {
            if event.timestampMs < previous { ordered = false }
            previous = event.timestampMs
        }
        #expect(ordered)
        let catalogue = run.events.prefix(trackCount).compactMap { event in
            if case .track(let track, _) = event { track } else { nil }
        }
        #expect(catalogue == run.simulator.catalogue)
        // Every activity starts inside the simulated period (opens and sessions may run past it).
        let start = SimulationFixture.configuration.startMs
        let end = SimulationFixture.configuration.endMs
        for event in run.events.dropFirst(trackCount) {
            if case .request(let request) = event { #expect(request.timestampMs >= start && request.timestampMs < end) }
        }
        #expect(run.events.dropFirst(trackCount).allSatisfy { $0.timestampMs >= start })
    }

    @Test func everyEventRoundTripsThroughTheDecoder() throws {
        let run = try SimulationFixture.run.get()
        var checked = 0
        for event in run.events {
            let bytes = event.encoded()
            var writer = JSONWriter()
            event.write(to: &writer)
            #expect(writer.bytes == bytes)
            switch event {
            case .listen(let listen):
                #expect(try EventDecoder.listen(bytes) == listen)
                #expect(event.key == listen.userID.rawValue)
            case .notification(let notification):
                #expect(try EventDecoder.notificationEvent(bytes) == notification)
            case .request(let request):
                #expect(try EventDecoder.notificationRequest(bytes) == request)
            case .track(let track, _):
                #expect(try EventDecoder.trackMetadata(bytes) == track)
                #expect(event.userID == nil)
            }
            checked += 1
        }
        #expect(checked == run.events.count)
    }

    @Test func eventIdsAreUnique() throws {
        let run = try SimulationFixture.run.get()
        var ids = Set<String>()
        var count = 0
        for event in run.events {
            let id: String? =
                switch event {
                case .listen(let listen): listen.eventID
                case .notification(let notification): notification.eventID
                case .request(let request): request.requestID.rawValue
                case .track: nil
                }
            if let id {
                ids.insert(id)
                count += 1
            }
        }
        #expect(ids.count == count)
    }

    @Test func notificationLifecycleIsComplete() throws {
        let run = try SimulationFixture.run.get()
        var requests: [NotificationID: NotificationRequest] = [:]
        var actions: [NotificationID: [NotificationEvent]] = [:]
        var requestsPerUserDay: [String: Int] = [:]
        let configuration = SimulationFixture.configuration
        for event in run.events {
            switch event {
            case .request(let request):
                requests[request.notificationID] = request
                let day = (request.timestampMs - configuration.startMs) / SimulationConfiguration.dayMs
                requestsPerUserDay["\(request.userID)/\(day)", default: 0] += 1
                #expect((request.expiresMs ?? 0) > request.timestampMs)
                #expect(["new_release", "playlist", "reminder"].contains(request.kind ?? ""))
            case .notification(let notification):
                // The request always precedes its feedback in the stream.
                #expect(requests[notification.notificationID] != nil)
                actions[notification.notificationID, default: []].append(notification)
            default:
                break
            }
        }
        #expect(requests.count > 1000)
        #expect(requestsPerUserDay.values.allSatisfy { $0 <= configuration.maximumRequestsPerUserPerDay })
        for (id, request) in requests {
            let feedback = try #require(actions[id])
            #expect(feedback.count == 2)
            #expect(feedback.first?.action == .sent && feedback.first?.timestampMs == request.timestampMs)
            let outcome = try #require(feedback.last)
            #expect(outcome.action == .opened || outcome.action == .dismissed)
            #expect(outcome.timestampMs > request.timestampMs)
            if outcome.action == .opened { #expect(outcome.timestampMs - request.timestampMs < 2 * 3_600_000) }
        }
    }

    @Test func listensAreConsistentPlays() throws {
        let run = try SimulationFixture.run.get()
        var endByUser: [UserID: Int64] = [:]
        var overlaps = 0
        for listen in run.listens {
            let duration = try #require(listen.durationMs)
            let played = try #require(listen.msPlayed)
            #expect(duration >= 120_000 && duration <= 420_000)
            if listen.skipped == true {
                #expect(played < 30_000)
                #expect(listen.isSkip)
            } else {
                #expect(played >= duration / 2 && played <= duration)
            }
            #expect(listen.context?.device != nil && listen.context?.source != nil)
            if let end = endByUser[listen.userID], listen.timestampMs < end { overlaps += 1 }
            endByUser[listen.userID] = listen.timestampMs + played
        }
        #expect(overlaps == 0)
        #expect(run.listens.count > 20_000)
    }

    @Test func streamingKeepsOnlyAboutADay() throws {
        // A lazily consumed stream yields its first listen before later days exist: taking a
        // prefix of a long run must be cheap and equal to the prefix of the full run.
        var long = Self.small
        long.days = 60
        let prefix = Array(try MusicSimulator(configuration: long).makeEventStream().prefix(1_500))
        let reference = Array(try MusicSimulator(configuration: Self.small).makeEventStream().prefix(1_500))
        #expect(prefix.map { $0.encoded() } == reference.map { $0.encoded() })
    }
}
