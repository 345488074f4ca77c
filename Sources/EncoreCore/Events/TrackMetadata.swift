/// Descriptive data about a track (`encore.tracks`). Only `track_id` is required.
public struct TrackMetadata: Sendable, Equatable {
    public var trackID: TrackID
    public var title: String?
    public var artist: String?
    public var album: String?
    public var genres: [String]
    public var durationMs: Int64?

    public init(
        trackID: TrackID, title: String? = nil, artist: String? = nil, album: String? = nil, genres: [String] = [],
        durationMs: Int64? = nil
    ) {
        self.trackID = trackID
        self.title = title
        self.artist = artist
        self.album = album
        self.genres = genres
        self.durationMs = durationMs
    }
}
