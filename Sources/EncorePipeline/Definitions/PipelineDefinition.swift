import EncoreCore

/// A pipeline as declared in `pipelines/*.yaml`: which topics it consumes under which consumer
/// group, how it batches, and which stages process the events.
///
/// ```yaml
/// name: music
/// consumer_group: encore-music
/// inputs: [encore.listens, encore.tracks]
/// batch: {max_records: 500, max_wait_ms: 100}
/// stages:
///   - type: popularity_baseline
///     top_k: 20
/// ```
///
/// ``parse(_:source:)`` validates everything and reports the first problem with file, field
/// and line.
public struct PipelineDefinition: Sendable, Equatable {
    public var name: String
    public var consumerGroup: String
    public var inputs: [EncoreTopic]
    public var batch: BatchSettings
    public var stages: [StageDefinition]
    /// When and how the models this pipeline serves are retrained (`nil`: never).
    public var retrain: RetrainSettings?

    public init(
        name: String, consumerGroup: String, inputs: [EncoreTopic], batch: BatchSettings = BatchSettings(),
        stages: [StageDefinition], retrain: RetrainSettings? = nil
    ) {
        self.name = name
        self.consumerGroup = consumerGroup
        self.inputs = inputs
        self.batch = batch
        self.stages = stages
        self.retrain = retrain
    }

    /// How records are grouped into batches (one SQLite transaction each).
    public struct BatchSettings: Sendable, Equatable {
        /// Records per batch at most (the spec keeps batches ≤ 500 and about a second of work).
        public var maxRecords: Int = 500
        /// How long to wait for a batch to fill.
        public var maxWait: Duration = .milliseconds(100)
        public init(maxRecords: Int = 500, maxWait: Duration = .milliseconds(100)) {
            self.maxRecords = maxRecords
            self.maxWait = maxWait
        }
    }

    /// One processing stage and its settings.
    public enum StageDefinition: Sendable, Equatable {
        case popularityBaseline(PopularityBaseline.Settings)
        case ruleBaseline(RuleBaseline.Settings)
        case sequenceModel(SequenceStage.Settings)
        case c3po(C3POStage.Settings)

        /// The topics a stage cannot work without.
        var requiredInputs: [EncoreTopic] {
            switch self {
            case .popularityBaseline, .sequenceModel: [.listens]
            case .ruleBaseline: [.notificationRequests]
            case .c3po: [.notificationRequests]
            }
        }

        public var typeName: String {
            switch self {
            case .popularityBaseline: "popularity_baseline"
            case .ruleBaseline: "rule_baseline"
            case .sequenceModel: "rnn"
            case .c3po: "c3po"
            }
        }
    }

    /// Parses and validates a pipeline definition.
    ///
    /// - Parameters:
    ///   - text: the YAML document.
    ///   - source: the file name used in error messages.
    /// - Throws: ``ConfigurationError`` naming the field at fault.
    public static func parse(_ text: String, source: String) throws(ConfigurationError) -> PipelineDefinition {
        let root = try YAMLField.document(text, source: source)
        try root.requireMapping(allowedKeys: ["name", "consumer_group", "inputs", "batch", "stages", "retrain", "description"])
        let name = try root["name"].string()
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw root["name"].error("must be a non-empty name of letters, digits, '-' and '_'")
        }
        let group = try root["consumer_group"].string(default: "encore-\(name)")
        if group.isEmpty { throw root["consumer_group"].error("must not be empty") }

        var inputs: [EncoreTopic] = []
        for field in try root["inputs"].sequence() {
            let topicName = try field.string()
            guard let topic = EncoreTopic(rawValue: topicName) ?? EncoreTopic(rawValue: "encore." + topicName) else {
                throw field.error("unknown topic '\(topicName)'; inputs are \(EncoreTopic.inputs.map(\.rawValue).joined(separator: ", "))")
            }
            guard EncoreTopic.inputs.contains(topic) else { throw field.error("\(topic.rawValue) is an output topic") }
            guard !inputs.contains(topic) else { throw field.error("\(topic.rawValue) is listed twice") }
            inputs.append(topic)
        }
        if inputs.isEmpty { throw root["inputs"].error("must list at least one input topic") }

