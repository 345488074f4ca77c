import EncoreNumerics

/// A trained LightGCN model (He et al., SIGIR 2020): an immutable snapshot of E⁽⁰⁾ and the
/// propagated E = M·E⁽⁰⁾, scored by ŷ(u, i) = e_uᵀ e_i.
///
/// Training is in ``LightGCNTrainer``; this value is what serving, evaluation, warm starts
/// and the model registry use.
public struct LightGCN: BatchRecommender {
    public static let modelName = "lightgcn"
    /// Version of the blob layout below.
    public static let formatVersion = 1

    public let configuration: LightGCNConfiguration
    public let userCount: Int
    public let itemCount: Int
    /// E⁽⁰⁾, (M+N) × d, users first (the trainable parameters; warm starts copy these).
    public let egoEmbeddings: Matrix
    /// E = M·E⁽⁰⁾, (M+N) × d, users first (used for scoring).
    public let embeddings: Matrix
    /// Fingerprint of the training matrix.
    public let dataFingerprint: String
    /// Epochs behind these parameters.
    public let trainedEpochs: Int

    /// Creates a model from its parts.
    ///
    /// - Precondition: both tables are (userCount + itemCount) × d.
    public init(
        configuration: LightGCNConfiguration, userCount: Int, itemCount: Int, egoEmbeddings: Matrix, embeddings: Matrix,
        dataFingerprint: String, trainedEpochs: Int
    ) {
        precondition(egoEmbeddings.rows == userCount + itemCount && embeddings.rows == egoEmbeddings.rows)
        precondition(
            egoEmbeddings.columns == configuration.embeddingDimension && embeddings.columns == egoEmbeddings.columns)
        self.configuration = configuration
        self.userCount = userCount
        self.itemCount = itemCount
        self.egoEmbeddings = egoEmbeddings
        self.embeddings = embeddings
        self.dataFingerprint = dataFingerprint
        self.trainedEpochs = trainedEpochs
    }

    /// User rows of E (M × d).
    public var userEmbeddings: Matrix { embeddings.rows(0..<userCount) }
    /// Item rows of E (N × d).
    public var itemEmbeddings: Matrix { embeddings.rows(userCount..<(userCount + itemCount)) }

    public static func fit(
        interactions: SparseMatrix, configuration: LightGCNConfiguration, warmStart: LightGCN?,
        observer: (TrainingProgress, () -> LightGCN) throws -> TrainingDecision
    ) throws -> LightGCN {
        let trainer = try LightGCNTrainer(
            interactions: interactions, configuration: configuration, warmStart: warmStart)
        return try GraphTrainingLoop.run(
            epochs: configuration.epochs, trainEpoch: trainer.trainEpoch, model: trainer.model, observer: observer)
    }

    public func scores(users: UnsafeBufferPointer<Int32>, into output: UnsafeMutableBufferPointer<Float>) {
        let d = configuration.embeddingDimension
        embeddings.storage.withUnsafeBufferPointer { table in
            GraphTrainingLoop.scores(
                users: users, userTable: table, userCount: userCount, items: table.baseAddress! + userCount * d,
                itemCount: itemCount, width: d, into: output)
        }
    }

    static let blobLayout = "egoEmbeddings[(users+items)×d] then embeddings[(users+items)×d], row-major, users first"

    public func artifact(metrics: [String: Double]) throws -> ModelArtifact {
        let metadata = ModelMetadata(
            modelName: Self.modelName, formatVersion: Self.formatVersion, dataFingerprint: dataFingerprint,
            userCount: userCount, itemCount: itemCount, metrics: metrics, hyperparameters: configuration,
            blobLayout: Self.blobLayout, trainedEpochs: trainedEpochs)
        return ModelArtifact(metadataJSON: try metadata.json(), blob: egoEmbeddings.storage + embeddings.storage)
    }

    public init(artifact: ModelArtifact) throws {
        let metadata = try ModelMetadata<LightGCNConfiguration>.decode(
            artifact, expectedModel: Self.modelName, formatVersion: Self.formatVersion)
        let rows = metadata.userCount + metadata.itemCount
        let d = metadata.hyperparameters.embeddingDimension
        guard rows > 0, d > 0, artifact.blob.count == 2 * rows * d else {
            throw ModelError(
                .corruptArtifact, "lightgcn blob has \(artifact.blob.count) floats, expected 2 × \(rows) × \(d)")
        }
        self.init(
            configuration: metadata.hyperparameters, userCount: metadata.userCount, itemCount: metadata.itemCount,
            egoEmbeddings: Matrix(rows: rows, columns: d, storage: Array(artifact.blob[0..<(rows * d)])),
            embeddings: Matrix(rows: rows, columns: d, storage: Array(artifact.blob[(rows * d)...])),
            dataFingerprint: metadata.dataFingerprint, trainedEpochs: metadata.trainedEpochs)
    }
}
