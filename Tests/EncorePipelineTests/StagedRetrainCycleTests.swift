import EncoreModels
import EncorePipeline
import EncoreStore
import Logging
import Synchronization
import Testing

/// A retrain cycle of stage steps: the first step's decision is the cycle's, a later step's
/// failure only adds a note, and a promotion reaches the generations only through the registry
/// and the stages' loaders (docs/ARCHITECTURE.md, "Model generations").
@Suite struct StagedRetrainCycleTests {
    struct Probe: ModelGeneration {
        let modelName: String
        let version: Int64
    }

    /// What ran, and how often a loader loaded.
    final class Log: Sendable {
        let steps = Mutex<[String]>([])
        let loads = Mutex(0)
    }

    /// A step that registers a version of its model and promotes it, keeps, or fails.
    struct Step: RetrainStep {
        enum Behaviour { case promote, keep, fail }
        let modelName: String
        let behaviour: Behaviour
        let store: EncoreStore
        let log: Log

        func run(_ context: RetrainContext) throws -> RetrainStepOutcome {
            log.steps.withLock { $0.append(modelName) }
            switch behaviour {
            case .fail:
                throw ModelError(.invalidInput, "\(modelName) exploded")
            case .keep:
                return RetrainStepOutcome(
                    modelName: modelName, decision: .kept, reason: "\(modelName) kept", candidateMetrics: ["\(modelName)_x": 1])
            case .promote:
                let registry = ModelRegistry(store: store)
                let version = try registry.save(name: modelName, metadataJSON: "{}", blob: [1, 2], createdMs: 1)
                _ = try registry.promote(name: modelName, version: version, atMs: 2)
                return RetrainStepOutcome(
                    modelName: modelName, decision: .promoted, version: Int64(version), reason: "\(modelName)@\(version) promoted",
                    candidateMetrics: ["\(modelName)_x": 2])
            }
        }
    }

    static func loader(_ name: String, log: Log) -> GenerationLoader {
        GenerationLoader(modelName: name) { artifact, version in
            log.loads.withLock { $0 += 1 }
            #expect(artifact.blob == [1, 2], "the registry's artifact, not the step's object")
            return Probe(modelName: name, version: version)
        }
    }

    static let context = RetrainContext(trigger: .manual, interactions: 0, progress: { _ in }, isCancelled: { false })

    @Test func promotionsReachTheGenerationsThroughTheRegistryAndTheLoaders() throws {
        let store = try EncoreStore(path: nil)
        let generations = ModelGenerations()
        let log = Log()
        let cycle = StagedRetrainCycle(
            steps: [
                Step(modelName: "alpha", behaviour: .promote, store: store, log: log),
                Step(modelName: "beta", behaviour: .fail, store: store, log: log),
                Step(modelName: "gamma", behaviour: .keep, store: store, log: log),
            ],
            store: store, generations: generations,
            loaders: ["alpha", "beta", "gamma"].map { Self.loader($0, log: log) }, logger: Logger(label: "test"))
        let before = generations.version
        let outcome = try cycle.run(Self.context)

        #expect(log.steps.withLock { $0 } == ["alpha", "beta", "gamma"], "a later step's failure does not stop the others")
        #expect(outcome.promoted && outcome.generation == 1)
        #expect(outcome.reason == "alpha@1 promoted; beta not retrained: \(ModelError(.invalidInput, "beta exploded")); gamma kept")
        #expect(outcome.candidateMetrics == ["alpha_x": 2, "gamma_x": 1])
        #expect(generations.current(Probe.self, named: "alpha")?.version == 1)
        #expect(generations.current(named: "beta") == nil && generations.current(named: "gamma") == nil)
        #expect(generations.version > before)
        #expect(log.loads.withLock { $0 } == 1)

        // Nothing new promoted: nothing is loaded again.
        _ = try StagedRetrainCycle(
            steps: [Step(modelName: "alpha", behaviour: .keep, store: store, log: log)], store: store,
            generations: generations, loaders: [Self.loader("alpha", log: log)], logger: Logger(label: "test")
        ).run(Self.context)
        #expect(log.loads.withLock { $0 } == 1)
    }

    @Test func theFirstStepsFailureFailsTheCycle() throws {
        let store = try EncoreStore(path: nil)
        let log = Log()
        let cycle = StagedRetrainCycle(
            steps: [
                Step(modelName: "alpha", behaviour: .fail, store: store, log: log),
                Step(modelName: "beta", behaviour: .promote, store: store, log: log),
            ],
            store: store, generations: ModelGenerations(), loaders: [], logger: Logger(label: "test"))
        #expect(throws: ModelError.self) { try cycle.run(Self.context) }
        #expect(log.steps.withLock { $0 } == ["alpha"])
    }
}
