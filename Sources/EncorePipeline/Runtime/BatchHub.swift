import EncoreCore
import EncoreKafka
import EncoreStore
import Logging

/// Turns one consumed batch into outputs and one ``BatchWrite``: decode and validate each
/// record, route bad ones to the dead-letter topic, resolve ids, store the interaction history,
/// run the pipeline's stages over the decoded events, and collect their state and the offsets to
/// commit (docs/ARCHITECTURE.md, "The path of one record").
///
/// The hub knows no concrete stage: it loops over the ``PipelineStage``s the definition made.
/// Stage state is mutated in place, so the next batch builds on this one before it is committed;
/// ``discard()`` reloads it from the store, so a failed batch (and any processed after it) leaves
/// no trace. Not thread-safe: one pipeline thread owns it.
final class BatchHub {
    let definition: PipelineDefinition
    let store: EncoreStore
    let users: IdentifierMap
    let tracks: IdentifierMap
    let topicPrefix: String
    let clock: EventClock
    let logger: Logger
    /// The stages, in the order the definition lists them.
    let stages: [any PipelineStage]

    /// Every stage's counters, merged.
    var stageCounters: [String: Int] {
        stages.reduce(into: [:]) { merged, stage in merged.merge(stage.counters) { $0 + $1 } }
    }
    private let generations: ModelGenerations
    private var seenGenerations = -1
    /// Whether listens go to the history table (not when only stages that read them for
    /// features see them: another pipeline stores them).
    private let storesListens: Bool
    /// Which stages are baselines standing in for a model stage (silent while it answers).
    private let modelStages: [Int]

    /// The batch the stages write into; its ``StageBatch/write`` is what the committer stores.
    let batch: StageBatch
    private var decoded: [DecodedRecord] = []
    private var events: [StageEvent] = []
    private var userIDs: [String] = []
    private var trackIDs: [String] = []
    /// Next offset per (topic index, partition), packed into one integer key (no string hashing per record).
    private var nextOffsets: [Int64: Int64] = [:]
    private var firstOffsetByKey: [Int64: Int64] = [:]
    /// The first offset of each partition in the last processed batch (where to rewind it to
    /// when SQLite holds no offset for the partition yet).
    private(set) var firstOffsets: [TopicPartition: Int64] = [:]
    private let deadLetterTopic: String

    private enum DecodedRecord {
        case listen(ListenEvent, SourcePosition, userSlot: Int, trackSlot: Int)
        case notification(NotificationEvent, SourcePosition, userSlot: Int)
        case request(NotificationRequest, SourcePosition, userSlot: Int)
        case track(TrackMetadata, trackSlot: Int)
    }

    var write: BatchWrite { batch.write }
    var summary: BatchSummary { batch.summary }

    init(
        definition: PipelineDefinition, store: EncoreStore, users: IdentifierMap, tracks: IdentifierMap,
        topicPrefix: String, clock: EventClock, generations: ModelGenerations = ModelGenerations(), logger: Logger
    ) throws {
        self.definition = definition
        self.store = store
        self.users = users
        self.tracks = tracks
        self.topicPrefix = topicPrefix
        self.clock = clock
        self.logger = logger
        self.generations = generations
        // Registry → generations: a model no one installed yet is loaded from the store, so the
        // stages start with what the registry serves (docs/ARCHITECTURE.md, "Model generations").
        let loaders = definition.stages.flatMap(\.generationLoaders)
        for model in try generations.installStored(loaders, from: store, onlyMissing: true) {
            logger.info("model generation loaded", metadata: ["generation": "\(model)"])
        }
        let setup = StageSetup(store: store, users: users, tracks: tracks, topicPrefix: topicPrefix, logger: logger)
        stages = try definition.stages.map { try $0.makeStage(setup) }
        storesListens = definition.stages.contains(where: \.storesListenHistory)
        modelStages = definition.stages.indices.filter { definition.stages[$0].servesRetrainedModel }
        batch = StageBatch(groupID: definition.consumerGroup, store: store, tracks: tracks, topicPrefix: topicPrefix)
        deadLetterTopic = EncoreTopic.deadLetters.name(prefix: topicPrefix)
        try reloadState()
    }

    /// Reads every stage's state back from the store.
    func reloadState() throws(StoreError) {
        for stage in stages { try stage.reload(from: store) }
    }

