import EncoreCore
import EncoreKafka
import EncorePipeline
import EncoreServer
import EncoreStages
import EncoreStore
import Logging
import Prometheus
import ServiceLifecycle

/// Everything `encore run` (and the demo) runs in one process, built from the pipeline
/// definitions: one runner per pipeline, the retrain scheduler of the pipeline that declares
/// `retrain:`, the generation watcher (registry → live generation), and the HTTP server.
///
/// ``services`` are in start order; the service group stops them in reverse: the scheduler
/// (a running cycle gives up) and the watcher first, then the pipelines (intake stops, the last
/// batch is committed, producers flush), and the server last, so health and metrics answer while
/// the pipelines drain.
public struct EncoreRuntime: Sendable {
    public let runners: [PipelineRunner]
    public let scheduler: RetrainScheduler?
    public let watcher: GenerationWatcher
    public let server: EncoreHTTPServer?
    public let environment: PipelineEnvironment
    /// The producer the retrain cycle publishes item embeddings with (closed by ``shutdown()``).
    private let embeddingsProducer: KafkaProducer?

    /// - Parameters:
    ///   - http: the server's settings, or `nil` for no server.
    public init(
        definitions: [PipelineDefinition], environment: PipelineEnvironment, http: ServerConfiguration?,
        metrics: PrometheusCollectorRegistry?, logger: Logger
    ) throws {
        self.environment = environment
        runners = definitions.map { PipelineRunner(definition: $0, environment: environment, logger: logger) }
        watcher = GenerationWatcher(
            store: environment.store, generations: environment.generations,
            loaders: definitions.flatMap { $0.stages.flatMap(\.generationLoaders) }, logger: logger)
        // The promoted generation serves from the first batch on.
        try watcher.synchronize()

        // One cycle runs every stage's retrain step (the pipeline declaring `retrain:` first).
        if definitions.contains(where: { $0.retrain != nil }) {
            let producer = try KafkaProducer(
                configuration: ProducerConfiguration(client: environment.kafka), logger: logger)
            embeddingsProducer = producer
            if let (cycle, settings) = try StagedRetrainCycle.make(
                definitions: definitions, store: environment.store, generations: environment.generations,
                producer: producer, topicPrefix: environment.topicPrefix, logger: logger)
            {
                scheduler = RetrainScheduler(settings: settings, store: environment.store, cycle: cycle, logger: logger)
            } else {
                scheduler = nil
            }
        } else {
            scheduler = nil
            embeddingsProducer = nil
        }

        if let http, let metrics {
            let runners = self.runners
            let statuses: @Sendable () -> [PipelineStatus] = { runners.map(\.status) }
            var popularity = PopularityBaseline.Settings()
            for definition in definitions {
                for case let settings as PopularityBaseline.Settings in definition.stages { popularity = settings }
            }
            let generations = environment.generations
            let baselineCheck = ServerDependencies.baselineModelCheck(statuses, baseline: PopularityBaseline.modelName)
            var dependencies = ServerDependencies(
                configuration: http, store: environment.store, pipelineStatuses: statuses,
                recommendations: GenerationRecommendationSource(
                    live: LiveRecommendations(
                        store: environment.store, users: environment.users, tracks: environment.tracks,
                        generations: generations),
                    fallback: PopularityRecommendationSource(
                        store: environment.store, users: environment.users, tracks: environment.tracks,
                        settings: popularity)),
                modelCheck: {
                    if let generation = generations.currentMusic {
                        return .init(name: "model", ok: true, detail: "\(generation.label) (embeddings \(generation.embeddingSource))")
                    }
                    return baselineCheck()
                },
                metrics: metrics)
            if let scheduler { dependencies.retrain = SchedulerRetrainTrigger(scheduler: scheduler) }
            server = EncoreHTTPServer(dependencies: dependencies, logger: logger)
        } else {
            server = nil
        }
    }

    /// In start order (see the type's documentation for the stop order).
    public var services: [ServiceGroupConfiguration.ServiceConfiguration] {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let server { services.append(.init(service: server)) }
        services += runners.map { .init(service: $0) }
        services.append(.init(service: watcher))
        if let scheduler { services.append(.init(service: scheduler)) }
        return services
    }

    /// Closes what the runtime opened beside the services.
    public func shutdown() { embeddingsProducer?.close(timeout: .seconds(10)) }
}

/// `POST /v1/retrain` and `encore retrain --now` ask the scheduler for a cycle.
struct SchedulerRetrainTrigger: RetrainTrigger {
    let scheduler: RetrainScheduler

    func requestRetrain(reason: String) async -> RetrainRequestOutcome {
        let cycles = scheduler.status.cycles
        return scheduler.requestNow() ? .started(cycle: cycles + 1) : .alreadyRunning(cycle: cycles + 1)
    }
}

/// Recommendations from the live RNN state when a generation serves, else from the popularity
/// baseline (what the music pipeline itself does).
public struct GenerationRecommendationSource: RecommendationSource {
    public let live: LiveRecommendations?
    public let fallback: PopularityRecommendationSource

    /// - Parameter live: the RNN's on-demand answers (`nil`: the popularity baseline only).
    public init(live: LiveRecommendations?, fallback: PopularityRecommendationSource) {
        self.live = live
        self.fallback = fallback
    }

    public func recommendations(for user: UserID, k: Int) async throws -> Recommendation? {
        guard let live, live.generations.currentMusic != nil else { return try fallback.recommendation(for: user, k: k) }
        do {
            return try live.recommendation(for: user, k: k)
        } catch LiveRecommendations.Unavailable.unknownUser {
            return nil
        } catch LiveRecommendations.Unavailable.noHistory, LiveRecommendations.Unavailable.noModel {
            return try fallback.recommendation(for: user, k: k)
        }
    }
}
