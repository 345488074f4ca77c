import EncoreCore

/// The events of one simulated run, in order: every track's metadata first, then listens,
/// notification requests and notification events in nondecreasing time.
///
/// Days are generated lazily, one at a time, for all users: the events of day d are sorted by
/// (time, generation order) and those before the start of day d + 1 are released; the rest (a
/// session or an open running past midnight) are carried into the next day's sort. No event of
/// day d + 1 can precede the start of day d + 1, so the merged order is global. Memory is about
/// one day of events.
///
/// Behaviour per user and day (each from its own seeded stream, see ``SeededGenerator``):
/// - **Sessions** start at the planned times (``GroundTruth/sessionStartsMs(userIndex:day:)``); a
///   planned start inside a running session is absorbed by it. A session plays a geometric number
///   of tracks; each next track is a softmax pick from a candidate pool
///   (``ListeningBehaviour``); it is skipped (3–30 s played, `skipped = true`) with
///   ``ListeningBehaviour/skipProbability(relevance:)``, otherwise played to the end or to
///   50–100 %. The next listen starts when the previous one stopped, plus 0–3 s. A session uses
///   the taste at its start for choices and skips (drift within a session is about 0.1° per hour,
///   so ``GroundTruth/relevance(user:track:atMs:)`` at the listen time agrees to ~1e-3).
/// - **Notifications**: each planned request is emitted, then sent at once (the legacy
///   send-immediately sender), then opened (exponential delay, under 2 h) with the ground-truth
///   probability given the earlier sends, or dismissed.
public struct SimulatedEventStream: Sequence, IteratorProtocol, Sendable {
    private struct UserState {
        var busyUntilMs: Int64 = .min
        var listenCount = 0
        var sendTimesMs: [Int64] = []
    }

    private let truth: GroundTruth
    private let configuration: SimulationConfiguration
    private let seedText: String
    private var nextTrackIndex = 0
    private var nextDay = 0
    private var ready: [SimulatedEvent] = []
    private var readyPosition = 0
    /// Events generated but not yet released (they lie beyond the last released day), in order.
    private var carried: [SimulatedEvent] = []
    private var userStates: [UserState]
    private var candidates: [Int] = []
    private var weights: [Double] = []

    init(groundTruth: GroundTruth) {
        truth = groundTruth
        configuration = groundTruth.configuration
        seedText = String(groundTruth.configuration.seed)
        userStates = Array(repeating: UserState(), count: groundTruth.users.count)
    }

    /// The next event, or `nil` after the last one.
    public mutating func next() -> SimulatedEvent? {
        if nextTrackIndex < truth.catalogue.count {
            defer { nextTrackIndex += 1 }
            return .track(truth.catalogue.tracks[nextTrackIndex], timestampMs: configuration.startMs)
        }
        while readyPosition >= ready.count {
            guard nextDay < configuration.days || !carried.isEmpty else { return nil }
            advanceDay()
        }
        defer { readyPosition += 1 }
        return ready[readyPosition]
    }

    // MARK: Day by day

    private mutating func advanceDay() {
        var pending = carried
        carried = []
        let boundary: Int64
        if nextDay < configuration.days {
            for user in truth.users.indices {
                generateListening(user: user, day: nextDay, into: &pending)
                generateNotifications(user: user, day: nextDay, into: &pending)
            }
            nextDay += 1
            boundary =
                nextDay < configuration.days ? UserDayPlan.dayStartMs(nextDay, configuration: configuration) : .max
        } else {
            boundary = .max
        }
        // Sort (time, generation order) keys rather than the events themselves: keys are 16 bytes,
        // events are large and reference counted. Carried events come first and are already in
        // order, and new events are appended in generation order, so the position is the tie-break.
        var keys = pending.indices.map { (timestampMs: pending[$0].timestampMs, position: Int32($0)) }
        keys.sort { ($0.timestampMs, $0.position) < ($1.timestampMs, $1.position) }
        let split = keys.partitioningIndex { $0.timestampMs >= boundary }
        ready = keys[..<split].map { pending[Int($0.position)] }
        carried = keys[split...].map { pending[Int($0.position)] }
        readyPosition = 0
    }

    // MARK: Listening

