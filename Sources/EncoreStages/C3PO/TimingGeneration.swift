import EncoreModels
import EncorePipeline

/// One generation of the C-3PO open predictor, as the C-3PO stage takes it from
/// ``ModelGenerations``.
public struct TimingGeneration: ModelGeneration {
    public let predictor: TimingPredictor
    public let version: Int64
    public let modelName: String

    public init(predictor: TimingPredictor, version: Int64, modelName: String = TimingPredictor.modelName) {
        self.predictor = predictor
        self.version = version
        self.modelName = modelName
    }

    /// Loads registry artifacts of `modelName`; a model trained by hand into the registry serves
    /// while none is promoted.
    public static func loader(modelName: String = TimingPredictor.modelName) -> GenerationLoader {
        GenerationLoader(modelName: modelName, fallsBackToNewest: true) { artifact, version in
            TimingGeneration(predictor: try TimingPredictor(artifact: artifact), version: version, modelName: modelName)
        }
    }
}

extension ModelGenerations {
    /// Installs a C-3PO predictor generation; the notification pipeline uses it from its next batch on.
    public func install(timing predictor: TimingPredictor, version: Int) {
        install(TimingGeneration(predictor: predictor, version: Int64(version)))
    }

    /// The installed C-3PO predictor generation, if any.
    public var currentTiming: TimingGeneration? { current(TimingGeneration.self, named: TimingPredictor.modelName) }
}
