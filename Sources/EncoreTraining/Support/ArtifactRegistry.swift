import EncoreModels
import EncoreStore
import Foundation

/// Keeps model artifacts in the store's model registry, where the pipelines load them from.
///
/// A generation is stored under its model name with the artifact's metadata JSON and Float32
/// blob unchanged, so loading returns the exact artifact that was saved.
public struct ArtifactRegistry: Sendable {
    public let registry: ModelRegistry

    public init(store: EncoreStore) { registry = ModelRegistry(store: store) }

    /// Saves an artifact as the next version of its model; returns `name@version`.
    @discardableResult
    public func save(_ artifact: ModelArtifact, status: ModelStatus = .candidate) throws -> String {
        let header = try artifact.header()
        let version = try registry.save(
            name: header.modelName, metadataJSON: artifact.metadataJSON, blob: artifact.blob,
            createdMs: Int64(Date().timeIntervalSince1970 * 1000), status: status
        )
        return "\(header.modelName)@\(version)"
    }

    /// Loads `name` at `version` (the latest when nil).
    public func load(name: String, version: Int? = nil) throws -> ModelArtifact {
        let (entry, blob) = try registry.load(name: name, version: version)
        return ModelArtifact(metadataJSON: entry.metadataJSON, blob: blob)
    }
}
