import EncoreEvaluation
import EncoreModels
import EncoreNumerics
import Foundation

/// A batch graph model selectable by name: how to turn ``GraphTrainingOptions`` into its
/// configuration, fit it, load its artifacts and score with it — type-erased, so that
/// `encore train --model NAME`, `encore eval --compare …` and a retrain scheduler can dispatch on
/// a string.
///
/// Registering a model is one line in ``all`` plus a `static let` built with
/// ``init(_:summary:exampleUnit:comparisonEpochs:configure:describe:summaryFields:)`` (see
/// `GraphModelKind+LightGCN.swift`).
public struct GraphModelKind: Sendable {
    /// The CLI and artifact name (``EncoreModels/BatchRecommender/modelName``).
    public let name: String
    /// One-line description for listings.
    public let summary: String
    /// What an epoch's `examples` count ("triplets", "pairs").
    public let exampleUnit: String
    /// Epochs `encore eval --compare` trains by default (a budget that finishes in minutes on
    /// the shared data sets), or `nil` for the model's own default.
    public let comparisonEpochs: Int?
    let configureAndDescribe: @Sendable (GraphTrainingOptions) throws -> (header: String, fields: [(String, GraphTraining.JSONValue)])
    let fitErased:
        @Sendable (
            SparseMatrix, GraphTrainingOptions, ModelArtifact?,
            (TrainingProgress, () -> TrainedGraphModel) throws -> TrainingDecision
        ) throws -> TrainedGraphModel
    let loadErased: @Sendable (ModelArtifact) throws -> TrainedGraphModel

    /// Describes a model type.
    ///
    /// - Parameters:
    ///   - model: The ``EncoreModels/BatchRecommender`` type.
    ///   - summary: One-line description.
    ///   - exampleUnit: Unit of ``EncoreModels/TrainingProgress/examples``.
    ///   - comparisonEpochs: Default epochs in `encore eval --compare`.
    ///   - configure: Builds the configuration from the options (`nil` option values mean the
    ///     model's own default).
    ///   - describe: The header line printed before training.
    ///   - summaryFields: Extra keys of the last-line JSON summary.
    init<Model: BatchRecommender>(
        _ model: Model.Type, summary: String, exampleUnit: String = "triplets", comparisonEpochs: Int? = nil,
        configure: @escaping @Sendable (GraphTrainingOptions) throws -> Model.Configuration,
        describe: @escaping @Sendable (Model.Configuration) -> String,
        summaryFields: @escaping @Sendable (Model.Configuration) -> [(String, GraphTraining.JSONValue)] = { _ in [] }
    ) {
        name = Model.modelName
        self.summary = summary
        self.exampleUnit = exampleUnit
        self.comparisonEpochs = comparisonEpochs
        configureAndDescribe = { options in
            let configuration = try configure(options)
            return (describe(configuration), summaryFields(configuration))
        }
        fitErased = { interactions, options, warmArtifact, observer in
            let configuration = try configure(options)
            let warmStart = try warmArtifact.map { try Model(artifact: $0) }
            let model = try Model.fit(interactions: interactions, configuration: configuration, warmStart: warmStart) {
                progress, snapshot in
                try withoutActuallyEscaping(snapshot) { current in
                    try observer(progress, { TrainedGraphModel(current()) })
                }
            }
            return TrainedGraphModel(model)
        }
        loadErased = { artifact in TrainedGraphModel(try Model(artifact: artifact)) }
    }

    /// Trains the model on a training matrix.
    ///
    /// - Parameters:
    ///   - interactions: Binary user × item training matrix.
    ///   - options: Hyperparameters (unset ones take the model's defaults).
    ///   - warmStart: An artifact of the previous generation of this model, or `nil`.
    ///   - observer: Called after each epoch, as in ``EncoreModels/BatchRecommender``.
    /// - Throws: ``EncoreModels/ModelError`` for bad options, data or artifacts.
    public func fit(
        interactions: SparseMatrix, options: GraphTrainingOptions, warmStart: ModelArtifact? = nil,
        observer: (TrainingProgress, () -> TrainedGraphModel) throws -> TrainingDecision = { _, _ in .proceed }
    ) throws -> TrainedGraphModel {
        try fitErased(interactions, options, warmStart, observer)
    }

    /// Restores a model of this kind from its artifact.
    public func load(_ artifact: ModelArtifact) throws -> TrainedGraphModel { try loadErased(artifact) }

    /// The header line describing the configuration the options give.
    public func describe(_ options: GraphTrainingOptions) throws -> String { try configureAndDescribe(options).header }

    /// Every available model, in listing order. Adding a model is one line here.
    public static let all: [GraphModelKind] = [
        .lightGCN,
        .gte,
        .dccf,
        .sheaf,
        .peco,
    ]

    /// The available names, comma-separated (for error messages and help).
    public static var availableNames: String { all.map(\.name).joined(separator: ", ") }

    /// The model of that name.
    ///
    /// - Throws: ``EncoreModels/ModelError`` (`.invalidInput`) naming the available models.
    public static func named(_ name: String) throws -> GraphModelKind {
        guard let kind = all.first(where: { $0.name == name.lowercased() }) else {
            throw ModelError(.invalidInput, "unknown or unavailable model '\(name)' (available: \(availableNames))")
        }
        return kind
    }
}

/// A trained or loaded graph model behind ``GraphModelKind``: a scorer for evaluation and
/// serving plus its artifact.
public struct TrainedGraphModel: Sendable {
    /// The model name.
    public let name: String
    /// Users of the training matrix.
    public let userCount: Int
    /// Items of the training matrix.
    public let itemCount: Int
    /// Scores all items for blocks of users (thread-safe).
    public let scorer: any RankingScorer
    let makeArtifact: @Sendable ([String: Double]) throws -> ModelArtifact

    init<Model: BatchRecommender>(_ model: Model) {
        name = Model.modelName
        userCount = model.userCount
        itemCount = model.itemCount
        scorer = ModelRankingScorer(model: model)
        makeArtifact = { metrics in try model.artifact(metrics: metrics) }
    }

    /// The model's artifact with the given metrics recorded.
    public func artifact(metrics: [String: Double]) throws -> ModelArtifact { try makeArtifact(metrics) }
}
