/// Everything that shapes a simulated run; the same configuration (seed included) always gives
/// the same byte-identical event stream.
public struct SimulationConfiguration: Sendable, Equatable {
    /// Number of simulated users (`user-000000` …).
    public var users: Int
    /// Number of tracks in the catalogue (`track-000000` …).
    public var tracks: Int
    /// Number of artists; every artist gets at least one track when `tracks ≥ artists`.
    public var artists: Int
    /// Number of genres (the first 12 have real names).
    public var genres: Int
    /// Simulated days, each a 24 h window from ``startMs``.
    public var days: Int
    /// The run seed.
    public var seed: UInt64
    /// Start of the simulated period, epoch milliseconds (default 2026-01-05T00:00Z, a Monday).
    public var startMs: Int64
    /// Dimension of the latent track and taste vectors.
    public var embeddingDimension: Int
    /// Population mean of sessions per user per weekday (users vary around it).
    public var meanSessionsPerDay: Double
    /// Mean notification requests per user per day (Poisson, capped).
    public var notificationRequestsPerUserPerDay: Double
    /// Hard cap on requests per user per day.
    public var maximumRequestsPerUserPerDay: Int
    /// Range of users' UTC offsets in whole hours.
    public var utcOffsetHours: ClosedRange<Int>
    /// Mean angle (radians) by which a user's taste vector rotates per day.
    public var tasteDriftRadiansPerDay: Double
    /// How users choose, play and skip tracks.
    public var listening: ListeningBehaviour
    /// The planted open-probability model.
    public var openModel: OpenProbabilityModel

    /// 2026-01-05T00:00:00Z in epoch milliseconds.
    public static let defaultStartMs: Int64 = 1_767_571_200_000

    /// A configuration with defaults for a 1000-user week; override what the run needs.
    public init(
        users: Int = 1000, tracks: Int = 5000, artists: Int = 500, genres: Int = 12, days: Int = 7, seed: UInt64 = 42,
        startMs: Int64 = SimulationConfiguration.defaultStartMs, embeddingDimension: Int = 16,
        meanSessionsPerDay: Double = 3, notificationRequestsPerUserPerDay: Double = 1.5,
        maximumRequestsPerUserPerDay: Int = 3, utcOffsetHours: ClosedRange<Int> = -8...9,
        tasteDriftRadiansPerDay: Double = 0.04, listening: ListeningBehaviour = ListeningBehaviour(),
        openModel: OpenProbabilityModel = OpenProbabilityModel()
    ) {
        self.users = users
        self.tracks = tracks
        self.artists = artists
        self.genres = genres
        self.days = days
        self.seed = seed
        self.startMs = startMs
        self.embeddingDimension = embeddingDimension
        self.meanSessionsPerDay = meanSessionsPerDay
        self.notificationRequestsPerUserPerDay = notificationRequestsPerUserPerDay
        self.maximumRequestsPerUserPerDay = maximumRequestsPerUserPerDay
        self.utcOffsetHours = utcOffsetHours
        self.tasteDriftRadiansPerDay = tasteDriftRadiansPerDay
        self.listening = listening
        self.openModel = openModel
    }

    /// One day in milliseconds.
    public static let dayMs: Int64 = 86_400_000

    /// End of the simulated period (exclusive) for session and request starts.
    public var endMs: Int64 { startMs + Int64(days) * Self.dayMs }

    /// Checks every setting and says exactly which one is out of range.
    ///
    /// - Throws: ``SimulationError`` with code ``SimulationError/Code/invalidConfiguration``.
    public func validate() throws(SimulationError) {
        func fail(_ reason: String) -> SimulationError { SimulationError(.invalidConfiguration, reason: reason) }
        guard users >= 1 else { throw fail("users must be at least 1 (got \(users))") }
        guard users <= 9_999_999 else { throw fail("users must be at most 9999999 (got \(users))") }
        guard tracks >= 1, tracks <= 9_999_999 else { throw fail("tracks must be in 1...9999999 (got \(tracks))") }
        guard artists >= 1, artists <= tracks else { throw fail("artists must be in 1...tracks (got \(artists))") }
        guard genres >= 1, genres <= artists else { throw fail("genres must be in 1...artists (got \(genres))") }
        guard days >= 1, days <= 3650 else { throw fail("days must be in 1...3650 (got \(days))") }
        guard startMs >= 0 else { throw fail("startMs must not be negative (got \(startMs))") }
        guard endMs + 2 * Self.dayMs <= 4_102_444_800_000 else {
            throw fail("the simulated period must end before 2100")
        }
        guard embeddingDimension >= 2, embeddingDimension <= 1024 else {
            throw fail("embeddingDimension must be in 2...1024 (got \(embeddingDimension))")
        }
        guard meanSessionsPerDay > 0, meanSessionsPerDay <= 100 else {
            throw fail("meanSessionsPerDay must be in (0, 100] (got \(meanSessionsPerDay))")
        }
        guard notificationRequestsPerUserPerDay >= 0, notificationRequestsPerUserPerDay <= 100 else {
            throw fail(
                "notificationRequestsPerUserPerDay must be in [0, 100] (got \(notificationRequestsPerUserPerDay))")
        }
        guard maximumRequestsPerUserPerDay >= 0 else { throw fail("maximumRequestsPerUserPerDay must not be negative") }
        guard utcOffsetHours.lowerBound >= -12, utcOffsetHours.upperBound <= 14 else {
            throw fail("utcOffsetHours must lie within -12...14 (got \(utcOffsetHours))")
        }
        guard tasteDriftRadiansPerDay >= 0, tasteDriftRadiansPerDay <= 1 else {
            throw fail("tasteDriftRadiansPerDay must be in [0, 1] (got \(tasteDriftRadiansPerDay))")
        }
        let listening = self.listening
        guard listening.candidatePoolSize >= 1 else { throw fail("listening.candidatePoolSize must be at least 1") }
        guard listening.genreCandidateShare >= 0, listening.artistCandidateShare >= 0,
            listening.genreCandidateShare + listening.artistCandidateShare <= 1
        else { throw fail("listening candidate shares must be non-negative and sum to at most 1") }
        guard listening.meanTracksPerSession >= 1 else { throw fail("listening.meanTracksPerSession must be ≥ 1") }
        for (name, value) in [
            ("listening.minimumSkipProbability", listening.minimumSkipProbability),
            ("listening.fullPlayProbability", listening.fullPlayProbability),
            ("listening.preferredDeviceProbability", listening.preferredDeviceProbability),
            ("listening.preferredSourceProbability", listening.preferredSourceProbability),
        ] where !(0...1).contains(value) {
            throw fail("\(name) must be in [0, 1] (got \(value))")
        }
        let open = openModel
        guard open.meanBaseOpenRate > 0, open.meanBaseOpenRate < 1 else {
            throw fail("openModel.meanBaseOpenRate must be in (0, 1) (got \(open.meanBaseOpenRate))")
        }
        guard open.recencyHalfLifeHours > 0 else { throw fail("openModel.recencyHalfLifeHours must be positive") }
        guard open.recencyLookbackDays >= 0, open.recencyLookbackDays <= 30 else {
            throw fail("openModel.recencyLookbackDays must be in 0...30")
        }
        guard open.meanOpenDelayMinutes > 0, open.meanDismissDelayMinutes > 0 else {
            throw fail("openModel delays must be positive")
        }
    }
}
