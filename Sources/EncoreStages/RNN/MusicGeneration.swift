import EncoreModels
import EncoreNumerics
import EncorePipeline

/// One immutable generation of the music models: the RNN and the item embeddings inside it
/// (which came from the graph model of the same retrain cycle). User states are tagged with
/// ``id``; a state of another generation is rebuilt by replay before it is used.
public struct MusicGeneration: ModelGeneration {
    /// Monotonic generation number (the RNN's registry version).
    public let id: Int64
    public let model: SequenceModel
    /// Where the item embeddings came from (e.g. `lightgcn@3`).
    public let embeddingSource: String
    /// The retrieval index over the model's items (large catalogues only; `nil`: exact scoring).
    public let retrieval: SequenceRetrieval?
    /// The items with their biases as one table, for exact scoring.
    public let scoringTable: SequenceScoringTable

    public init(id: Int64, model: SequenceModel, embeddingSource: String, retrieval: SequenceRetrieval? = nil) {
        self.id = id
        self.model = model
        self.embeddingSource = embeddingSource
        self.retrieval = retrieval
        scoringTable = SequenceScoringTable(model: model)
    }

    /// A generation with its retrieval index built when the catalogue has at least
    /// `indexFrom` items (docs/design/retrieval-index.md); smaller ones are scored exactly.
    public static func build(
        id: Int64, model: SequenceModel, embeddingSource: String, indexFrom: Int = SequenceRetrieval.minimumItems,
        index: InnerProductIndex.Parameters = .init()
    ) throws -> MusicGeneration {
        let retrieval = model.itemCount >= indexFrom ? try SequenceRetrieval(model: model, parameters: index) : nil
        return MusicGeneration(id: id, model: model, embeddingSource: embeddingSource, retrieval: retrieval)
    }

    public var modelName: String { SequenceModel.modelName }
    public var version: Int64 { id }

    /// Loads the registry's `rnn` artifacts (``GenerationWatcher``, start-up).
    public static let loader = GenerationLoader(modelName: SequenceModel.modelName) { artifact, version in
        let model = try SequenceModel(artifact: artifact)
        return try MusicGeneration.build(id: version, model: model, embeddingSource: model.items.source)
    }
}

extension ModelGenerations {
    /// The installed music generation (the RNN stage's model), if any.
    public var currentMusic: MusicGeneration? { current(MusicGeneration.self, named: SequenceModel.modelName) }
}
