import EncoreCore

/// One record of the simulated stream, addressed to one of Encore's input topics.
public enum SimulatedEvent: Sendable, Equatable {
    /// A play of a track (`encore.listens`).
    case listen(ListenEvent)
    /// Sent / opened / dismissed feedback (`encore.notification-events`).
    case notification(NotificationEvent)
    /// A request to notify a user (`encore.notification-requests`).
    case request(NotificationRequest)
    /// Catalogue metadata (`encore.tracks`); stamped with the run's start time.
    case track(TrackMetadata, timestampMs: Int64)

    /// Event time in epoch milliseconds (the run's start for catalogue records).
    public var timestampMs: Int64 {
        switch self {
        case .listen(let event): event.timestampMs
        case .notification(let event): event.timestampMs
        case .request(let request): request.timestampMs
        case .track(_, let timestampMs): timestampMs
        }
    }

    /// The user the event concerns (the Kafka key); `nil` for catalogue records.
    public var userID: UserID? {
        switch self {
        case .listen(let event): event.userID
        case .notification(let event): event.userID
        case .request(let request): request.userID
        case .track: nil
        }
    }

    /// The Kafka key of the record: the user id, or the track id for catalogue records.
    public var key: String {
        switch self {
        case .listen(let event): event.userID.rawValue
        case .notification(let event): event.userID.rawValue
        case .request(let request): request.userID.rawValue
        case .track(let track, _): track.trackID.rawValue
        }
    }

    /// The input topic the record belongs to.
    public var topic: EncoreTopic {
        switch self {
        case .listen: .listens
        case .notification: .notificationEvents
        case .request: .notificationRequests
        case .track: .tracks
        }
    }

    /// The record's JSON bytes, as ``EventEncoder`` writes them.
    public func encoded() -> [UInt8] {
        switch self {
        case .listen(let event): EventEncoder.encode(event)
        case .notification(let event): EventEncoder.encode(event)
        case .request(let request): EventEncoder.encode(request)
        case .track(let track, _): EventEncoder.encode(track)
        }
    }

    /// Appends the record's JSON to `writer` (no allocation per event when the writer is reused).
    public func write(to writer: inout JSONWriter) {
        switch self {
        case .listen(let event): writer.write(event)
        case .notification(let event): writer.write(event)
        case .request(let request): writer.write(request)
        case .track(let track, _): writer.write(track)
        }
    }
}
