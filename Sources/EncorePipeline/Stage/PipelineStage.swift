import EncoreCore
import EncoreStore
import Logging

/// One processing stage of a pipeline: it keeps per-user state, reads a batch's decoded events,
/// adds outputs and state rows to the batch, and takes new model generations between batches.
///
/// The batch hub (``PipelineRunner``'s processor) owns everything that is the same for every
/// stage — decoding, dead letters, id resolution, duplicate requests, offsets and the commit — and
/// calls its stages in the order the pipeline definition lists them (docs/ARCHITECTURE.md, "The
/// path of one record"). A stage runs on its pipeline's thread only; it is created by its
/// ``StageDefinition`` and never shared.
///
/// State discipline: a stage mutates its in-memory state while it processes a batch, hands the
/// touched users' states to the batch in ``commitState(to:)``, and on ``reload(from:)`` throws
/// every uncommitted change away by reading SQLite back (a failed batch leaves no trace).
public protocol PipelineStage: AnyObject {
    /// Replaces the in-memory state with what the store holds (start, and after a failed batch).
    func reload(from store: EncoreStore) throws(StoreError)

    /// Takes the current generations of the models this stage serves. Called before the first
    /// batch and between batches whenever a generation was installed, never during a batch, so a
    /// batch never mixes two generations.
    func install(from generations: ModelGenerations)

    /// Whether the stage answers now; a model stage without a generation does not, and a
    /// baseline of the same pipeline then answers in its place (``StageBatch/modelAnswers``).
    var isAnswering: Bool { get }

    /// Processes one batch's decoded events, in stream order, adding outputs to `batch`.
    ///
    /// - Throws: only what the batch cannot survive (a failed produce, an unreadable store): the
    ///   hub then discards the batch, reloads every stage and consumes it again.
    func process(_ events: [StageEvent], in batch: StageBatch) throws

    /// Appends the states the batch touched to ``StageBatch/write`` and starts a new touched set.
    func commitState(to batch: StageBatch)

    /// The stage's own counters since start (e.g. how its recommendations were found), shown in
    /// ``PipelineStatus/stageCounters``; read on the pipeline thread between batches.
    var counters: [String: Int] { get }
}

extension PipelineStage {
    public func install(from generations: ModelGenerations) {}
    public var isAnswering: Bool { true }
    public var counters: [String: Int] { [:] }
}

/// One decoded input event with its dense ids, as the stages see it.
public enum StageEvent: Sendable {
    /// A listen (`encore.listens`): dense user and item, and where it was consumed.
    case listen(ListenEvent, user: Int32, item: Int32, position: SourcePosition)
    /// Notification feedback (`encore.notification-events`).
    case notification(NotificationEvent, user: Int32, position: SourcePosition)
    /// A request to decide (`encore.notification-requests`).
    case request(NotificationRequest, user: Int32, position: SourcePosition)
    /// Track metadata (`encore.tracks`).
    case track(TrackMetadata, item: Int32)
}

/// What a stage gets when it is created: the shared store and id maps, the deployment's topic
/// prefix and a logger carrying the pipeline's name.
public struct StageSetup: Sendable {
    public var store: EncoreStore
    public var users: IdentifierMap
    public var tracks: IdentifierMap
    /// Prepended to every topic name (empty in production).
    public var topicPrefix: String
    public var logger: Logger

    public init(store: EncoreStore, users: IdentifierMap, tracks: IdentifierMap, topicPrefix: String, logger: Logger) {
        self.store = store
        self.users = users
        self.tracks = tracks
        self.topicPrefix = topicPrefix
        self.logger = logger
    }
}
