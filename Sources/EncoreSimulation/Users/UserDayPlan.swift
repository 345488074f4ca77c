import EncoreCore

/// What one user plans to do on one simulated day, drawn from its own random streams so that
/// the ground truth can regenerate it at any time without replaying the simulation.
///
/// Session starts are a Poisson process per UTC hour whose rate follows the user's local rhythm:
/// ```
/// λ_h = sessionsPerDay(weekend) · rhythm(h_local) / Σ rhythm
/// ```
/// Notification requests arrive uniformly over the day, `min(cap, Poisson(mean))` of them.
struct UserDayPlan {
    /// A planned notification request.
    struct PlannedRequest {
        var timestampMs: Int64
        var kind: String
        var expiresMs: Int64
        var priority: Int64
        var ordinal: Int
    }

    static let requestKinds = ["new_release", "playlist", "reminder"]

    /// The start of day `day` of the run.
    static func dayStartMs(_ day: Int, configuration: SimulationConfiguration) -> Int64 {
        configuration.startMs + Int64(day) * SimulationConfiguration.dayMs
    }

    /// Planned session starts of `profile` on `day`, ascending.
    static func sessionStarts(
        profile: UserProfile, day: Int, configuration: SimulationConfiguration
    ) -> [Int64] {
        var generator = SeededGenerator(
            seed: configuration.seed, stream: SimulationStream.sessionSchedule, UInt64(profile.index),
            UInt64(bitPattern: Int64(day))
        )
        let weekdaySum = profile.weekdayRhythm.reduce(0, +)
        let weekendSum = profile.weekendRhythm.reduce(0, +)
        let dayStart = dayStartMs(day, configuration: configuration)
        var starts: [Int64] = []
        for hour in 0..<24 {
            let hourStart = dayStart + Int64(hour) * 3_600_000
            let weekend = profile.isWeekend(atMs: hourStart)
            let perDay = weekend ? profile.sessionsPerWeekendDay : profile.sessionsPerWeekday
            let rate = perDay * profile.activity(atMs: hourStart) / (weekend ? weekendSum : weekdaySum)
            let count = generator.nextPoisson(mean: rate)
            for _ in 0..<count { starts.append(hourStart + Int64(generator.nextInt(below: 3_600_000))) }
        }
        starts.sort()
        return starts
    }

    /// Planned notification requests of `profile` on `day`, ascending by time.
    static func requests(profile: UserProfile, day: Int, configuration: SimulationConfiguration) -> [PlannedRequest] {
        var generator = SeededGenerator(
            seed: configuration.seed, stream: SimulationStream.notificationSchedule, UInt64(profile.index),
            UInt64(bitPattern: Int64(day))
        )
        let count = min(
            configuration.maximumRequestsPerUserPerDay,
            generator.nextPoisson(mean: configuration.notificationRequestsPerUserPerDay)
        )
        let dayStart = dayStartMs(day, configuration: configuration)
        var requests: [PlannedRequest] = []
        for ordinal in 0..<count {
            let timestamp = dayStart + Int64(generator.nextInt(below: Int(SimulationConfiguration.dayMs)))
            let kind = requestKinds[generator.nextInt(below: requestKinds.count)]
            // Expiry: 3–24 h after the request (reminders are short-lived).
            let lifetimeHours = kind == "reminder" ? generator.nextDouble(in: 3, 6) : generator.nextDouble(in: 6, 24)
            let expires = timestamp + Int64(lifetimeHours * 3_600_000)
            let priority = Int64(generator.nextInt(below: 3))
            requests.append(
                PlannedRequest(
                    timestampMs: timestamp, kind: kind, expiresMs: expires, priority: priority, ordinal: ordinal)
            )
        }
        requests.sort { ($0.timestampMs, $0.ordinal) < ($1.timestampMs, $1.ordinal) }
        return requests
    }
}
