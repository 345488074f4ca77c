import EncoreCore
import EncoreKafka
import EncoreStore

/// What the stages write into while the hub processes one batch: the outputs they produce (to
/// Kafka, in the batch's delivery group) and the rows they add to the batch's ``BatchWrite``.
///
/// Output ids are deterministic, so a batch consumed again after a crash produces the same ids
/// (docs/design/streaming-semantics.md §3; docs/ARCHITECTURE.md, "Exactly once"). Duplicate
/// notification requests are recognised here, the same way for every deciding stage. One instance
/// per pipeline, reused for every batch; owned by the pipeline thread.
public final class StageBatch {
    /// What the batch will commit; stages append their rows (through the methods below, or
    /// directly for rows of their own).
    public var write: BatchWrite
    /// Counters of the batch.
    public internal(set) var summary = BatchSummary()
    /// Whether a model stage of the pipeline answers in this batch: baselines then stay silent.
    public internal(set) var modelAnswers = false
    /// The prefix of every topic name.
    public let topicPrefix: String

    let store: EncoreStore
    let tracks: IdentifierMap
    var producer: KafkaProducer?
    private var writer = JSONWriter(reservingCapacity: 1024)
    /// Decisions made in this batch and the batches that may still be waiting for their commit
    /// (not yet in the store), by decision id: a repeated request must find its first decision
    /// there while that decision's batch is queued in the committer.
    private var decidedRecently: [String: NotificationDecision] = [:]
    /// The decision ids of the last ``recentBatchCount`` batches, oldest first.
    private var recentBatches: [[String]] = []
    /// Batches whose decisions may not be stored yet: the one being processed and those the
    /// committer may hold (a batch older than that was committed before this one began).
    static let recentBatchCount = BatchCommitter.maximumInFlight + 2
    private let recommendationsTopic: String
    private let decisionsTopic: String
    private let listensTopic: String

    init(groupID: String, store: EncoreStore, tracks: IdentifierMap, topicPrefix: String) {
        write = BatchWrite(groupID: groupID)
        self.store = store
        self.tracks = tracks
        self.topicPrefix = topicPrefix
        recommendationsTopic = EncoreTopic.recommendations.name(prefix: topicPrefix)
        decisionsTopic = EncoreTopic.notificationDecisions.name(prefix: topicPrefix)
        listensTopic = EncoreTopic.listens.name(prefix: topicPrefix)
    }

    /// Starts a batch: empties the write (keeping its storage) and the counters.
    /// Forgets the decisions of batches that were not committed (after a failure: they are
    /// consumed and decided again).
    func forgetUncommitted() {
        decidedRecently.removeAll(keepingCapacity: true)
        recentBatches.removeAll(keepingCapacity: true)
    }

    func begin(producer: KafkaProducer, recordedMs: Int64, modelAnswers: Bool) {
        write.removeAll()
        write.recordedMs = recordedMs
        summary = BatchSummary()
        recentBatches.append([])
        if recentBatches.count > Self.recentBatchCount {
            for id in recentBatches.removeFirst() { decidedRecently[id] = nil }
        }
        self.producer = producer
        self.modelAnswers = modelAnswers
    }

    // MARK: Outputs

    /// Produces any message of a stage's own (to a topic of its own): `encore-id` header = `id`.
    public func produce(topic: String, key: [UInt8]?, value: [UInt8], id: String, timestampMs: Int64?) throws {
        try send(topic: topic, key: key, value: value, id: id, timestampMs: timestampMs)
    }

    /// Produces a recommendation to `encore.recommendations`. Its id derives from the listen that
    /// triggered it (`position` in `encore.listens`), so a replay produces the same id.
    ///
    /// - Parameter items: dense item indices with their scores, best first.
    public func recommend(
        user: UserID, items: [(Int32, Float)], timestampMs: Int64, position: SourcePosition, model: String,
        reason: String
    ) throws {
        let recommendation = Recommendation(
            userID: user, timestampMs: timestampMs, model: model,
            items: zip(tracks.ids(at: items.map(\.0)), items).map { ScoredTrack(trackID: TrackID($0 ?? ""), score: $1.1) },
            reason: reason
        )
        writer.reset()
        writer.write(recommendation)
        let id = StableHash.hex("recommendation", listensTopic, String(position.partition), String(position.offset))
        try send(
            topic: recommendationsTopic, key: Array(user.rawValue.utf8), value: writer.bytes, id: id,
            timestampMs: timestampMs)
        summary.recommendations += 1
    }

    /// The decision an earlier batch or this one made for `request`, if any (upstream producers
    /// retry, and a replay sees requests again).
    ///
    /// - Parameter consultStore: whether SQLite may hold it (a stage that remembers its recent
    ///   decisions says no when it knows the request is new, sparing a read per request).
    public func earlierDecision(for request: NotificationRequest, consultStore: Bool = true) throws -> NotificationDecision? {
        let id = Self.decisionID(for: request.requestID)
        if let decided = decidedRecently[id] { return decided }
        return consultStore ? try store.decision(id: id, userID: request.userID) : nil
    }

    /// Produces an earlier decision again, unchanged, for a repeated request (nothing is stored).
    public func repeatDecision(_ decision: NotificationDecision, requestTimestampMs: Int64) throws {
        try produceDecision(decision, timestampMs: requestTimestampMs)
        summary.repeatedRequests += 1
    }

    /// Records a new decision (stored with the batch) and produces it to
    /// `encore.notification-decisions`.
    public func decide(_ decision: NotificationDecision, user: Int32, requestTimestampMs: Int64) throws {
        decidedRecently[decision.decisionID] = decision
        recentBatches[recentBatches.count - 1].append(decision.decisionID)
        write.decisions.append(DecisionRow(user: UserIndex(user), requestTimestampMs: requestTimestampMs, decision: decision))
        try produceDecision(decision, timestampMs: requestTimestampMs)
    }

    /// The deterministic decision id of a request: FNV-1a of ("decision", request id), so a replay
    /// decides the same request under the same id.
    public static func decisionID(for request: RequestID) -> String { StableHash.hex("decision", request.rawValue) }

    private func produceDecision(_ decision: NotificationDecision, timestampMs: Int64) throws {
        writer.reset()
        writer.write(decision)
        try send(
            topic: decisionsTopic, key: Array(decision.userID.rawValue.utf8), value: writer.bytes, id: decision.decisionID,
            timestampMs: timestampMs)
        summary.decisions += 1
    }

    private func send(topic: String, key: [UInt8]?, value: [UInt8], id: String, timestampMs: Int64?) throws {
        guard let producer else { preconditionFailure("StageBatch used outside a batch") }
        try producer.send(
            topic: topic, key: key, value: value, headers: [KafkaHeader(name: "encore-id", value: Array(id.utf8))],
            timestampMs: timestampMs)
    }
}

/// The counters of one batch (summed into ``PipelineStatus``).
public struct BatchSummary: Equatable, Sendable {
    public var applied = 0
    public var deadLetters = 0
    public var recommendations = 0
    public var decisions = 0
    public var lastEventMs: Int64?
    /// Requests whose id was decided before; answered with the earlier decision.
    public var repeatedRequests = 0

    public init() {}
}
