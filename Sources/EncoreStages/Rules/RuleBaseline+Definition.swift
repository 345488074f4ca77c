import EncoreCore
import EncorePipeline

extension RuleBaseline.Settings: StageDefinition {
    public static let typeName = "rule_baseline"

    /// Reads a `type: rule_baseline` stage of a pipeline definition.
    public static func parse(_ field: YAMLField) throws(ConfigurationError) -> Self {
        try field.requireMapping(allowedKeys: [
            "type", "quiet_hours", "utc_offset_hours", "daily_cap", "min_gap_minutes", "max_delay_hours",
        ])
        var settings = Self()
        let quiet = field["quiet_hours"]
        if quiet.isPresent {
            try quiet.requireMapping(allowedKeys: ["start_hour", "end_hour"])
            settings.quietStartHour = try quiet["start_hour"].integer(in: 0...23)
            settings.quietEndHour = try quiet["end_hour"].integer(in: 0...23)
        }
        settings.utcOffsetHours = try field["utc_offset_hours"].integer(in: -12...14, default: settings.utcOffsetHours)
        settings.dailyCap = try field["daily_cap"].integer(in: 1...100, default: settings.dailyCap)
        settings.minimumGap = .seconds(60 * (try field["min_gap_minutes"].integer(in: 0...1440, default: 60)))
        settings.maximumDelay = .seconds(3600 * (try field["max_delay_hours"].integer(in: 1...168, default: 24)))
        return settings
    }

    public var requiredInputs: [EncoreTopic] { [.notificationRequests] }
    public var exclusiveOutput: String? { "decide notification requests" }

    public func makeStage(_ setup: StageSetup) throws -> any PipelineStage { RuleBaseline(settings: self) }
}
