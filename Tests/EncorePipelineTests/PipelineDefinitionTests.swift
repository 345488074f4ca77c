import EncoreCore
import EncorePipeline
import EncoreStages
import Foundation
import Testing

@Suite struct PipelineDefinitionTests {
    /// The repository's own `pipelines/` directory.
    private var pipelinesDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("pipelines").path
    }

    @Test func everyShippedDefinitionValidates() throws {
        let catalog = try PipelineCatalog.load(directory: pipelinesDirectory, registry: .standard)
        #expect(Set(catalog.definitions.map(\.name)) == ["music", "notifications"])
        let music = try #require(catalog.definitions.first { $0.name == "music" })
        #expect(music.inputs == [.listens, .tracks])
        #expect(music.stages.map(\.typeName) == ["rnn", "popularity_baseline"])
        let retrain = try #require(music.retrain)
        #expect(retrain.graphModel == "lightgcn")
        #expect(retrain.everyMinutes > 0 || retrain.everyInteractions > 0)
    }

    @Test func retrainSectionIsReadAndChecked() throws {
        let base = "name: m\ninputs: [listens]\nstages:\n  - type: rnn\n    exclude_recent: 3\n"
        let definition = try PipelineDefinition.parse(
            base + "retrain:\n  every_minutes: 5\n  every_interactions: 0\n  promote_margin: 0.02\n", source: "m.yaml", registry: .standard)
        #expect(definition.retrain?.everyMinutes == 5)
        #expect(definition.retrain?.everyInteractions == 0)
        #expect(definition.retrain?.promoteMargin == 0.02)
        guard let settings = definition.stages.first as? SequenceStage.Settings else {
            Issue.record("not an rnn stage")
            return
        }
        #expect(settings.excludeRecent == 3)
        for (tail, expected) in [
            ("retrain:\n  every_minutes: 0\n  every_interactions: 0\n", "m.yaml:7: retrain: set every_minutes or every_interactions"),
            ("retrain:\n  holdout_fraction: 0.9\n", "m.yaml:7: retrain.holdout_fraction: must be in 0.01...0.5"),
            ("retrain:\n  epochs: 3\n", "m.yaml:7: retrain.epochs: unknown field"),
        ] {
            #expect(throws: ConfigurationError.self) { try PipelineDefinition.parse(base + tail, source: "m.yaml", registry: .standard) }
            do {
                _ = try PipelineDefinition.parse(base + tail, source: "m.yaml", registry: .standard)
            } catch {
                #expect(error.description.hasPrefix(expected), "got: \(error.description)")
            }
        }
        #expect(throws: ConfigurationError.self) {
            try PipelineDefinition.parse(
                "name: m\ninputs: [listens]\nstages:\n  - type: popularity_baseline\nretrain:\n  every_minutes: 5\n",
                source: "m.yaml", registry: .standard)
        }
    }

    @Test(arguments: [
        ("name: x\ninputs: [encore.listens]\nstages:\n  - type: popularity_baseline\n    topk: 3\n",
         "x.yaml:5: stages[0].topk: unknown field (did you mean 'top_k'?)"),
        ("name: x\ninputs: [encore.listens]\nstages:\n  - type: popularity_baseline\n    top_k: -3\n",
         "x.yaml:5: stages[0].top_k: must be in 1...1000, got -3"),
        ("name: x\ninputs: [encore.listens]\nstages:\n  - type: popularity_baseline\n    top_k: many\n",
         "x.yaml:5: stages[0].top_k: must be an integer, got 'many'"),
        ("name: x\ninputs: [encore.listenz]\nstages:\n  - type: popularity_baseline\n",
         "x.yaml:2: inputs[0]: unknown topic 'encore.listenz'"),
        ("name: x\ninputs: [encore.tracks]\nstages:\n  - type: popularity_baseline\n",
         "x.yaml:4: stages[0].type: popularity_baseline needs encore.listens among the inputs"),
        ("name: x\ninputs: [encore.recommendations]\nstages: []\n",
         "x.yaml:2: inputs[0]: encore.recommendations is an output topic"),
        ("inputs: [encore.listens]\nstages:\n  - type: popularity_baseline\n", "x.yaml: name: is required"),
        ("name: x\ninputs: [encore.listens]\nstages:\n  - type: deep_magic\n",
         "x.yaml:4: stages[0].type: unknown stage type 'deep_magic'"),
        ("name: x\ninputs: [encore.notification-requests]\nstages:\n  - type: rule_baseline\n    quiet_hours: {start_hour: 25, end_hour: 7}\n",
         "x.yaml:5: stages[0].quiet_hours.start_hour: must be in 0...23, got 25"),
        ("name: x\ninputs: [encore.listens]\nbatch: {max_records: 0}\nstages:\n  - type: popularity_baseline\n",
         "x.yaml:3: batch.max_records: must be in 1...10000, got 0"),
        ("name: [x\n", "x.yaml: not valid YAML"),
        ("name: x\ninputs: [encore.listens]\nstages:\n  - type: rnn\n    retrieval: faiss\n",
         "x.yaml:5: stages[0].retrieval: must be one of index, exact, got 'faiss'"),
    ])
    func brokenDefinitionsNameTheField(yaml: String, expected: String) {
        do {
            _ = try PipelineDefinition.parse(yaml, source: "x.yaml", registry: .standard)
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.description.hasPrefix(expected), "got: \(error.description)")
        }
    }

    @Test func ruleBaselineSettingsAreRead() throws {
        let definition = try PipelineDefinition.parse("""
            name: n
            inputs: [notification-requests]
            stages:
              - type: rule_baseline
                quiet_hours: {start_hour: 23, end_hour: 6}
                daily_cap: 2
                min_gap_minutes: 30
            """, source: "n.yaml", registry: .standard)
        guard let settings = definition.stages.first as? RuleBaseline.Settings else {
            Issue.record("not a rule baseline")
            return
        }
        #expect(settings.quietStartHour == 23)
        #expect(settings.quietEndHour == 6)
        #expect(settings.dailyCap == 2)
        #expect(settings.minimumGap == .seconds(1800))
        #expect(definition.consumerGroup == "encore-n")
    }

    @Test func rnnScoringSettingsAreRead() throws {
        let definition = try PipelineDefinition.parse("""
            name: m
            inputs: [listens]
            stages:
              - type: rnn
                scoring_threads: 1
                retrieval: exact
                recall_sample_every: 0
            """, source: "m.yaml", registry: .standard)
        let settings = try #require(definition.stages.first as? SequenceStage.Settings)
        #expect(settings.scoringThreads == 1)
        #expect(settings.retrieval == .exact)
        #expect(settings.recallSampleEvery == 0)
        let defaults = try #require(
            try PipelineDefinition.parse("name: m\ninputs: [listens]\nstages:\n  - type: rnn\n", source: "m.yaml", registry: .standard)
                .stages.first as? SequenceStage.Settings)
        #expect(defaults.scoringThreads == 2)
        #expect(defaults.retrieval == .index)
        #expect(defaults.recallSampleEvery == 1000)
    }
}
