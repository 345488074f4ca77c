/// A ranked list of tracks for one user (`encore.recommendations`).
public struct Recommendation: Sendable, Equatable {
    public var userID: UserID
    /// The event time that triggered the recommendation (never the wall clock).
    public var timestampMs: Int64
    /// `name@version` of the model that produced it.
    public var model: String
    public var items: [ScoredTrack]
    /// A short human-readable reason (`"popular, excluding recent plays"`).
    public var reason: String

    public init(userID: UserID, timestampMs: Int64, model: String, items: [ScoredTrack], reason: String) {
        self.userID = userID
        self.timestampMs = timestampMs
        self.model = model
        self.items = items
        self.reason = reason
    }
}

/// A track with the score the model gave it.
public struct ScoredTrack: Sendable, Equatable {
    public var trackID: TrackID
    public var score: Float
    public init(trackID: TrackID, score: Float) {
        self.trackID = trackID
        self.score = score
    }
}
