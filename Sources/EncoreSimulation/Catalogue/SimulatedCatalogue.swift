import EncoreCore

/// The simulated catalogue: public track metadata plus the hidden latent structure behind it.
///
/// Track `i` has id `track-` + `i` zero-padded to 6 digits (``trackID(_:)``). Latent vectors are
/// unit length, clustered by genre then artist: a genre centroid, an artist offset around it (with
/// an optional second genre mixed in) and a track offset around the artist. Popularity follows a
/// Zipf law over a random permutation of ranks: `pop ∝ (rank + 1)^−1`, normalised to sum to 1.
public struct SimulatedCatalogue: Sendable {
    /// Metadata of every track, in index order (what `encore.tracks` carries).
    public let tracks: [TrackMetadata]
    /// Genre names, indexed by genre index.
    public let genreNames: [String]
    /// Artist names, indexed by artist index.
    public let artistNames: [String]
    /// Dimension of the latent vectors.
    public let embeddingDimension: Int
    /// Unit-length genre centroids, row-major `genres × embeddingDimension`.
    public let genreCentroids: [Float]
    /// Unit-length track vectors, row-major `tracks × embeddingDimension`.
    public let trackVectors: [Float]
    /// Popularity of each track (sums to 1).
    public let popularity: [Double]
    /// `ln(popularity / max popularity)` of each track (≤ 0).
    public let logRelativePopularity: [Double]
    /// Artist index of each track.
    public let trackArtist: [Int32]
    /// Primary genre index of each track (its artist's primary genre).
    public let trackGenre: [Int32]
    /// Track indices of each artist.
    public let artistTracks: [[Int32]]
    /// Track indices whose primary genre is each genre.
    public let genreTracks: [[Int32]]
    /// Draws tracks in proportion to popularity.
    let popularitySampler: AliasTable
    private let indexByTrackID: [TrackID: Int]

    init(
        tracks: [TrackMetadata], genreNames: [String], artistNames: [String], embeddingDimension: Int,
        genreCentroids: [Float], trackVectors: [Float], popularity: [Double], trackArtist: [Int32],
        trackGenre: [Int32]
    ) {
        self.tracks = tracks
        self.genreNames = genreNames
        self.artistNames = artistNames
        self.embeddingDimension = embeddingDimension
        self.genreCentroids = genreCentroids
        self.trackVectors = trackVectors
        self.popularity = popularity
        let maximum = popularity.max() ?? 1
        self.logRelativePopularity = popularity.map { SimulationMath.log($0 / maximum) }
        self.trackArtist = trackArtist
        self.trackGenre = trackGenre
        var artistTracks = [[Int32]](repeating: [], count: artistNames.count)
        var genreTracks = [[Int32]](repeating: [], count: genreNames.count)
        for index in tracks.indices {
            artistTracks[Int(trackArtist[index])].append(Int32(index))
            genreTracks[Int(trackGenre[index])].append(Int32(index))
        }
        self.artistTracks = artistTracks
        self.genreTracks = genreTracks
        self.popularitySampler = AliasTable(weights: popularity)
        var indexByTrackID: [TrackID: Int] = [:]
        indexByTrackID.reserveCapacity(tracks.count)
        for (index, track) in tracks.enumerated() { indexByTrackID[track.trackID] = index }
        self.indexByTrackID = indexByTrackID
    }

    /// Number of tracks.
    public var count: Int { tracks.count }

    /// The external id of track `index`: `track-` and six or more digits.
    public static func trackID(_ index: Int) -> TrackID { TrackID("track-" + paddedDecimal(index, width: 6)) }

    /// The index of a track id of this catalogue.
    public func index(of trackID: TrackID) -> Int? { indexByTrackID[trackID] }

    /// The latent vector of track `index` (unit length).
    public func vector(ofTrack index: Int) -> [Float] {
        Array(trackVectors[index * embeddingDimension..<(index + 1) * embeddingDimension])
    }

    /// The centroid of genre `index` (unit length).
    public func centroid(ofGenre index: Int) -> [Float] {
        Array(genreCentroids[index * embeddingDimension..<(index + 1) * embeddingDimension])
    }

    /// A track index drawn in proportion to popularity.
    func samplePopular(using generator: inout SeededGenerator) -> Int {
        popularitySampler.sample(using: &generator)
    }
}

/// `value` in decimal, left-padded with zeros to at least `width` digits.
func paddedDecimal(_ value: Int, width: Int) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}
