import EncoreCore
import EncorePipeline

extension SequenceStage.Settings: StageDefinition {
    public static let typeName = "rnn"

    /// Reads a `type: rnn` stage of a pipeline definition.
    public static func parse(_ field: YAMLField) throws(ConfigurationError) -> Self {
        try field.requireMapping(allowedKeys: [
            "type", "top_k", "debounce_seconds", "exclude_recent", "wave_size", "scoring_threads", "retrieval",
            "recall_sample_every",
        ])
        var settings = Self()
        settings.topK = try field["top_k"].integer(in: 1...1000, default: settings.topK)
        settings.debounce = .seconds(try field["debounce_seconds"].integer(in: 0...604_800, default: 600))
        settings.excludeRecent = try field["exclude_recent"].integer(
            in: 0...SequenceUserState.ringCapacity, default: settings.excludeRecent)
        settings.maximumWave = try field["wave_size"].integer(in: 1...4096, default: settings.maximumWave)
        settings.scoringThreads = try field["scoring_threads"].integer(in: 1...64, default: settings.scoringThreads)
        settings.retrieval = try field["retrieval"].choice(default: settings.retrieval)
        settings.recallSampleEvery = try field["recall_sample_every"].integer(
            in: 0...1_000_000, default: settings.recallSampleEvery)
        return settings
    }

    public var requiredInputs: [EncoreTopic] { [.listens] }
    public var servesRetrainedModel: Bool { true }
    public var generationLoaders: [GenerationLoader] { [MusicGeneration.loader] }

    /// Retrains the graph model and the RNN on the stored listens (``SequenceRetrainStep``).
    public func retrainStep(_ setup: RetrainSetup) throws -> (any RetrainStep)? {
        var options = SequenceRetrainStep.Options(settings: setup.settings)
        options.topicPrefix = setup.topicPrefix
        return try SequenceRetrainStep(
            options: options, store: setup.store, generations: setup.generations, producer: setup.producer,
            logger: setup.logger)
    }

    public func makeStage(_ setup: StageSetup) throws -> any PipelineStage { SequenceStage(settings: self) }
}
