import EncoreCore
import EncoreKafka
import EncoreStore
import Logging

/// Turns one consumed batch into outputs and one ``BatchWrite``: decode and validate each
/// record, route bad ones to the dead-letter topic, resolve ids, run the stages, produce their
/// outputs, and collect the state changes and offsets to commit.
///
/// Stage state is mutated in place, so the next batch builds on this one before it is committed;
/// ``discard()`` reloads it from the store, so a failed batch (and any processed after it) leaves
/// no trace. Not thread-safe: one pipeline thread owns it.
final class BatchProcessor {
    let definition: PipelineDefinition
    let store: EncoreStore
    let users: IdentifierMap
    let tracks: IdentifierMap
    let topicPrefix: String
    let clock: EventClock
    let logger: Logger
    let popularity: PopularityBaseline?
    let rules: RuleBaseline?
    let sequence: SequenceStage?
    /// The C-3PO stage (issue 5); reads listens for activity features only.
    let c3po: C3POStage?
    private let generations: ModelGenerations
    private var seenTimingVersion = 0
    /// Whether listens go to the history table (not when only C-3PO reads them: the music
    /// pipeline stores them).
    private let storesListens: Bool

    /// What the batch will write; reused across batches.
    private(set) var write: BatchWrite
    private(set) var summary = Summary()
    private var decoded: [DecodedRecord] = []
    private var userIDs: [String] = []
    private var trackIDs: [String] = []
    /// Next offset per (topic index, partition), packed into one integer key (no string hashing per record).
    private var nextOffsets: [Int64: Int64] = [:]
    private var firstOffsetByKey: [Int64: Int64] = [:]
    /// The first offset of each partition in the last processed batch (where to rewind it to
    /// when SQLite holds no offset for the partition yet).
    private(set) var firstOffsets: [TopicPartition: Int64] = [:]
    /// Decisions made in the current batch (not yet in the store), by decision id.
    private var decidedInBatch: [String: NotificationDecision] = [:]
    private var writer = JSONWriter(reservingCapacity: 1024)
    private let outputTopics: OutputTopics

    struct Summary: Equatable, Sendable {
        var applied = 0
        var deadLetters = 0
        var recommendations = 0
        var decisions = 0
        var lastEventMs: Int64?
        /// Requests whose id was decided before; answered with the earlier decision.
        var repeatedRequests = 0
    }

    private struct OutputTopics {
        let recommendations: String
        let decisions: String
        let deadLetters: String
    }

    private enum DecodedRecord {
        case listen(ListenEvent, SourcePosition, userSlot: Int, trackSlot: Int)
        case notification(NotificationEvent, SourcePosition, userSlot: Int)
        case request(NotificationRequest, SourcePosition, userSlot: Int)
        case track(TrackMetadata, trackSlot: Int)
    }

    init(
        definition: PipelineDefinition, store: EncoreStore, users: IdentifierMap, tracks: IdentifierMap,
        topicPrefix: String, clock: EventClock, generations: ModelGenerations = ModelGenerations(), logger: Logger
    ) throws(StoreError) {
        self.definition = definition
        self.store = store
        self.users = users
        self.tracks = tracks
        self.topicPrefix = topicPrefix
        self.clock = clock
        self.logger = logger
        var popularity: PopularityBaseline?
        var rules: RuleBaseline?
        var sequence: SequenceStage?
        var c3po: C3POStage?
        for stage in definition.stages {
            switch stage {
            case .popularityBaseline(let settings): popularity = PopularityBaseline(settings: settings)
            case .ruleBaseline(let settings): rules = RuleBaseline(settings: settings)
            case .c3po(let settings): c3po = C3POStage(settings: settings)
            case .sequenceModel(let settings): sequence = SequenceStage(settings: settings, generations: generations)
            }
        }
        self.popularity = popularity
        self.rules = rules
        self.sequence = sequence
        self.c3po = c3po
        self.generations = generations
        storesListens = popularity != nil || sequence != nil || c3po == nil
        if let c3po {
            do {
                let version = try c3po.loadPredictor(from: store)
                logger.info("c3po predictor", metadata: ["model": "\(c3po.modelLabel)", "loaded": "\(version != nil)"])
            } catch {
                throw StoreError(.corrupt, "c3po predictor cannot be loaded: \(error)")
            }
        }
        write = BatchWrite(groupID: definition.consumerGroup)
        outputTopics = OutputTopics(
            recommendations: EncoreTopic.recommendations.name(prefix: topicPrefix),
            decisions: EncoreTopic.notificationDecisions.name(prefix: topicPrefix),
            deadLetters: EncoreTopic.deadLetters.name(prefix: topicPrefix)
        )
        try reloadState()
    }

