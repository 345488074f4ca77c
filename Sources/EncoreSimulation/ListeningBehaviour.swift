/// How simulated users pick and play tracks within a session.
///
/// The next track is drawn from a candidate pool (popularity-sampled tracks, tracks of the user's
/// genres, tracks of the previous track's artist) by a softmax over
/// ```
/// score(i) = tasteWeight · ⟨taste_u(t), v_i⟩
///          + popularityWeight · ln(pop_i / pop_max)
///          + sameArtistWeight · [artist(i) = artist(prev)]
///          + previousTrackSimilarityWeight · ⟨v_prev, v_i⟩
/// ```
/// and skipped with ``skipProbability(relevance:)``, where relevance is ⟨taste_u(t), v_i⟩.
public struct ListeningBehaviour: Sendable, Equatable {
    /// Candidates scored for each pick.
    public var candidatePoolSize: Int
    /// Share of candidates drawn uniformly from the user's genres (weighted by taste mixture).
    public var genreCandidateShare: Double
    /// Share of candidates drawn from the previous track's artist.
    public var artistCandidateShare: Double
    /// Weight of taste affinity in the softmax score.
    public var tasteWeight: Double
    /// Weight of log relative popularity in the softmax score.
    public var popularityWeight: Double
    /// Bonus for staying with the previous track's artist.
    public var sameArtistWeight: Double
    /// Weight of the similarity to the previous track.
    public var previousTrackSimilarityWeight: Double
    /// Relevance at which a track is skipped half of the time (before the floor).
    public var skipMidpoint: Double
    /// Steepness of the skip curve in relevance.
    public var skipSlope: Double
    /// Skip probability of even a perfect fit.
    public var minimumSkipProbability: Double
    /// Probability that a non-skipped track plays to its end (otherwise 50–100 %).
    public var fullPlayProbability: Double
    /// Mean number of tracks in a session (geometric, at least 1).
    public var meanTracksPerSession: Double
    /// Probability that a session uses the user's preferred device.
    public var preferredDeviceProbability: Double
    /// Probability that a session uses the user's preferred source.
    public var preferredSourceProbability: Double

    /// The default behaviour, with any value overridden.
    public init(
        candidatePoolSize: Int = 32, genreCandidateShare: Double = 0.4, artistCandidateShare: Double = 0.15,
        tasteWeight: Double = 6, popularityWeight: Double = 0.3, sameArtistWeight: Double = 0.8,
        previousTrackSimilarityWeight: Double = 1.0, skipMidpoint: Double = 0.3, skipSlope: Double = 9,
        minimumSkipProbability: Double = 0.03, fullPlayProbability: Double = 0.85, meanTracksPerSession: Double = 8,
        preferredDeviceProbability: Double = 0.8, preferredSourceProbability: Double = 0.6
    ) {
        self.candidatePoolSize = candidatePoolSize
        self.genreCandidateShare = genreCandidateShare
        self.artistCandidateShare = artistCandidateShare
        self.tasteWeight = tasteWeight
        self.popularityWeight = popularityWeight
        self.sameArtistWeight = sameArtistWeight
        self.previousTrackSimilarityWeight = previousTrackSimilarityWeight
        self.skipMidpoint = skipMidpoint
        self.skipSlope = skipSlope
        self.minimumSkipProbability = minimumSkipProbability
        self.fullPlayProbability = fullPlayProbability
        self.meanTracksPerSession = meanTracksPerSession
        self.preferredDeviceProbability = preferredDeviceProbability
        self.preferredSourceProbability = preferredSourceProbability
    }

    /// The probability that a track of the given relevance is skipped.
    ///
    /// ```
    /// p_skip = floor + (1 − floor) · σ(−skipSlope · (relevance − skipMidpoint))
    /// ```
    public func skipProbability(relevance: Double) -> Double {
        minimumSkipProbability
            + (1 - minimumSkipProbability) * SimulationMath.sigmoid(-skipSlope * (relevance - skipMidpoint))
    }
}
