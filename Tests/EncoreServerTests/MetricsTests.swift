import EncoreKafka
import EncorePipeline
import EncoreStages
import EncoreServer
import EncoreStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@Suite(.timeLimit(.minutes(2))) struct MetricsTests {
    @Test func metricsExposeThePipelineModelAndRetrainNames() async throws {
        let fixture = try ServerFixture(seed: 21)
        let dependencies = fixture.dependencies()  // bootstraps Prometheus before the runner's metrics exist
        // A real runner creates its metrics when it is made (it never starts here).
        let definition = try PipelineDefinition.parse(
            """
            name: metrics-probe
            consumer_group: encore-metrics-probe
            inputs: [encore.listens]
            stages:
              - type: popularity_baseline
            """, source: "probe.yaml", registry: .standard
        )
        let environment = PipelineEnvironment(
            store: fixture.store, users: fixture.users, tracks: fixture.tracks,
            kafka: KafkaClientConfiguration(bootstrapServers: "127.0.0.1:1")
        )
        _ = PipelineRunner(definition: definition, environment: environment, logger: Logger(label: "test"))
        RetrainMetrics().record(.rejected, duration: .seconds(42))
        let registry = ModelRegistry(store: fixture.store)
        let name = "metrics-probe-model"
        _ = try registry.save(name: name, metadataJSON: #"{"metrics":{"recall@20":0.25}}"#, blob: [0], createdMs: 0)
        let second = try registry.save(
            name: name, metadataJSON: #"{"metrics":{"recall@20":0.375}}"#, blob: [0], createdMs: 1
        )
        try registry.promote(name: name, version: second, atMs: 2)

        let application = Application(router: EncoreRouter.build(dependencies))
        try await application.test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response throws in
                #expect(response.status == .ok)
                let text = String(buffer: response.body)
                let pipeline = "pipeline=\"metrics-probe\""
                for expected in [
                    "encore_records_total{\(pipeline),outcome=\"applied\"} 0",
                    "encore_records_total{\(pipeline),outcome=\"dead_letter\"} 0",
                    "encore_batch_duration_seconds_bucket{\(pipeline),le=",
                    "encore_decision_latency_seconds_count{\(pipeline)} 0",
                    "encore_consumer_lag{\(pipeline)}",
                    "encore_retrain_duration_seconds_bucket{outcome=\"rejected\",le=\"60.0\"}",
                    "encore_retrain_cycles_total{outcome=\"rejected\"}",
                    "encore_model_generation{model=\"\(name)\"} \(Double(second))",
                    "encore_model_metric{model=\"\(name)\",metric=\"recall@20\"} 0.375",
                    "encore_model_age_seconds{model=\"\(name)\"}",
                ] {
                    #expect(text.contains(expected), "missing \(expected)")
                }
            }
        }
    }
}
