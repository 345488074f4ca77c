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
    public static func == (lhs: PipelineDefinition, rhs: PipelineDefinition) -> Bool {
        lhs.name == rhs.name && lhs.consumerGroup == rhs.consumerGroup && lhs.inputs == rhs.inputs && lhs.batch == rhs.batch
            && lhs.retrain == rhs.retrain && lhs.stages.count == rhs.stages.count
            && zip(lhs.stages, rhs.stages).allSatisfy { $0.isEqual(to: $1) }
    }

    public var name: String
    public var consumerGroup: String
    public var inputs: [EncoreTopic]
    public var batch: BatchSettings
    /// The stages, in processing order (``StageDefinition``s of registered types).
    public var stages: [any StageDefinition]
    /// When and how the models this pipeline serves are retrained (`nil`: never).
    public var retrain: RetrainSettings?

    public init(
        name: String, consumerGroup: String, inputs: [EncoreTopic], batch: BatchSettings = BatchSettings(),
        stages: [any StageDefinition], retrain: RetrainSettings? = nil
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
        /// Records per batch at most (≤ 500 and about a second of work:
        /// docs/design/streaming-semantics.md §5).
        public var maxRecords: Int = 500
        /// How long to wait for a batch to fill.
        public var maxWait: Duration = .milliseconds(100)
        public init(maxRecords: Int = 500, maxWait: Duration = .milliseconds(100)) {
            self.maxRecords = maxRecords
            self.maxWait = maxWait
        }
    }

    /// Parses and validates a pipeline definition.
    ///
    /// - Parameters:
    ///   - text: the YAML document.
    ///   - source: the file name used in error messages.
    ///   - registry: the stage types `stages[].type` may name.
    /// - Throws: ``ConfigurationError`` naming the field at fault.
    public static func parse(
        _ text: String, source: String, registry: StageRegistry
    ) throws(ConfigurationError) -> PipelineDefinition {
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

        var stages: [any StageDefinition] = []
        let stageFields = try root["stages"].sequence()
        if stageFields.isEmpty { throw root["stages"].error("must list at least one stage") }
        for field in stageFields {
            let stage = try registry.parse(field)
            for required in stage.requiredInputs where !inputs.contains(required) {
                throw field["type"].error("\(stage.typeName) needs \(required.rawValue) among the inputs")
            }
            if stages.contains(where: { $0.typeName == stage.typeName }) {
                throw field["type"].error("\(stage.typeName) appears twice")
            }
            stages.append(stage)
        }
        for (index, stage) in stages.enumerated() {
            guard let output = stage.exclusiveOutput,
                let other = stages[..<index].first(where: { $0.exclusiveOutput == output })
            else { continue }
            throw root["stages"].error("\(other.typeName) and \(stage.typeName) both \(output); list only one")
        }
        let retrainField = root["retrain"]
        let retrain = retrainField.isPresent ? try RetrainSettings.parse(retrainField) : nil
        if retrain != nil, !stages.contains(where: \.servesRetrainedModel) {
            throw retrainField.error("retraining needs a model stage to serve (add a model stage, e.g. of type rnn)")
        }
        return PipelineDefinition(
            name: name, consumerGroup: group, inputs: inputs, batch: batch, stages: stages, retrain: retrain)
    }
}