    private mutating func generateListening(user: Int, day: Int, into pending: inout [SimulatedEvent]) {
        let profile = truth.users[user]
        let behaviour = configuration.listening
        let catalogue = truth.catalogue
        var generator = SeededGenerator(
            seed: configuration.seed, stream: SimulationStream.listening, UInt64(user), UInt64(day)
        )
        var state = userStates[user]
        for start in truth.sessionStartsMs(userIndex: user, day: day) where start >= state.busyUntilMs {
            let taste = profile.taste(atMs: start)
            let trackCount = generator.nextGeometric(mean: behaviour.meanTracksPerSession)
            let device =
                generator.nextBool(probability: behaviour.preferredDeviceProbability)
                ? profile.preferredDevice
                : UserProfile.devices[generator.nextInt(below: UserProfile.devices.count)]
            let source =
                generator.nextBool(probability: behaviour.preferredSourceProbability)
                ? profile.preferredSource
                : UserProfile.sources[generator.nextInt(below: UserProfile.sources.count)]
            let context = ListenContext(device: device, source: source)
            var time = start
            var previous = -1
            for _ in 0..<trackCount {
                let track = chooseTrack(profile: profile, taste: taste, previous: previous, using: &generator)
                let relevance = truth.relevance(taste: taste, trackIndex: track)
                let skipped = generator.nextBool(probability: behaviour.skipProbability(relevance: relevance))
                let metadata = catalogue.tracks[track]
                let durationMs = metadata.durationMs ?? 180_000
                let msPlayed: Int64
                if skipped {
                    msPlayed = 3_000 + Int64(generator.nextInt(below: 27_000))
                } else if generator.nextBool(probability: behaviour.fullPlayProbability) {
                    msPlayed = durationMs
                } else {
                    msPlayed = Int64(Double(durationMs) * generator.nextDouble(in: 0.5, 1.0))
                }
                let eventID = StableHash.hex("listen", seedText, profile.userID.rawValue, String(state.listenCount))
                state.listenCount += 1
                let listen = ListenEvent(
                    userID: profile.userID, trackID: metadata.trackID, timestampMs: time, eventID: eventID,
                    msPlayed: msPlayed, durationMs: durationMs, skipped: skipped, context: context
                )
                pending.append(.listen(listen))
                time += msPlayed + Int64(generator.nextInt(below: 3_000))
                previous = track
            }
            state.busyUntilMs = time
        }
        userStates[user] = state
    }

    /// A softmax pick over a candidate pool (see ``ListeningBehaviour``).
    private mutating func chooseTrack(
        profile: UserProfile, taste: [Float], previous: Int, using generator: inout SeededGenerator
    ) -> Int {
        let behaviour = configuration.listening
        let catalogue = truth.catalogue
        candidates.removeAll(keepingCapacity: true)
        weights.removeAll(keepingCapacity: true)
        let artistShare = previous >= 0 ? behaviour.artistCandidateShare : 0
        for _ in 0..<behaviour.candidatePoolSize {
            let draw = generator.nextUnit()
            var candidate = -1
            if draw < behaviour.genreCandidateShare {
                var genrePick = generator.nextUnit()
                var genre = profile.tasteGenres[0]
                for (index, weight) in profile.tasteGenreWeights.enumerated() {
                    genre = profile.tasteGenres[index]
                    if genrePick < weight { break }
                    genrePick -= weight
                }
                let pool = catalogue.genreTracks[genre]
                if !pool.isEmpty { candidate = Int(pool[generator.nextInt(below: pool.count)]) }
            } else if draw < behaviour.genreCandidateShare + artistShare {
                let pool = catalogue.artistTracks[Int(catalogue.trackArtist[previous])]
                candidate = Int(pool[generator.nextInt(below: pool.count)])
            }
            if candidate < 0 { candidate = catalogue.samplePopular(using: &generator) }
            candidates.append(candidate)
        }
        let dimension = catalogue.embeddingDimension
        let tasteWeight = Float(behaviour.tasteWeight)
        let similarityWeight = Float(behaviour.previousTrackSimilarityWeight)
        var best = -Double.infinity
        catalogue.trackVectors.withUnsafeBufferPointer { vectors in
            taste.withUnsafeBufferPointer { taste in
                let previousVector = previous >= 0 ? vectors.baseAddress! + previous * dimension : nil
                for candidate in candidates {
                    let vector = vectors.baseAddress! + candidate * dimension
                    // One pass for ⟨taste, v⟩ and ⟨v_prev, v⟩ (Float, vectorisable).
                    var affinity: Float = 0
                    var similarity: Float = 0
                    if let previousVector {
                        for index in 0..<dimension {
                            affinity += taste[index] * vector[index]
                            similarity += previousVector[index] * vector[index]
                        }
                    } else {
                        for index in 0..<dimension { affinity += taste[index] * vector[index] }
                    }
                    var score = Double(tasteWeight * affinity + similarityWeight * similarity)
                    score += behaviour.popularityWeight * catalogue.logRelativePopularity[candidate]
                    if previous >= 0, catalogue.trackArtist[candidate] == catalogue.trackArtist[previous] {
                        score += behaviour.sameArtistWeight
                    }
                    weights.append(score)
                    best = Swift.max(best, score)
                }
            }
        }
        var total = 0.0
        for index in weights.indices {
            weights[index] = SimulationMath.exp(weights[index] - best)
            total += weights[index]
        }
        var target = generator.nextUnit() * total
        for index in weights.indices {
            target -= weights[index]
            if target < 0 { return candidates[index] }
        }
        return candidates[candidates.count - 1]
    }

