import EncoreCore
import EncoreNumerics

/// Everything needed to continue a LightGCN training run exactly where it stopped.
///
/// Unlike a warm start (parameters only, fresh optimizer), resuming from a checkpoint restores
/// E⁽⁰⁾, the Adam moments and step count, and the sampler's generator state, so stopping after
/// epoch e and resuming gives the same parameters as an uninterrupted run (docs/design/lightgcn.md §11.9).
public struct LightGCNCheckpoint: Sendable, Codable, Equatable {
    /// Hyperparameters of the run.
    public var configuration: LightGCNConfiguration
    /// E⁽⁰⁾, (M+N) × d row-major, users first.
    public var egoEmbeddings: [Float]
    /// Adam state.
    public var optimizer: AdamOptimizer
    /// The sampler's generator state.
    public var samplerGenerator: SeededGenerator
    /// Epochs completed so far.
    public var epochsCompleted: Int
    /// Fingerprint of the training matrix the run uses.
    public var dataFingerprint: String
}

extension LightGCNTrainer {
    /// The current state as a checkpoint.
    public func checkpoint() -> LightGCNCheckpoint {
        LightGCNCheckpoint(
            configuration: configuration, egoEmbeddings: Array(ego), optimizer: optimizer,
            samplerGenerator: sampler.generator, epochsCompleted: epochsCompleted,
            dataFingerprint: dataFingerprint)
    }

    /// Resumes a run from a checkpoint on the same training data.
    ///
    /// - Throws: ``ModelError`` if the checkpoint was taken on other data or has the wrong size.
    public convenience init(interactions: SparseMatrix, resuming checkpoint: LightGCNCheckpoint) throws {
        guard checkpoint.dataFingerprint == interactions.fingerprint() else {
            throw ModelError(
                .invalidInput, "checkpoint was taken on other training data (fingerprint \(checkpoint.dataFingerprint))"
            )
        }
        try self.init(interactions: interactions, configuration: checkpoint.configuration)
        guard checkpoint.egoEmbeddings.count == ego.count else {
            throw ModelError(
                .corruptArtifact, "checkpoint has \(checkpoint.egoEmbeddings.count) parameters, expected \(ego.count)")
        }
        restore(checkpoint)
    }
}
