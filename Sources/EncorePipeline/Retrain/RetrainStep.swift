import EncoreKafka
import EncoreStore
import Logging

/// One stage's part of a retrain cycle: train a candidate of the stage's model on the stored
/// history, judge it against the serving generation on the same holdout, and promote it in the
/// model registry only if it is not worse (docs/ARCHITECTURE.md, "The path of one retrain
/// cycle").
///
/// A step never installs anything itself: ``StagedRetrainCycle`` installs what the registry now
/// promotes through the stages' ``GenerationLoader``s, the one path every generation takes.
public protocol RetrainStep: Sendable {
    /// The registry name of the model the step retrains.
    var modelName: String { get }
    /// Runs the step to the end (blocking, on the scheduler's thread).
    func run(_ context: RetrainContext) throws -> RetrainStepOutcome
}

/// What a stage definition gets to make its retrain step.
public struct RetrainSetup: Sendable {
    /// The `retrain:` settings of the pipeline that declares them.
    public var settings: RetrainSettings
    public var store: EncoreStore
    /// The process's generations (read the serving one; installation is the cycle's).
    public var generations: ModelGenerations
    /// For steps that publish (e.g. item embeddings to `encore.item-embeddings`); `nil`: do not.
    public var producer: KafkaProducer?
    public var topicPrefix: String
    public var logger: Logger

    public init(
        settings: RetrainSettings, store: EncoreStore, generations: ModelGenerations, producer: KafkaProducer?,
        topicPrefix: String, logger: Logger
    ) {
        self.settings = settings
        self.store = store
        self.generations = generations
        self.producer = producer
        self.topicPrefix = topicPrefix
        self.logger = logger
    }
}

/// How one retrain step ended.
public struct RetrainStepOutcome: Sendable, Equatable {
    /// What the step decided.
    public enum Decision: String, Sendable, Equatable {
        /// The candidate was promoted in the registry (``version``).
        case promoted
        /// The serving generation was kept: the candidate was worse.
        case kept
        /// Nothing was trained (too little data for this model).
        case skipped
        /// The service is shutting down; nothing changed.
        case cancelled
    }

    public var modelName: String
    public var decision: Decision
    /// The promoted registry version.
    public var version: Int64?
    /// Why, in words (shown on the status page and in the logs).
    public var reason: String
    /// Holdout metrics of the candidate and of the serving generation (same holdout, same run).
    public var candidateMetrics: [String: Double]
    public var currentMetrics: [String: Double]

    public init(
        modelName: String, decision: Decision, version: Int64? = nil, reason: String,
        candidateMetrics: [String: Double] = [:], currentMetrics: [String: Double] = [:]
    ) {
        self.modelName = modelName
        self.decision = decision
        self.version = version
        self.reason = reason
        self.candidateMetrics = candidateMetrics
        self.currentMetrics = currentMetrics
    }

    public static func cancelled(_ modelName: String) -> RetrainStepOutcome {
        RetrainStepOutcome(modelName: modelName, decision: .cancelled, reason: "cancelled: the service is shutting down")
    }
}
