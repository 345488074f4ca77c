import EncoreStore
import Logging
import ServiceLifecycle

/// Keeps the process's generations equal to the registry's promoted versions, for every model a
/// stage of the process serves: loads them at start, and picks up promotions and rollbacks made
/// from outside (`encore models promote`, `encore models rollback`) within ``interval``.
///
/// The retrain scheduler installs what it promotes itself; the watcher then finds nothing to do.
public final class GenerationWatcher: Service, Sendable {
    public let store: EncoreStore
    public let generations: ModelGenerations
    public let loaders: [GenerationLoader]
    public let logger: Logger
    public let interval: Duration

    public init(
        store: EncoreStore, generations: ModelGenerations, loaders: [GenerationLoader], logger: Logger,
        interval: Duration = .seconds(2)
    ) {
        self.interval = interval
        self.store = store
        self.generations = generations
        self.loaders = loaders
        self.logger = logger
    }

    /// Installs the promoted generations that differ from the installed ones; returns the labels
    /// of those installed.
    @discardableResult
    public func synchronize() throws -> [String] {
        let installed = try generations.installStored(loaders, from: store)
        for label in installed { logger.info("model generation installed", metadata: ["generation": "\(label)"]) }
        return installed
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try synchronize()
            } catch {
                logger.warning("could not load a promoted generation", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
