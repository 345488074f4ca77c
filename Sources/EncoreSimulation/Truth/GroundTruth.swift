import EncoreCore

/// The planted truth behind a simulated run, for evaluating models and policies against it.
///
/// Everything here is a pure function of the configuration (seed included) and the arguments:
/// it never depends on what the event stream has emitted so far, so it can score decisions of
/// any policy, for example a send time that the simulator's own send-immediately sender never
/// used.
public final class GroundTruth: Sendable {
    /// The configuration the run was generated from.
    public let configuration: SimulationConfiguration
    /// The catalogue with its latent vectors and popularity.
    public let catalogue: SimulatedCatalogue
    /// Every user's hidden profile, indexed by user index.
    public let users: [UserProfile]
    private let indexByUserID: [UserID: Int]

    init(configuration: SimulationConfiguration, catalogue: SimulatedCatalogue, users: [UserProfile]) {
        self.configuration = configuration
        self.catalogue = catalogue
        self.users = users
        var indexByUserID: [UserID: Int] = [:]
        indexByUserID.reserveCapacity(users.count)
        for user in users { indexByUserID[user.userID] = user.index }
        self.indexByUserID = indexByUserID
    }

    /// The planted open model.
    public var openModel: OpenProbabilityModel { configuration.openModel }

    /// The planted listening behaviour.
    public var listening: ListeningBehaviour { configuration.listening }

    /// The index of a simulated user, `nil` for an unknown id.
    public func userIndex(of userID: UserID) -> Int? { indexByUserID[userID] }

    /// The hidden profile of a simulated user, `nil` for an unknown id.
    public func profile(of userID: UserID) -> UserProfile? { indexByUserID[userID].map { users[$0] } }

    // MARK: Notifications

    /// The true probability that `user` opens a notification sent at `atMs`.
    ///
    /// Evaluates ``OpenProbabilityModel/probability(baseOpenRate:activity:hoursSinceLastSession:sendsLastDay:sendsLastWeek:)``
    /// with the user's rhythm at `atMs`, the last planned session start at or before `atMs`
    /// (``lastSessionStartMs(userIndex:atOrBeforeMs:)``) and the sends among `recentSendTimesMs`
    /// that lie in `[atMs − 24 h, atMs)` and `[atMs − 7 d, atMs)`; other times are ignored, so the
    /// caller may pass the user's whole send history.
    ///
    /// - Parameters:
    ///   - user: A simulated user.
    ///   - atMs: The send time.
    ///   - recentSendTimesMs: Times of the user's earlier sends (under the policy being scored).
    /// - Returns: p(open) in (0, 1).
    /// - Precondition: `user` is one of the simulated users.
    public func openProbability(user: UserID, atMs: Int64, recentSendTimesMs: [Int64]) -> Double {
        guard let index = indexByUserID[user] else { preconditionFailure("unknown simulated user \(user)") }
        return openProbability(userIndex: index, atMs: atMs, recentSendTimesMs: recentSendTimesMs)
    }

    /// ``openProbability(user:atMs:recentSendTimesMs:)`` by user index.
    public func openProbability(userIndex: Int, atMs: Int64, recentSendTimesMs: [Int64]) -> Double {
        let profile = users[userIndex]
        var lastDay = 0
        var lastWeek = 0
        for send in recentSendTimesMs where send < atMs {
            let age = atMs - send
            if age <= 7 * SimulationConfiguration.dayMs { lastWeek += 1 }
            if age <= SimulationConfiguration.dayMs { lastDay += 1 }
        }
        let hours = lastSessionStartMs(userIndex: userIndex, atOrBeforeMs: atMs).map {
            Double(atMs - $0) / 3_600_000
        }
        return openModel.probability(
            baseOpenRate: profile.baseOpenRate, activity: profile.activity(atMs: atMs), hoursSinceLastSession: hours,
            sendsLastDay: lastDay, sendsLastWeek: lastWeek
        )
    }

    /// The latest planned session start of the user at or before `atOrBeforeMs`, searching back
    /// ``OpenProbabilityModel/recencyLookbackDays`` days (and never before the run's start).
    ///
    /// A planned start is a moment the user is listening: if it falls inside a still running
    /// session, that session simply continues.
    public func lastSessionStartMs(userIndex: Int, atOrBeforeMs: Int64) -> Int64? {
        let dayMs = SimulationConfiguration.dayMs
        guard atOrBeforeMs >= configuration.startMs else { return nil }
        let day = Int((atOrBeforeMs - configuration.startMs) / dayMs)
        let earliest = max(0, day - openModel.recencyLookbackDays)
        let lookbackStart = atOrBeforeMs - Int64(openModel.recencyLookbackDays) * dayMs
        var candidateDay = day
        while candidateDay >= earliest {
            let starts = sessionStartsMs(userIndex: userIndex, day: candidateDay)
            if let last = starts.last(where: { $0 <= atOrBeforeMs }) { return last >= lookbackStart ? last : nil }
            candidateDay -= 1
        }
        return nil
    }

    /// The planned session starts of the user on run day `day` (0-based), ascending.
    public func sessionStartsMs(userIndex: Int, day: Int) -> [Int64] {
        guard day >= 0 else { return [] }
        return UserDayPlan.sessionStarts(profile: users[userIndex], day: day, configuration: configuration)
    }

    // MARK: Music

    /// The user's taste affinity for a track at a time: ⟨taste_u(t), v_track⟩ ∈ [−1, 1].
    ///
    /// - Precondition: `user` and `track` belong to the simulation.
    public func relevance(user: UserID, track: TrackID, atMs: Int64) -> Double {
        guard let userIndex = indexByUserID[user] else { preconditionFailure("unknown simulated user \(user)") }
        guard let trackIndex = catalogue.index(of: track) else {
            preconditionFailure("unknown simulated track \(track)")
        }
        return relevance(userIndex: userIndex, trackIndex: trackIndex, atMs: atMs)
    }

    /// ``relevance(user:track:atMs:)`` by indices.
    public func relevance(userIndex: Int, trackIndex: Int, atMs: Int64) -> Double {
        let taste = users[userIndex].taste(atMs: atMs)
        return relevance(taste: taste, trackIndex: trackIndex)
    }

    /// ⟨taste, v_track⟩ for an already computed taste vector (cheap for many tracks at once).
    public func relevance(taste: [Float], trackIndex: Int) -> Double {
        let dimension = catalogue.embeddingDimension
        return taste.withUnsafeBufferPointer { tastePointer in
            catalogue.trackVectors.withUnsafeBufferPointer { vectors in
                SimulationMath.dot(
                    tastePointer,
                    UnsafeBufferPointer(rebasing: vectors[trackIndex * dimension..<(trackIndex + 1) * dimension])
                )
            }
        }
    }

    /// The user's unit taste vector at `atMs` (`nil` for an unknown user).
    public func tasteVector(user: UserID, atMs: Int64) -> [Float]? {
        profile(of: user)?.taste(atMs: atMs)
    }

    /// The latent vector of a track (`nil` for an unknown track).
    public func trackVector(_ track: TrackID) -> [Float]? {
        catalogue.index(of: track).map { catalogue.vector(ofTrack: $0) }
    }

    /// The skip probability the simulator uses for a track of relevance `relevance`.
    public func skipProbability(relevance: Double) -> Double { listening.skipProbability(relevance: relevance) }
}