    /// Processes a batch: produces every output (not yet flushed) and fills ``write``.
    func process(_ consumed: ConsumedBatch, producer: KafkaProducer) throws {
        // A generation installed since the last batch applies from this batch on, whole.
        let version = generations.version
        if version != seenGenerations {
            seenGenerations = version
            for stage in stages { stage.install(from: generations) }
        }
        batch.begin(
            producer: producer, recordedMs: clock.nowMs, modelAnswers: modelStages.contains { stages[$0].isAnswering })
        decoded.removeAll(keepingCapacity: true)
        events.removeAll(keepingCapacity: true)
        userIDs.removeAll(keepingCapacity: true)
        trackIDs.removeAll(keepingCapacity: true)
        nextOffsets.removeAll(keepingCapacity: true)
        firstOffsetByKey.removeAll(keepingCapacity: true)

        // Pass 1: decode and validate; dead-letter what is bad.
        let topicOfIndex: [EncoreTopic?] = consumed.topics.map { EncoreTopic(name: $0, prefix: topicPrefix) }
        for record in consumed.records {
            let position = SourcePosition(partition: record.partition, offset: record.offset)
            let key = Int64(record.topicIndex) << 32 | Int64(UInt32(bitPattern: record.partition))
            nextOffsets[key] = max(nextOffsets[key] ?? 0, record.offset + 1)
            firstOffsetByKey[key] = min(firstOffsetByKey[key] ?? record.offset, record.offset)
            let topic = topicOfIndex[Int(record.topicIndex)]
            let outcome: Result<DecodedRecord, EventRejection> = consumed.withValue(of: record) { bytes in
                decode(bytes, topic: topic, position: position)
            }
            switch outcome {
            case .success(let event): decoded.append(event)
            case .failure(let rejection):
                try deadLetter(
                    consumed: consumed, record: record, topic: consumed.topics[Int(record.topicIndex)],
                    rejection: rejection, producer: producer
                )
            }
        }

        // Ids: new ones are stored before anything refers to them.
        let userIndices = try users.resolve(userIDs)
        let trackIndices = try tracks.resolve(trackIDs)

        // Pass 2: the history rows, and the events as the stages see them.
        var lastEventMs: Int64?
        func note(_ timestampMs: Int64) { lastEventMs = max(lastEventMs ?? timestampMs, timestampMs) }
        for record in decoded {
            switch record {
            case .listen(let listen, let position, let userSlot, let trackSlot):
                let user = userIndices[userSlot], item = trackIndices[trackSlot]
                if storesListens {
                    batch.write.listens.append(
                        ListenRow(user: UserIndex(user), item: ItemIndex(item), event: listen, position: position))
                }
                events.append(.listen(listen, user: user, item: item, position: position))
                note(listen.timestampMs)
            case .notification(let event, let position, let userSlot):
                let user = userIndices[userSlot]
                batch.write.notificationEvents.append(
                    NotificationEventRow(user: UserIndex(user), event: event, position: position))
                events.append(.notification(event, user: user, position: position))
                note(event.timestampMs)
            case .request(let request, let position, let userSlot):
                events.append(.request(request, user: userIndices[userSlot], position: position))
                note(request.timestampMs)
            case .track(let metadata, let trackSlot):
                let item = trackIndices[trackSlot]
                batch.write.tracks.append(TrackRow(item: ItemIndex(item), metadata: metadata))
                events.append(.track(metadata, item: item))
            }
        }
        batch.summary.applied = decoded.count
        batch.summary.lastEventMs = lastEventMs

        // The stages, in the definition's order; then what they touched joins the write.
        for stage in stages { try stage.process(events, in: batch) }
        for stage in stages { stage.commitState(to: batch) }

        firstOffsets.removeAll(keepingCapacity: true)
        for (key, next) in nextOffsets {
            let topic = consumed.topics[Int(key >> 32)]
            let partition = Int32(truncatingIfNeeded: key)
            batch.write.offsets.append(OffsetRow(topic: topic, partition: partition, nextOffset: next))
            firstOffsets[TopicPartition(topic: topic, partition: partition)] = firstOffsetByKey[key]
        }
    }

    /// The batch failed: forget its effects by reloading state from the store.
    func discard() throws(StoreError) {
        batch.forgetUncommitted()
        try reloadState()
    }

    // MARK: Steps

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
        consumed: ConsumedBatch, record: ConsumedRecord, topic: String, rejection: EventRejection,
        producer: KafkaProducer
    ) throws {
        let id = StableHash.hex("dead-letter", topic, String(record.partition), String(record.offset))
        let key = consumed.key(of: record)
        let value = consumed.value(of: record)
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
            topic: deadLetterTopic, key: key, value: value, headers: headers,
            timestampMs: record.timestampMs >= 0 ? record.timestampMs : nil
        )
        batch.write.deadLetters.append(DeadLetterRow(
            deadLetterID: id, topic: topic, position: SourcePosition(partition: record.partition, offset: record.offset),
            reason: rejection.code, detail: rejection.detail, key: key, value: value
        ))
        batch.summary.deadLetters += 1
        logger.debug("dead letter", metadata: [
            "topic": "\(topic)", "partition": "\(record.partition)", "offset": "\(record.offset)",
            "reason": "\(rejection.code)",
        ])
    }
}
