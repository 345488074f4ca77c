/// One play of a track by a user, as carried by `encore.listens`.
///
/// Required on the wire: `user_id`, `track_id`, `ts_ms`. Optional: `event_id`, `ms_played`,
/// `duration_ms`, `skipped`, `context` (`device`, `source`). Unknown fields are ignored.
public struct ListenEvent: Sendable, Equatable {
    public var userID: UserID
    public var trackID: TrackID
    /// Event time in milliseconds since the Unix epoch (the `ts_ms` of the contract).
    public var timestampMs: Int64
    public var eventID: String?
    public var msPlayed: Int64?
    public var durationMs: Int64?
    public var skipped: Bool?
    public var context: ListenContext?

    public init(
        userID: UserID, trackID: TrackID, timestampMs: Int64, eventID: String? = nil, msPlayed: Int64? = nil,
        durationMs: Int64? = nil, skipped: Bool? = nil, context: ListenContext? = nil
    ) {
        self.userID = userID
        self.trackID = trackID
        self.timestampMs = timestampMs
        self.eventID = eventID
        self.msPlayed = msPlayed
        self.durationMs = durationMs
        self.skipped = skipped
        self.context = context
    }

    /// Whether the listen counts as a skip: the explicit flag when present, otherwise a play
    /// shorter than 30 s of a track longer than that.
    public var isSkip: Bool {
        if let skipped { return skipped }
        if let msPlayed, let durationMs, durationMs > 30_000 { return msPlayed < 30_000 }
        return false
    }
}

/// Where a listen happened: the device and the surface that started it.
public struct ListenContext: Sendable, Equatable {
    public var device: String?
    public var source: String?
    public init(device: String? = nil, source: String? = nil) {
        self.device = device
        self.source = source
    }
}