    /// Reads every stage's state back from the store.
    func reloadState() throws(StoreError) {
        try popularity?.reload(from: store)
        try rules?.reload(from: store)
        try sequence?.reload(from: store)
        try c3po?.reload(from: store)
    }

    /// Processes a batch: produces every output (not yet flushed) and fills ``write``.
    func process(_ batch: ConsumedBatch, producer: KafkaProducer) throws {
        write.removeAll()
        write.recordedMs = clock.nowMs
        summary = Summary()
        decoded.removeAll(keepingCapacity: true)
        userIDs.removeAll(keepingCapacity: true)
        trackIDs.removeAll(keepingCapacity: true)
        nextOffsets.removeAll(keepingCapacity: true)
        firstOffsetByKey.removeAll(keepingCapacity: true)
        decidedInBatch.removeAll(keepingCapacity: true)
        // A generation installed since the last batch applies from this batch on, whole.
        sequence?.refreshGeneration()
        if let c3po, generations.timingVersion != seenTimingVersion {
            seenTimingVersion = generations.timingVersion
            if let timing = generations.currentTiming, timing.version != c3po.predictorVersion {
                c3po.install(timing.predictor, version: timing.version)
                logger.info("c3po predictor swapped", metadata: ["model": "\(c3po.modelLabel)"])
            }
        }
        let popularityAnswers = sequence?.isServing != true

        // Pass 1: decode and validate; dead-letter what is bad.
        let topicOfIndex: [EncoreTopic?] = batch.topics.map { EncoreTopic(name: $0, prefix: topicPrefix) }
        for record in batch.records {
            let position = SourcePosition(partition: record.partition, offset: record.offset)
            let key = Int64(record.topicIndex) << 32 | Int64(UInt32(bitPattern: record.partition))
            nextOffsets[key] = max(nextOffsets[key] ?? 0, record.offset + 1)
            firstOffsetByKey[key] = min(firstOffsetByKey[key] ?? record.offset, record.offset)
            let topic = topicOfIndex[Int(record.topicIndex)]
            let outcome: Result<DecodedRecord, EventRejection> = batch.withValue(of: record) { bytes in
                decode(bytes, topic: topic, position: position)
            }
            switch outcome {
            case .success(let event): decoded.append(event)
            case .failure(let rejection):
                try deadLetter(
                    batch: batch, record: record, topic: batch.topics[Int(record.topicIndex)], rejection: rejection,
                    producer: producer
                )
            }
        }

        // Ids: new ones are stored before anything refers to them.
        let userIndices = try users.resolve(userIDs)
        let trackIndices = try tracks.resolve(trackIDs)

        // Pass 2: apply in order.
        for event in decoded {
            switch event {
            case .listen(let listen, let position, let userSlot, let trackSlot):
                let user = userIndices[userSlot]
                let item = trackIndices[trackSlot]
                if storesListens {
                    write.listens.append(ListenRow(user: UserIndex(user), item: ItemIndex(item), event: listen, position: position))
                }
                c3po?.observeListen(user: user, timestampMs: listen.timestampMs)
                sequence?.observe(user: user, userID: listen.userID, listen: listen, item: item, position: position)
                if let popularity, let due = popularity.observe(user: user, item: item, timestampMs: listen.timestampMs),
                    popularityAnswers
                {
                    try produceRecommendation(
                        for: listen.userID, items: due.items, timestampMs: due.timestampMs, position: position,
                        model: PopularityBaseline.modelName, reason: "popular recently, excluding your last plays",
                        producer: producer
                    )
                }
                noteEventTime(listen.timestampMs)
            case .notification(let event, let position, let userSlot):
                let user = userIndices[userSlot]
                write.notificationEvents.append(NotificationEventRow(user: UserIndex(user), event: event, position: position))
                rules?.observe(user: user, action: event.action, timestampMs: event.timestampMs)
                c3po?.observe(user: user, event: event)
                noteEventTime(event.timestampMs)
            case .request(let request, _, let userSlot):
                let user = userIndices[userSlot]
                if let rules {
                    // A request seen before (upstream producers retry too) gets its first decision
                    // again, unchanged, and schedules nothing new.
                    let id = RuleBaseline.decisionID(for: request.requestID)
                    if let earlier = try decidedInBatch[id] ?? store.decision(id: id, userID: request.userID) {
                        try produceDecision(earlier, timestampMs: request.timestampMs, producer: producer)
                        summary.repeatedRequests += 1
                    } else {
                        let decision = rules.decide(request, user: user)
                        decidedInBatch[id] = decision
                        write.decisions.append(DecisionRow(user: UserIndex(user), requestTimestampMs: request.timestampMs, decision: decision))
                        try produceDecision(decision, timestampMs: request.timestampMs, producer: producer)
                    }
                }
                if let c3po {
                    // Decide what is queued first when this user (or this very request) waits in
                    // the queue, so every decision sees its user's earlier ones.
                    let id = RuleBaseline.decisionID(for: request.requestID)
                    if c3po.hasQueued(user: user) { try decideQueued(producer: producer) }
                    // The user's state remembers its recent decided requests: SQLite is read only
                    // for a repeat, not once per request.
                    let earlier = try decidedInBatch[id]
                        ?? (c3po.hasDecided(request, user: user) ? store.decision(id: id, userID: request.userID) : nil)
                    if let earlier {
                        try produceDecision(earlier, timestampMs: request.timestampMs, producer: producer)
                        summary.repeatedRequests += 1
                    } else {
                        c3po.enqueue(request, user: user)
                    }
                }
                noteEventTime(request.timestampMs)
            case .track(let metadata, let trackSlot):
                write.tracks.append(TrackRow(item: ItemIndex(trackIndices[trackSlot]), metadata: metadata))
            }
            summary.applied += 1
        }

        // The RNN applies the batch's listens in waves (one batched step per wave).
        if let sequence {
            let label = sequence.generation?.label ?? ""
            try sequence.flush { due in
                try produceRecommendation(
                    for: due.userID, items: due.items, timestampMs: due.timestampMs, position: due.position, model: label,
                    reason: "next up from your listening sequence", producer: producer
                )
            }
        }

        try decideQueued(producer: producer)
        popularity?.users.write(into: &write, updatedMs: summary.lastEventMs ?? 0)
        rules?.users.write(into: &write, updatedMs: summary.lastEventMs ?? 0)
        sequence?.users.write(into: &write, updatedMs: summary.lastEventMs ?? 0)
        c3po?.users.write(into: &write, updatedMs: summary.lastEventMs ?? 0, generation: Int64(c3po?.predictorVersion ?? 0))
        // The touched states are in `write` now; the next batch starts a new set.
        popularity?.users.clearTouched()
        rules?.users.clearTouched()
        sequence?.users.clearTouched()
        c3po?.users.clearTouched()
        firstOffsets.removeAll(keepingCapacity: true)
        for (key, next) in nextOffsets {
            let topic = batch.topics[Int(key >> 32)]
            let partition = Int32(truncatingIfNeeded: key)
            write.offsets.append(OffsetRow(topic: topic, partition: partition, nextOffset: next))
            firstOffsets[TopicPartition(topic: topic, partition: partition)] = firstOffsetByKey[key]
        }
    }

