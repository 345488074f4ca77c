import EncoreCore
import EncorePipeline

extension PopularityBaseline.Settings: StageDefinition {
    public static let typeName = "popularity_baseline"

    /// Reads a `type: popularity_baseline` stage of a pipeline definition.
    public static func parse(_ field: YAMLField) throws(ConfigurationError) -> Self {
        try field.requireMapping(allowedKeys: ["type", "top_k", "debounce_seconds", "exclude_recent", "half_life_hours"])
        var settings = Self()
        settings.topK = try field["top_k"].integer(in: 1...1000, default: settings.topK)
        settings.debounce = .seconds(try field["debounce_seconds"].integer(in: 0...604_800, default: 600))
        settings.excludeRecent = try field["exclude_recent"].integer(
            in: 0...MusicUserState.maximumRecent, default: settings.excludeRecent)
        settings.halfLifeHours = try field["half_life_hours"].double(in: 0.01...100_000, default: settings.halfLifeHours)
        return settings
    }

    public var requiredInputs: [EncoreTopic] { [.listens] }

    public func makeStage(_ setup: StageSetup) throws -> any PipelineStage { PopularityBaseline(settings: self) }
}
