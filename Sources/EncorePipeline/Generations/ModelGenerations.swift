import EncoreModels
import EncoreStore
import Synchronization

/// One immutable generation of a model a stage serves (the RNN and its item embeddings, the
/// C-3PO predictor, …), installed into ``ModelGenerations`` under its ``modelName``.
public protocol ModelGeneration: Sendable {
    /// The registry name of the model (`rnn`, `c3po`, …).
    var modelName: String { get }
    /// The registry version (monotonic per model).
    var version: Int64 { get }
}

extension ModelGeneration {
    /// The name outputs carry: `MODEL@VERSION`.
    public var label: String { "\(modelName)@\(version)" }
}

/// The current model generations of the process, one per model name, swapped by read-copy-update.
///
/// Every model kind reaches the stages the same way (docs/ARCHITECTURE.md, "Model generations"):
/// the registry holds the promoted version; ``GenerationWatcher`` (and, at start, the batch hub)
/// loads it with the stage definition's ``GenerationLoader`` and installs it here; each pipeline
/// thread compares the cheap ``version`` at the start of a batch and hands the generations to its
/// stages between batches, so a batch never sees two generations. Readers on other threads (the
/// HTTP API) take the same immutable snapshot.
public final class ModelGenerations: Sendable {
    private let current = Mutex<[String: any ModelGeneration]>([:])
    private let counter = Atomic<Int>(0)

    public init() {}

    /// Installs a generation; pipelines use it from their next batch on.
    public func install(_ generation: any ModelGeneration) {
        current.withLock { $0[generation.modelName] = generation }
        counter.add(1, ordering: .releasing)
    }

    /// The installed generation of `modelName`, if any.
    public func current(named modelName: String) -> (any ModelGeneration)? { current.withLock { $0[modelName] } }

    /// The installed generation of `modelName` as its concrete type, if any.
    public func current<Generation: ModelGeneration>(_ type: Generation.Type, named modelName: String) -> Generation? {
        current(named: modelName) as? Generation
    }

    /// Every installed generation, by model name.
    public var all: [String: any ModelGeneration] { current.withLock { $0 } }

    /// Changes whenever any generation is installed.
    public var version: Int { counter.load(ordering: .acquiring) }

    /// Installs, for each loader, the registry's promoted version when it differs from the
    /// installed one (or, with ``GenerationLoader/fallsBackToNewest``, the newest version while
    /// none is promoted and none is installed).
    ///
    /// - Parameter onlyMissing: load only models that have no installed generation yet.
    /// - Returns: the labels of the generations installed.
    @discardableResult
    public func installStored(_ loaders: [GenerationLoader], from store: EncoreStore, onlyMissing: Bool = false) throws
        -> [String]
    {
        let registry = ModelRegistry(store: store)
        var installed: [String] = []
        for loader in loaders {
            let current = current(named: loader.modelName)
            if onlyMissing, current != nil { continue }
            let entries = try registry.list(name: loader.modelName)
            var chosen = entries.first { $0.status == .promoted }
            if chosen == nil, loader.fallsBackToNewest, current == nil { chosen = entries.max { $0.version < $1.version } }
            guard let chosen, current?.version != Int64(chosen.version) else { continue }
            let (entry, blob) = try registry.load(name: loader.modelName, version: chosen.version)
            let generation = try loader.load(ModelArtifact(metadataJSON: entry.metadataJSON, blob: blob), Int64(entry.version))
            install(generation)
            installed.append(generation.label)
        }
        return installed
    }
}

/// How one model's registry artifact becomes a ``ModelGeneration`` (declared by the stage
/// definition that serves it, ``StageDefinition/generationLoaders``).
public struct GenerationLoader: Sendable {
    /// The registry name.
    public var modelName: String
    /// Whether the newest unpromoted version serves while none is promoted (a model trained by
    /// hand into the registry, `encore train --registry`).
    public var fallsBackToNewest: Bool
    /// Builds the generation from the artifact and its version.
    public var load: @Sendable (ModelArtifact, Int64) throws -> any ModelGeneration

    public init(
        modelName: String, fallsBackToNewest: Bool = false,
        load: @escaping @Sendable (ModelArtifact, Int64) throws -> any ModelGeneration
    ) {
        self.modelName = modelName
        self.fallsBackToNewest = fallsBackToNewest
        self.load = load
    }
}
