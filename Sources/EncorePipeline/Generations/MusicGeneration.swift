import EncoreModels

/// One immutable generation of the music models: the RNN and the item embeddings inside it
/// (which came from the graph model of the same retrain cycle). User states are tagged with
/// ``id``; a state of another generation is rebuilt by replay before it is used.
public struct MusicGeneration: Sendable {
    /// Monotonic generation number (the RNN's registry version).
    public let id: Int64
    public let model: SequenceModel
    /// Where the item embeddings came from (e.g. `lightgcn@3`).
    public let embeddingSource: String

    public init(id: Int64, model: SequenceModel, embeddingSource: String) {
        self.id = id
        self.model = model
        self.embeddingSource = embeddingSource
    }

    /// The name recommendations carry (`rnn@ID`).
    public var label: String { "\(SequenceModel.modelName)@\(id)" }
}