    // MARK: Notifications

    private mutating func generateNotifications(user: Int, day: Int, into pending: inout [SimulatedEvent]) {
        let profile = truth.users[user]
        let model = configuration.openModel
        var generator = SeededGenerator(
            seed: configuration.seed, stream: SimulationStream.notificationOutcome, UInt64(user), UInt64(day)
        )
        var sendTimes = userStates[user].sendTimesMs
        for planned in UserDayPlan.requests(profile: profile, day: day, configuration: configuration) {
            let time = planned.timestampMs
            sendTimes.removeAll { $0 < time - 7 * SimulationConfiguration.dayMs }
            let probability = truth.openProbability(userIndex: user, atMs: time, recentSendTimesMs: sendTimes)
            let userText = profile.userID.rawValue
            let dayText = String(day)
            let ordinalText = String(planned.ordinal)
            let requestID = RequestID("req-" + StableHash.hex("request", seedText, userText, dayText, ordinalText))
            let notificationID = NotificationID(
                "ntf-" + StableHash.hex("notification", seedText, userText, dayText, ordinalText)
            )
            let request = NotificationRequest(
                requestID: requestID, userID: profile.userID, notificationID: notificationID, timestampMs: time,
                kind: planned.kind, expiresMs: planned.expiresMs, priority: planned.priority
            )
            pending.append(.request(request))
            pending.append(.notification(notificationEvent(request, .sent, at: time)))
            if generator.nextBool(probability: probability) {
                let minutes = Swift.min(generator.nextExponential(mean: model.meanOpenDelayMinutes), 110)
                let delay = Swift.max(5_000, Int64(minutes * 60_000))
                pending.append(.notification(notificationEvent(request, .opened, at: time + delay)))
            } else {
                let minutes = Swift.min(generator.nextExponential(mean: model.meanDismissDelayMinutes), 720)
                let delay = Swift.max(5_000, Int64(minutes * 60_000))
                pending.append(.notification(notificationEvent(request, .dismissed, at: time + delay)))
            }
            sendTimes.append(time)
        }
        userStates[user].sendTimesMs = sendTimes
    }

    private func notificationEvent(
        _ request: NotificationRequest, _ action: NotificationAction, at timestampMs: Int64
    ) -> NotificationEvent {
        NotificationEvent(
            userID: request.userID, notificationID: request.notificationID, action: action, timestampMs: timestampMs,
            eventID: StableHash.hex(request.notificationID.rawValue, action.rawValue), kind: request.kind
        )
    }
}

extension Collection {
    /// The first index whose element satisfies `predicate`, for a predicate that is false then
    /// true along the collection (binary search).
    fileprivate func partitioningIndex(where predicate: (Element) -> Bool) -> Index {
        var low = startIndex
        var count = self.count
        while count > 0 {
            let half = count / 2
            let middle = index(low, offsetBy: half)
            if predicate(self[middle]) {
                count = half
            } else {
                low = index(after: middle)
                count -= half + 1
            }
        }
        return low
    }
}
