/// One item's embedding from a model generation (`encore.item-embeddings`, compacted, key =
/// track id, so the latest generation wins).
public struct ItemEmbedding: Sendable, Equatable {
    public var trackID: TrackID
    /// `name@version` of the generation.
    public var model: String
    public var vector: [Float]
    public init(trackID: TrackID, model: String, vector: [Float]) {
        self.trackID = trackID
        self.model = model
        self.vector = vector
    }
}