    /// The batch failed: forget its effects by reloading state from the store.
    func discard() throws(StoreError) { try reloadState() }

    // MARK: Steps

    /// Decides C-3PO's queued requests (one batched scoring pass) and produces the decisions.
    private func decideQueued(producer: KafkaProducer) throws {
        guard let c3po, c3po.queuedCount > 0 else { return }
        for (decision, user, requestTimestampMs) in c3po.decidePending() {
            decidedInBatch[decision.decisionID] = decision
            write.decisions.append(DecisionRow(user: UserIndex(user), requestTimestampMs: requestTimestampMs, decision: decision))
            try produceDecision(decision, timestampMs: requestTimestampMs, producer: producer)
        }
    }

    private func noteEventTime(_ timestampMs: Int64) {
        summary.lastEventMs = max(summary.lastEventMs ?? timestampMs, timestampMs)
    }

    private func decode(
        _ bytes: UnsafeRawBufferPointer, topic: EncoreTopic?, position: SourcePosition
    ) -> Result<DecodedRecord, EventRejection> {
        do throws(EventRejection) {
            switch topic {
            case .listens:
                let event = try EventDecoder.listen(bytes)
                userIDs.append(event.userID.rawValue)
                trackIDs.append(event.trackID.rawValue)
                return .success(.listen(event, position, userSlot: userIDs.count - 1, trackSlot: trackIDs.count - 1))
            case .notificationEvents:
                let event = try EventDecoder.notificationEvent(bytes)
                userIDs.append(event.userID.rawValue)
                return .success(.notification(event, position, userSlot: userIDs.count - 1))
            case .notificationRequests:
                let request = try EventDecoder.notificationRequest(bytes)
                userIDs.append(request.userID.rawValue)
                return .success(.request(request, position, userSlot: userIDs.count - 1))
            case .tracks:
                let track = try EventDecoder.trackMetadata(bytes)
                trackIDs.append(track.trackID.rawValue)
                return .success(.track(track, trackSlot: trackIDs.count - 1))
            default:
                throw EventRejection(.invalidValue("topic"), detail: "this pipeline does not consume that topic")
            }
        } catch {
            return .failure(error)
        }
    }