        var batch = BatchSettings()
        let batchField = root["batch"]
        if batchField.isPresent {
            try batchField.requireMapping(allowedKeys: ["max_records", "max_wait_ms"])
            batch.maxRecords = try batchField["max_records"].integer(in: 1...10_000, default: batch.maxRecords)
            batch.maxWait = .milliseconds(try batchField["max_wait_ms"].integer(in: 1...10_000, default: 100))
        }

        var stages: [StageDefinition] = []
        let stageFields = try root["stages"].sequence()
        if stageFields.isEmpty { throw root["stages"].error("must list at least one stage") }
        for field in stageFields {
            let stage = try parseStage(field)
            for required in stage.requiredInputs where !inputs.contains(required) {
                throw field["type"].error("\(stage.typeName) needs \(required.rawValue) among the inputs")
            }
            if stages.contains(where: { $0.typeName == stage.typeName }) {
                throw field["type"].error("\(stage.typeName) appears twice")
            }
            stages.append(stage)
        }
        if stages.contains(where: { $0.typeName == "c3po" }), stages.contains(where: { $0.typeName == "rule_baseline" }) {
            throw root["stages"].error("c3po and rule_baseline both decide notification requests; list only one")
        }
        let retrainField = root["retrain"]
        let retrain = retrainField.isPresent ? try RetrainSettings.parse(retrainField) : nil
        if retrain != nil, !stages.contains(where: { if case .sequenceModel = $0 { true } else { false } }) {
            throw retrainField.error("retraining needs a model stage to serve (add a stage of type rnn)")
        }
        return PipelineDefinition(
            name: name, consumerGroup: group, inputs: inputs, batch: batch, stages: stages, retrain: retrain)
    }

    private static func parseStage(_ field: YAMLField) throws(ConfigurationError) -> StageDefinition {
        let type = try field["type"].string()
        switch type {
        case "popularity_baseline":
            try field.requireMapping(allowedKeys: ["type", "top_k", "debounce_seconds", "exclude_recent", "half_life_hours"])
            var settings = PopularityBaseline.Settings()
            settings.topK = try field["top_k"].integer(in: 1...1000, default: settings.topK)
            settings.debounce = .seconds(try field["debounce_seconds"].integer(in: 0...604_800, default: 600))
            settings.excludeRecent = try field["exclude_recent"].integer(in: 0...200, default: settings.excludeRecent)
            settings.halfLifeHours = try field["half_life_hours"].double(in: 0.01...100_000, default: settings.halfLifeHours)
            return .popularityBaseline(settings)
        case "rule_baseline":
            try field.requireMapping(allowedKeys: [
                "type", "quiet_hours", "utc_offset_hours", "daily_cap", "min_gap_minutes", "max_delay_hours",
            ])
            var settings = RuleBaseline.Settings()
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
            return .ruleBaseline(settings)
        case "rnn":
            try field.requireMapping(allowedKeys: [
                "type", "top_k", "debounce_seconds", "exclude_recent", "wave_size", "scoring_threads",
            ])
            var settings = SequenceStage.Settings()
            settings.topK = try field["top_k"].integer(in: 1...1000, default: settings.topK)
            settings.debounce = .seconds(try field["debounce_seconds"].integer(in: 0...604_800, default: 600))
            settings.excludeRecent = try field["exclude_recent"].integer(
                in: 0...SequenceUserState.ringCapacity, default: settings.excludeRecent)
            settings.maximumWave = try field["wave_size"].integer(in: 1...4096, default: settings.maximumWave)
            settings.scoringThreads = try field["scoring_threads"].integer(in: 1...64, default: settings.scoringThreads)
            return .sequenceModel(settings)
        case "c3po":
            return .c3po(try C3POStage.Settings.parse(field))
        default:
            throw field["type"].error("unknown stage type '\(type)'; known: popularity_baseline, rule_baseline, rnn, c3po")
        }
    }
}
