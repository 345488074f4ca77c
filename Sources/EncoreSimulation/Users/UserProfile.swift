import EncoreCore

/// The hidden profile of one simulated user: everything the generator knows and a model must
/// infer.
///
/// Times are converted to the user's local time with a fixed whole-hour UTC offset (no daylight
/// saving). The daily rhythm is a 24-bin weight per local hour, normalised so that its peak is 1,
/// separately for weekdays and weekends (Saturday, Sunday local). An hour is **active** when its
/// weight is at least ``activeThreshold``.
///
/// Taste rotates at a constant angular speed in the plane of ``initialTaste`` and
/// ``driftDirection`` (orthonormal):
/// ```
/// θ(t) = driftRadiansPerDay · (t − driftOriginMs) / 1 day
/// taste(t) = cos θ(t) · initialTaste + sin θ(t) · driftDirection      (unit length)
/// ```
public struct UserProfile: Sendable {
    /// The user's external id (`user-` + index zero-padded to 6 digits).
    public let userID: UserID
    /// The user's index in ``GroundTruth/users``.
    public let index: Int
    /// Offset of local time from UTC, in whole hours.
    public let utcOffsetHours: Int
    /// Session propensity per local hour on weekdays, peak 1.
    public let weekdayRhythm: [Double]
    /// Session propensity per local hour on weekends, peak 1.
    public let weekendRhythm: [Double]
    /// Expected sessions on a weekday.
    public let sessionsPerWeekday: Double
    /// Expected sessions on a weekend day.
    public let sessionsPerWeekendDay: Double
    /// The per-user base open rate b_u of ``OpenProbabilityModel``.
    public let baseOpenRate: Double
    /// Genres of the user's taste mixture (1–3 genre indices).
    public let tasteGenres: [Int]
    /// Mixture weights of ``tasteGenres`` (sum to 1).
    public let tasteGenreWeights: [Double]
    /// Unit taste vector at ``driftOriginMs``.
    public let initialTaste: [Float]
    /// Unit vector orthogonal to ``initialTaste`` towards which taste rotates.
    public let driftDirection: [Float]
    /// Angular speed of the taste drift, radians per day.
    public let driftRadiansPerDay: Double
    /// The time at which the taste equals ``initialTaste`` (the simulation start).
    public let driftOriginMs: Int64
    /// The device most sessions use.
    public let preferredDevice: String
    /// The source most sessions start from.
    public let preferredSource: String

    /// Rhythm weight at or above which an hour counts as active.
    public static let activeThreshold = 0.5

    /// The user's local hour (0…23) at `timestampMs`.
    public func localHour(atMs timestampMs: Int64) -> Int {
        let localMs = timestampMs + Int64(utcOffsetHours) * 3_600_000
        return Int(Self.floorModulo(localMs, SimulationConfiguration.dayMs) / 3_600_000)
    }

    /// Whether `timestampMs` falls on a Saturday or Sunday in the user's local time.
    public func isWeekend(atMs timestampMs: Int64) -> Bool {
        let localMs = timestampMs + Int64(utcOffsetHours) * 3_600_000
        let day = (localMs - Self.floorModulo(localMs, SimulationConfiguration.dayMs)) / SimulationConfiguration.dayMs
        let weekday = Self.floorModulo(day + 3, 7)  // 1970-01-01 was a Thursday; Monday = 0.
        return weekday >= 5
    }

    /// The rhythm weight (0…1, 1 at the peak hour) of the local hour containing `timestampMs`.
    public func activity(atMs timestampMs: Int64) -> Double {
        let hour = localHour(atMs: timestampMs)
        return isWeekend(atMs: timestampMs) ? weekendRhythm[hour] : weekdayRhythm[hour]
    }

    /// Whether the local hour containing `timestampMs` is one of the user's active hours.
    public func isActiveHour(atMs timestampMs: Int64) -> Bool {
        activity(atMs: timestampMs) >= Self.activeThreshold
    }

    /// The active local hours (0…23) of weekdays or weekends.
    public func activeHours(weekend: Bool) -> [Int] {
        let rhythm = weekend ? weekendRhythm : weekdayRhythm
        return (0..<24).filter { rhythm[$0] >= Self.activeThreshold }
    }

    /// The taste rotation angle θ(t) in radians.
    public func driftAngle(atMs timestampMs: Int64) -> Double {
        driftRadiansPerDay * Double(timestampMs - driftOriginMs) / Double(SimulationConfiguration.dayMs)
    }

    /// The unit taste vector at `timestampMs`.
    public func taste(atMs timestampMs: Int64) -> [Float] {
        let angle = driftAngle(atMs: timestampMs)
        let along = Float(SimulationMath.cos(angle))
        let across = Float(SimulationMath.sin(angle))
        var vector = initialTaste
        for index in vector.indices { vector[index] = along * initialTaste[index] + across * driftDirection[index] }
        return vector
    }

    /// The external id of user `index`.
    public static func userID(_ index: Int) -> UserID { UserID("user-" + paddedDecimal(index, width: 6)) }

    static func floorModulo(_ value: Int64, _ modulus: Int64) -> Int64 {
        let remainder = value % modulus
        return remainder < 0 ? remainder + modulus : remainder
    }
}
