import EncoreModels
import EncorePipeline
import EncoreStages
import EncoreStore

extension TimingEvaluation {
    /// Loads a saved predictor — the artifact file, else the newest promoted (else newest)
    /// `c3po` of the store's registry — and evaluates it like ``run(_:predictor:emit:)``.
    ///
    /// - Throws: ``ModelError`` with code `.invalidInput` when there is nothing to load.
    public static func evaluateSaved(
        _ options: Options, registryPath: String?, artifactPath: String?, emit: (String) -> Void
    ) throws -> Result {
        let predictor: TimingPredictor
        if let artifactPath {
            predictor = try TimingPredictor(artifact: ModelArtifact(contentsOf: artifactPath))
            emit("loaded \(artifactPath)")
        } else if let registryPath {
            let stage = C3POStage(settings: options.stage)
            guard try stage.loadPredictor(from: EncoreStore(path: registryPath)) != nil, let loaded = stage.predictor else {
                throw ModelError(
                    .invalidInput,
                    "no c3po model in the registry of \(registryPath); run `encore train --model c3po --data sim:SEED --registry \(registryPath)` first")
            }
            predictor = loaded
            emit("loaded \(stage.modelLabel) from \(registryPath)")
        } else {
            throw ModelError(.invalidInput, "give a registry store or an artifact file")
        }
        return try run(options, predictor: predictor, emit: emit)
    }
}
