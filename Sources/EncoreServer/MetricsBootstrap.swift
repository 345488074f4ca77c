import EncorePipeline
import Metrics
import Prometheus
import Synchronization

/// Bootstraps swift-metrics with a Prometheus factory, once per process.
///
/// Every metric Encore records through swift-metrics (the pipelines' `encore_records_total`,
/// `encore_batch_duration_seconds`, `encore_decision_latency_seconds`, `encore_consumer_lag`, the
/// retrain metrics, the model gauges) ends up in the returned registry, which `/metrics` emits.
/// Must run before the pipelines are created: a metric created earlier stays a no-op.
public enum MetricsBootstrap {
    private static let registry = Mutex<PrometheusCollectorRegistry?>(nil)

    /// The process's Prometheus registry, bootstrapping the metrics system the first time.
    public static func prometheus() -> PrometheusCollectorRegistry {
        registry.withLock { registry in
            if let registry { return registry }
            let created = PrometheusCollectorRegistry()
            var factory = PrometheusMetricsFactory(registry: created)
            // Retrain cycles take minutes, not milliseconds.
            factory.durationHistogramBuckets[RetrainMetrics.durationLabel] = [
                .seconds(1), .seconds(5), .seconds(15), .seconds(30), .seconds(60), .seconds(120), .seconds(300),
                .seconds(600), .seconds(1800), .seconds(3600),
            ]
            MetricsSystem.bootstrap(factory)
            registry = created
            return created
        }
    }
}
