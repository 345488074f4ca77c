import EncoreCore

/// Everything one consumed batch changes, written by ``EncoreStore/commit(_:)`` in one
/// transaction together with the offsets the batch consumed.
public struct BatchWrite: Sendable {
    /// The consumer group whose offsets are recorded.
    public var groupID: String
    public var listens: [ListenRow] = []
    public var notificationEvents: [NotificationEventRow] = []
    public var decisions: [DecisionRow] = []
    public var tracks: [TrackRow] = []
    public var userStates: [UserStateRow] = []
    public var deadLetters: [DeadLetterRow] = []
    /// `next_offset` (last processed + 1) per partition consumed by the batch.
    public var offsets: [OffsetRow] = []
    /// Wall-clock time of the commit, for operations only.
    public var recordedMs: Int64 = 0

    public init(groupID: String) { self.groupID = groupID }

    /// Whether there is nothing to write.
    public var isEmpty: Bool {
        listens.isEmpty && notificationEvents.isEmpty && decisions.isEmpty && tracks.isEmpty && userStates.isEmpty
            && deadLetters.isEmpty && offsets.isEmpty
    }

    /// Empties every list but keeps their storage, so one value can serve every batch.
    public mutating func removeAll() {
        listens.removeAll(keepingCapacity: true)
        notificationEvents.removeAll(keepingCapacity: true)
        decisions.removeAll(keepingCapacity: true)
        tracks.removeAll(keepingCapacity: true)
        userStates.removeAll(keepingCapacity: true)
        deadLetters.removeAll(keepingCapacity: true)
        offsets.removeAll(keepingCapacity: true)
    }
}

/// Where a record came from: its partition and offset in the source topic.
public struct SourcePosition: Sendable, Equatable {
    public var partition: Int32
    public var offset: Int64
    public init(partition: Int32, offset: Int64) {
        self.partition = partition
        self.offset = offset
    }
}

/// One listen, with dense indices.
public struct ListenRow: Sendable, Equatable {
    public var user: UserIndex
    public var item: ItemIndex
    public var timestampMs: Int64
    public var msPlayed: Int64?
    public var durationMs: Int64?
    public var skipped: Bool?
    public var device: String?
    public var source: String?
    public var position: SourcePosition

    public init(user: UserIndex, item: ItemIndex, event: ListenEvent, position: SourcePosition) {
        self.user = user
        self.item = item
        timestampMs = event.timestampMs
        msPlayed = event.msPlayed
        durationMs = event.durationMs
        skipped = event.skipped
        device = event.context?.device
        source = event.context?.source
        self.position = position
    }
}

/// One notification event, with the user's dense index.
public struct NotificationEventRow: Sendable, Equatable {
    public var user: UserIndex
    public var notificationID: String
    public var action: NotificationAction
    public var timestampMs: Int64
    public var kind: String?
    public var position: SourcePosition

    public init(user: UserIndex, event: NotificationEvent, position: SourcePosition) {
        self.user = user
        notificationID = event.notificationID.rawValue
        action = event.action
        timestampMs = event.timestampMs
        kind = event.kind
        self.position = position
    }
}

/// One notification decision Encore made.
public struct DecisionRow: Sendable, Equatable {
    public var user: UserIndex
    public var requestTimestampMs: Int64
    public var decision: NotificationDecision

    public init(user: UserIndex, requestTimestampMs: Int64, decision: NotificationDecision) {
        self.user = user
        self.requestTimestampMs = requestTimestampMs
        self.decision = decision
    }
}

/// Track metadata to upsert for an item.
public struct TrackRow: Sendable, Equatable {
    public var item: ItemIndex
    public var metadata: TrackMetadata
    public init(item: ItemIndex, metadata: TrackMetadata) {
        self.item = item
        self.metadata = metadata
    }
}

/// A user's serialized streaming state for one stage (`kind`), computed with `generation`.
public struct UserStateRow: Sendable, Equatable {
    public var user: UserIndex
    public var kind: String
    public var generation: Int64
    public var updatedTimestampMs: Int64
    public var state: [UInt8]
    public init(user: UserIndex, kind: String, generation: Int64, updatedTimestampMs: Int64, state: [UInt8]) {
        self.user = user
        self.kind = kind
        self.generation = generation
        self.updatedTimestampMs = updatedTimestampMs
        self.state = state
    }
}

/// A rejected input record, kept with its original bytes.
public struct DeadLetterRow: Sendable, Equatable {
    public var deadLetterID: String
    public var topic: String
    public var position: SourcePosition
    public var reason: String
    public var detail: String
    public var key: [UInt8]?
    public var value: [UInt8]
    public init(
        deadLetterID: String, topic: String, position: SourcePosition, reason: String, detail: String, key: [UInt8]?,
        value: [UInt8]
    ) {
        self.deadLetterID = deadLetterID
        self.topic = topic
        self.position = position
        self.reason = reason
        self.detail = detail
        self.key = key
        self.value = value
    }
}

/// The next offset to read for one partition of one topic.
public struct OffsetRow: Sendable, Equatable, Hashable {
    public var topic: String
    public var partition: Int32
    public var nextOffset: Int64
    public init(topic: String, partition: Int32, nextOffset: Int64) {
        self.topic = topic
        self.partition = partition
        self.nextOffset = nextOffset
    }
}
