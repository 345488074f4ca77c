import EncoreStore
import Metrics

/// The model gauges, set from the registry whenever `/metrics` is scraped:
///
/// - `encore_model_generation{model}`: version of the promoted generation of each model name;
/// - `encore_model_age_seconds{model}`: wall time since that generation was created;
/// - `encore_model_metric{model,metric}`: its evaluation metrics (from the metadata).
enum ModelGauges {
    static func update(_ generations: [GenerationSummary], nowMs: Int64) {
        for generation in generations where generation.status == .promoted {
            let model = [("model", generation.name)]
            Gauge(label: "encore_model_generation", dimensions: model).record(generation.version)
            Gauge(label: "encore_model_age_seconds", dimensions: model)
                .record(Double(max(0, nowMs - generation.createdMs)) / 1000)
            for metric in generation.metrics {
                Gauge(label: "encore_model_metric", dimensions: [("model", generation.name), ("metric", metric.name)])
                    .record(metric.value)
            }
        }
    }
}
