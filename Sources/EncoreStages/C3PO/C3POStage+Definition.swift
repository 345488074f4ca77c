import EncoreCore
import EncoreModels
import EncorePipeline

extension C3POStage.Settings: StageDefinition {
    public static let typeName = "c3po"

    /// Reads a `type: c3po` stage of a pipeline definition.
    public static func parse(_ field: YAMLField) throws(ConfigurationError) -> C3POStage.Settings {
        try field.requireMapping(allowedKeys: [
            "type", "model", "quiet_hours", "utc_offset_hours", "daily_cap", "min_gap_minutes", "max_delay_hours",
            "suppress_threshold", "send_now_tolerance",
        ])
        var settings = C3POStage.Settings()
        settings.modelName = try field["model"].string(default: settings.modelName)
        let quiet = field["quiet_hours"]
        if quiet.isPresent {
            try quiet.requireMapping(allowedKeys: ["start_hour", "end_hour"])
            settings.policy.quietStartHour = try quiet["start_hour"].integer(in: 0...23)
            settings.policy.quietEndHour = try quiet["end_hour"].integer(in: 0...23)
        }
        settings.policy.utcOffsetHours = try field["utc_offset_hours"].integer(in: -12...14, default: 0)
        settings.policy.dailyCap = try field["daily_cap"].integer(in: 1...100, default: settings.policy.dailyCap)
        settings.policy.minimumGap = .seconds(60 * (try field["min_gap_minutes"].integer(in: 0...1440, default: 60)))
        settings.policy.maximumDelay = .seconds(3600 * (try field["max_delay_hours"].integer(in: 1...24, default: 24)))
        settings.policy.suppressThreshold = try field["suppress_threshold"].double(
            in: 0...1, default: settings.policy.suppressThreshold)
        settings.policy.sendNowTolerance = try field["send_now_tolerance"].double(
            in: 0...1, default: settings.policy.sendNowTolerance)
        return settings
    }

    public var requiredInputs: [EncoreTopic] { [.notificationRequests] }
    public var exclusiveOutput: String? { "decide notification requests" }
    /// Listens feed only the activity features; the music pipeline stores them.
    public var storesListenHistory: Bool { false }
    public var servesRetrainedModel: Bool { true }
    public var generationLoaders: [GenerationLoader] { [TimingGeneration.loader(modelName: modelName)] }

    /// Retrains the open predictor on the stored sends and feedback (``TimingRetrainStep``).
    public func retrainStep(_ setup: RetrainSetup) throws -> (any RetrainStep)? {
        TimingRetrainStep(
            store: setup.store, generations: setup.generations, holdoutFraction: setup.settings.holdoutFraction,
            promoteMargin: setup.settings.promoteMargin)
    }

    public func makeStage(_ setup: StageSetup) throws -> any PipelineStage { C3POStage(settings: self) }
}