    private func deadLetter(
        batch: ConsumedBatch, record: ConsumedRecord, topic: String, rejection: EventRejection, producer: KafkaProducer
    ) throws {
        let id = StableHash.hex("dead-letter", topic, String(record.partition), String(record.offset))
        let key = batch.key(of: record)
        let value = batch.value(of: record)
        let headers = [
            KafkaHeader(name: "encore-error", value: Array(rejection.code.utf8)),
            KafkaHeader(name: "encore-error-detail", value: Array(rejection.detail.utf8)),
            KafkaHeader(name: "encore-source-topic", value: Array(topic.utf8)),
            KafkaHeader(name: "encore-source-partition", value: Array(String(record.partition).utf8)),
            KafkaHeader(name: "encore-source-offset", value: Array(String(record.offset).utf8)),
            KafkaHeader(name: "encore-source-timestamp", value: Array(String(record.timestampMs).utf8)),
            KafkaHeader(name: "encore-id", value: Array(id.utf8)),
        ]
        try producer.send(
            topic: outputTopics.deadLetters, key: key, value: value, headers: headers,
            timestampMs: record.timestampMs >= 0 ? record.timestampMs : nil
        )
        write.deadLetters.append(DeadLetterRow(
            deadLetterID: id, topic: topic, position: SourcePosition(partition: record.partition, offset: record.offset),
            reason: rejection.code, detail: rejection.detail, key: key, value: value
        ))
        summary.deadLetters += 1
        logger.debug("dead letter", metadata: [
            "topic": "\(topic)", "partition": "\(record.partition)", "offset": "\(record.offset)",
            "reason": "\(rejection.code)",
        ])
    }

    private func produceRecommendation(
        for user: UserID, items: [(Int32, Float)], timestampMs: Int64, position: SourcePosition, model: String,
        reason: String, producer: KafkaProducer
    ) throws {
        let recommendation = Recommendation(
            userID: user, timestampMs: timestampMs, model: model,
            items: zip(tracks.ids(at: items.map(\.0)), items).map { ScoredTrack(trackID: TrackID($0 ?? ""), score: $1.1) },
            reason: reason
        )
        writer.reset()
        writer.write(recommendation)
        let id = StableHash.hex(
            "recommendation", EncoreTopic.listens.name(prefix: topicPrefix), String(position.partition),
            String(position.offset)
        )
        try producer.send(
            topic: outputTopics.recommendations, key: Array(user.rawValue.utf8), value: writer.bytes,
            headers: [KafkaHeader(name: "encore-id", value: Array(id.utf8))], timestampMs: timestampMs
        )
        summary.recommendations += 1
    }

    private func produceDecision(_ decision: NotificationDecision, timestampMs: Int64, producer: KafkaProducer) throws {
        writer.reset()
        writer.write(decision)
        try producer.send(
            topic: outputTopics.decisions, key: Array(decision.userID.rawValue.utf8), value: writer.bytes,
            headers: [KafkaHeader(name: "encore-id", value: Array(decision.decisionID.utf8))], timestampMs: timestampMs
        )
        summary.decisions += 1
    }
}
