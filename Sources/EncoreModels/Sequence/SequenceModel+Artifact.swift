extension SequenceModel {
    /// What the artifact metadata records beyond the common header.
    struct ArtifactParameters: Codable, Sendable {
        var configuration: SequenceModelConfiguration
        var dimension: Int
        var inputWidth: Int
        var itemSource: String
        var parameterCount: Int
    }

    static let blobLayout =
        "items[N×d] (normalised) then parameters: W[I×3H] bW[3H] U[H×3H] bU[3H] WS[H×d] bS[d] WL[H×d] bL[d] WR[H×F] bR[F] logτ[1] b[N], row-major, gates z|r|n"

    /// The model as a self-describing artifact (the embedding table included, so a state is
    /// always served by the item space it was computed in).
    ///
    /// - Throws: ``ModelError`` if the metadata cannot be encoded.
    public func artifact(metrics: [String: Double]) throws -> ModelArtifact {
        let parameters = ArtifactParameters(
            configuration: configuration, dimension: dimension, inputWidth: inputWidth, itemSource: items.source,
            parameterCount: layout.count)
        let metadata = ModelMetadata(
            modelName: Self.modelName, formatVersion: Self.formatVersion, dataFingerprint: dataFingerprint,
            userCount: 0, itemCount: itemCount, metrics: metrics, hyperparameters: parameters,
            blobLayout: Self.blobLayout, trainedEpochs: trainedEpochs)
        return ModelArtifact(metadataJSON: try metadata.json(), blob: items.vectors + self.parameters)
    }

    /// Loads a model saved by ``artifact(metrics:)``, bit for bit.
    ///
    /// - Throws: ``ModelError`` with code `.incompatibleArtifact` or `.corruptArtifact`.
    public init(artifact: ModelArtifact) throws {
        let metadata = try ModelMetadata<ArtifactParameters>.decode(
            artifact, expectedModel: Self.modelName, formatVersion: Self.formatVersion)
        let stored = metadata.hyperparameters
        try stored.configuration.validate()
        let layout = SequenceParameterLayout(
            inputWidth: stored.dimension + SequenceModelConfiguration.contextWidth,
            hiddenSize: stored.configuration.hiddenSize, dimension: stored.dimension, itemCount: metadata.itemCount)
        let tableCount = metadata.itemCount * stored.dimension
        guard stored.dimension > 0, layout.inputWidth == stored.inputWidth, layout.count == stored.parameterCount,
            artifact.blob.count == tableCount + layout.count
        else {
            throw ModelError(
                .corruptArtifact,
                "rnn blob has \(artifact.blob.count) floats, expected \(tableCount) + \(layout.count)")
        }
        let items = ItemEmbeddingTable(
            normalizedVectors: Array(artifact.blob[0..<tableCount]), itemCount: metadata.itemCount,
            dimension: stored.dimension, source: stored.itemSource)
        self.init(
            configuration: stored.configuration, items: items, layout: layout,
            parameters: Array(artifact.blob[tableCount...]), trainedEpochs: metadata.trainedEpochs,
            dataFingerprint: metadata.dataFingerprint)
    }
}

extension SequenceModel {
    /// The same model with `fingerprint` recorded as its training-data fingerprint.
    public func withFingerprint(_ fingerprint: String) -> SequenceModel {
        var copy = self
        copy.dataFingerprint = fingerprint
        return copy
    }
}
