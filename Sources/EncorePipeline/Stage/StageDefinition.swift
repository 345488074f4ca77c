import EncoreCore

/// A stage type's declaration: its YAML name and parser, what it needs from the pipeline, and how
/// it makes its stage. One conforming type per stage type, registered by name in a
/// ``StageRegistry`` so that a pipeline YAML can name it (docs/ARCHITECTURE.md, "A new stage").
///
/// ```yaml
/// stages:
///   - type: popularity_baseline   # typeName
///     top_k: 20                   # read by parse(_:)
/// ```
public protocol StageDefinition: Sendable {
    /// The `type:` a pipeline YAML names the stage by.
    static var typeName: String { get }

    /// Reads the stage's settings from its YAML mapping (the `type` key included).
    ///
    /// - Throws: ``ConfigurationError`` naming the field at fault (``YAMLField/error(_:)``).
    static func parse(_ field: YAMLField) throws(ConfigurationError) -> Self

    /// The input topics the stage cannot work without (validated against the pipeline's inputs).
    var requiredInputs: [EncoreTopic] { get }

    /// An output only one stage of a pipeline may write (e.g. the decision of a notification
    /// request: two deciders would write two decisions under one id); `nil` for none.
    var exclusiveOutput: String? { get }

    /// Whether listens this stage reads go to the stored history (the retrain cycle trains on
    /// it); a stage that reads listens only for features says no.
    var storesListenHistory: Bool { get }

    /// Whether the stage serves a retrained model (a pipeline with `retrain:` needs one).
    var servesRetrainedModel: Bool { get }

    /// How the models the stage serves are loaded from the registry into ``ModelGenerations``.
    var generationLoaders: [GenerationLoader] { get }

    /// The stage's part of a retrain cycle (``RetrainStep``), or `nil` when it serves no
    /// retrained model.
    func retrainStep(_ setup: RetrainSetup) throws -> (any RetrainStep)?

    /// Creates the stage (at pipeline start).
    func makeStage(_ setup: StageSetup) throws -> any PipelineStage

    /// Equality across the existential (``PipelineDefinition`` is `Equatable`).
    func isEqual(to other: any StageDefinition) -> Bool
}

extension StageDefinition {
    public var typeName: String { Self.typeName }
    public var exclusiveOutput: String? { nil }
    public var storesListenHistory: Bool { true }
    public var servesRetrainedModel: Bool { false }
    public var generationLoaders: [GenerationLoader] { [] }
    public func retrainStep(_ setup: RetrainSetup) throws -> (any RetrainStep)? { nil }
}

extension StageDefinition where Self: Equatable {
    public func isEqual(to other: any StageDefinition) -> Bool { (other as? Self) == self }
}
