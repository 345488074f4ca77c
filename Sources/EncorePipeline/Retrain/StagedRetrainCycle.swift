import EncoreKafka
import EncoreStore
import Logging

/// A retrain cycle made of the stages' retrain steps, run in order on the scheduler's thread.
///
/// The first step is the cycle's own (the model of the pipeline that declares `retrain:`): its
/// failure fails the cycle and its decision is the cycle's. A later step that fails keeps its
/// serving generation and only adds a note, so one model's trouble never blocks another's.
/// After the steps, every promotion reaches the stages by the one path: registry → generations
/// (``ModelGenerations/installStored(_:from:onlyMissing:)``) → stages between batches.
public struct StagedRetrainCycle: RetrainCycle {
    public let steps: [any RetrainStep]
    public let store: EncoreStore
    public let generations: ModelGenerations
    /// The loaders of every model the process's stages serve.
    public let loaders: [GenerationLoader]
    public let logger: Logger

    public init(
        steps: [any RetrainStep], store: EncoreStore, generations: ModelGenerations, loaders: [GenerationLoader],
        logger: Logger
    ) {
        precondition(!steps.isEmpty, "a retrain cycle needs at least one step")
        self.steps = steps
        self.store = store
        self.generations = generations
        self.loaders = loaders
        self.logger = logger
    }

    /// Makes the cycle from the retrain steps of every stage of `definitions`, the stages of the
    /// pipeline that declares `retrain:` first; `nil` when no pipeline declares it.
    public static func make(
        definitions: [PipelineDefinition], store: EncoreStore, generations: ModelGenerations,
        producer: KafkaProducer?, topicPrefix: String, logger: Logger
    ) throws -> (cycle: StagedRetrainCycle, settings: RetrainSettings)? {
        guard let primary = definitions.first(where: { $0.retrain != nil }), let settings = primary.retrain else {
            return nil
        }
        let setup = RetrainSetup(
            settings: settings, store: store, generations: generations, producer: producer,
            topicPrefix: topicPrefix, logger: logger)
        let ordered = [primary] + definitions.filter { $0.name != primary.name }
        let steps = try ordered.flatMap { definition in try definition.stages.compactMap { try $0.retrainStep(setup) } }
        guard !steps.isEmpty else { return nil }
        let loaders = definitions.flatMap { $0.stages.flatMap(\.generationLoaders) }
        return (
            StagedRetrainCycle(steps: steps, store: store, generations: generations, loaders: loaders, logger: logger),
            settings
        )
    }

    public func run(_ context: RetrainContext) throws -> RetrainOutcome {
        var outcomes: [RetrainStepOutcome] = []
        for (index, step) in steps.enumerated() {
            if context.isCancelled() {
                outcomes.append(.cancelled(step.modelName))
                break
            }
            do {
                let outcome = try step.run(context)
                outcomes.append(outcome)
                if index > 0 { context.progress(outcome.reason) }
            } catch where index > 0 {
                // Another model stands on its own: its failure keeps its serving generation.
                let note = "\(step.modelName) not retrained: \(error)"
                context.progress(note)
                outcomes.append(RetrainStepOutcome(modelName: step.modelName, decision: .kept, reason: note))
            }
        }
        if outcomes.contains(where: { $0.decision == .promoted }) {
            for label in try generations.installStored(loaders, from: store) {
                logger.info("model generation installed", metadata: ["generation": "\(label)"])
            }
        }
        return Self.combine(outcomes)
    }

    /// The cycle's outcome: the first step's decision and metrics, every step's reason, and the
    /// later steps' metrics beside the first's.
    static func combine(_ outcomes: [RetrainStepOutcome]) -> RetrainOutcome {
        guard let first = outcomes.first else {
            return RetrainOutcome(promoted: false, generation: nil, reason: "cancelled: the service is shutting down")
        }
        var candidate = first.candidateMetrics
        var current = first.currentMetrics
        for outcome in outcomes.dropFirst() {
            candidate.merge(outcome.candidateMetrics) { mine, _ in mine }
            current.merge(outcome.currentMetrics) { mine, _ in mine }
        }
        return RetrainOutcome(
            promoted: first.decision == .promoted, generation: first.decision == .promoted ? first.version : nil,
            reason: outcomes.map(\.reason).joined(separator: "; "), candidateMetrics: candidate,
            currentMetrics: current)
    }
}
