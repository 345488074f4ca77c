import EncorePipeline
import EncoreStore
import Prometheus

/// The live parts of the service the routes read: nothing on the status page or in a health
/// answer comes from anywhere else.
public struct ServerDependencies: Sendable {
    public var configuration: ServerConfiguration
    public var store: EncoreStore
    /// The status of every pipeline of the service (``PipelineRunner/status``).
    public var pipelineStatuses: @Sendable () -> [PipelineStatus]
    public var recommendations: any RecommendationSource
    public var retrain: any RetrainTrigger
    /// The `model` readiness check: whether a generation is loaded and serving.
    public var modelCheck: @Sendable () -> ReadinessReport.Check
    public var history: StatusHistory
    /// The Prometheus registry the metrics factory writes to (``MetricsBootstrap``).
    public var metrics: PrometheusCollectorRegistry
    /// Wall time the service started (Unix ms).
    public var startedWallMs: Int64

    public init(
        configuration: ServerConfiguration, store: EncoreStore,
        pipelineStatuses: @escaping @Sendable () -> [PipelineStatus],
        recommendations: any RecommendationSource, retrain: any RetrainTrigger = NoRetrainScheduler(),
        modelCheck: @escaping @Sendable () -> ReadinessReport.Check, metrics: PrometheusCollectorRegistry
    ) {
        self.configuration = configuration
        self.store = store
        self.pipelineStatuses = pipelineStatuses
        self.recommendations = recommendations
        self.retrain = retrain
        self.modelCheck = modelCheck
        self.history = StatusHistory(capacity: configuration.historyCapacity)
        self.metrics = metrics
        startedWallMs = WallTime.nowMs()
    }

    /// The model check of a service whose streaming stages are the baselines: they are rebuilt
    /// from the store when the pipelines start, so a model is loaded once every pipeline runs.
    ///
    /// - Parameter baseline: the name the baseline's answers carry (e.g. `popularity@1`).
    public static func baselineModelCheck(
        _ statuses: @escaping @Sendable () -> [PipelineStatus], baseline: String
    ) -> @Sendable () -> ReadinessReport.Check {
        {
            let pipelines = statuses()
            let loading = pipelines.filter { $0.state == .starting }.map(\.pipeline)
            guard !pipelines.isEmpty, loading.isEmpty else {
                return .init(
                    name: "model", ok: false,
                    detail: pipelines.isEmpty
                        ? "no pipelines" : "baselines loading in \(loading.joined(separator: ", "))"
                )
            }
            return .init(name: "model", ok: true, detail: "baselines loaded (\(baseline))")
        }
    }
}
