import EncoreModels
import EncorePipeline
import EncoreStore
import EncoreTraining
import Logging
import ServiceLifecycle
import Synchronization

/// Keeps the process's music generation equal to the registry's promoted `rnn` version: loads it
/// at start, and picks up promotions and rollbacks made from outside (`encore models promote`,
/// `encore models rollback`) within ``interval``.
///
/// The retrain cycle installs what it promotes itself; the watcher then finds nothing to do.
public final class GenerationWatcher: Service, Sendable {
    public let store: EncoreStore
    public let generations: ModelGenerations
    public let logger: Logger
    public let interval: Duration
    /// The promoted c3po version seen last (the stage loads the one promoted at start itself).
    private let seenTiming = Mutex<Int?>(nil)

    public init(store: EncoreStore, generations: ModelGenerations, logger: Logger, interval: Duration = .seconds(2)) {
        self.interval = interval
        self.store = store
        self.generations = generations
        self.logger = logger
    }

    /// Installs the promoted generations when they differ from the installed ones; returns
    /// whether the music generation changed.
    @discardableResult
    public func synchronize() throws -> Bool {
        let registry = ModelRegistry(store: store)
        let promotedTiming = try registry.list(name: TimingPredictor.modelName).first(where: { $0.status == "promoted" })
        let previous = seenTiming.withLock { seen in
            defer { seen = promotedTiming?.version ?? 0 }
            return seen
        }
        // At start (previous nil) the stage loads the promoted predictor itself; afterwards a
        // different promoted version (promote, rollback, a retrain cycle) is installed here.
        if let promoted = promotedTiming, let previous, previous != promoted.version,
            generations.currentTiming?.version != promoted.version
        {
            let artifact = try ArtifactRegistry(store: store).load(name: TimingPredictor.modelName, version: promoted.version)
            generations.install(timing: try TimingPredictor(artifact: artifact), version: promoted.version)
            logger.info("c3po generation installed", metadata: ["generation": "c3po@\(promoted.version)"])
        }
        guard let promoted = try registry.list(name: SequenceModel.modelName).first(where: { $0.status == "promoted" })
        else { return false }
        if generations.currentMusic?.id == Int64(promoted.version) { return false }
        let artifact = try ArtifactRegistry(store: store).load(name: SequenceModel.modelName, version: promoted.version)
        let model = try SequenceModel(artifact: artifact)
        generations.install(MusicGeneration(id: Int64(promoted.version), model: model, embeddingSource: model.items.source))
        logger.info("music generation installed", metadata: [
            "generation": "\(SequenceModel.modelName)@\(promoted.version)", "embeddings": "\(model.items.source)",
        ])
        return true
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try synchronize()
            } catch {
                logger.warning("could not load the promoted music generation", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
