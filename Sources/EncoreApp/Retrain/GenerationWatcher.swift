import EncoreModels
import EncorePipeline
import EncoreStore
import Logging
import ServiceLifecycle

/// Keeps the process's music generation equal to the registry's promoted `rnn` version: loads it
/// at start, and picks up promotions and rollbacks made from outside (`encore models promote`,
/// `encore models rollback`) within ``interval``.
///
/// The retrain cycle installs what it promotes itself; the watcher then finds nothing to do.
public struct GenerationWatcher: Service {
    public let store: EncoreStore
    public let generations: ModelGenerations
    public let logger: Logger
    public var interval: Duration = .seconds(2)

    public init(store: EncoreStore, generations: ModelGenerations, logger: Logger) {
        self.store = store
        self.generations = generations
        self.logger = logger
    }

    /// Installs the promoted generation when it differs from the installed one; returns whether it did.
    @discardableResult
    public func synchronize() throws -> Bool {
        let registry = ModelRegistry(store: store)
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
