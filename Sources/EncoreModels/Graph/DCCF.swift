import EncoreNumerics

/// A trained DCCF model (Ren, Xia, Zhao, Yin, Huang, "Disentangled Contrastive Collaborative
/// Filtering", SIGIR 2023; docs/design/graph-models.md §1): E⁽⁰⁾, the intent prototypes C_u and
/// C_i, and the readout E = Σ_{l=0..L} E_l of the full forward pass, scored by ŷ(u, i) = e_uᵀ e_i.
///
/// Training (``DCCFTrainer``) follows the reference code: graph view Ā E_l, intent view
/// softmax(E_l C) Cᵀ, learned edge masks from both views (D⁻¹-normalised, gradients through the
/// masks), residual layer sum, BPR + λ1 · tiled cross-view InfoNCE + λ2 · unnormalised layer-0
/// L2 + λ3 · prototype L2, xavier_normal init, user-uniform sampling with 40 batches of 10240
/// per epoch, last-epoch reporting. Warm starts copy E⁽⁰⁾ rows of known users and items and
/// both prototype tables.
public struct DCCF: BatchRecommender {
    public static let modelName = "dccf"
    /// Version of the blob layout.
    public static let formatVersion = 1

    public let configuration: DCCFConfiguration
    public let userCount: Int
    public let itemCount: Int
    /// E⁽⁰⁾, (M+N) × d, users first.
    public let egoEmbeddings: Matrix
    /// C_u, d × Kp.
    public let userPrototypes: Matrix
    /// C_i, d × Kp.
    public let itemPrototypes: Matrix
    /// The readout E = Σ_l E_l, (M+N) × d, users first (used for scoring).
    public let embeddings: Matrix
    /// Fingerprint of the training matrix.
    public let dataFingerprint: String
    /// Epochs behind these parameters.
    public let trainedEpochs: Int

    /// Creates a model from its parts.
    ///
    /// - Precondition: the shapes agree with the configuration.
    public init(
        configuration: DCCFConfiguration, userCount: Int, itemCount: Int, egoEmbeddings: Matrix,
        userPrototypes: Matrix, itemPrototypes: Matrix, embeddings: Matrix, dataFingerprint: String,
        trainedEpochs: Int
    ) {
        let d = configuration.embeddingDimension, kp = configuration.prototypeCount
        precondition(egoEmbeddings.rows == userCount + itemCount && egoEmbeddings.columns == d)
        precondition(embeddings.rows == egoEmbeddings.rows && embeddings.columns == d)
        precondition(userPrototypes.rows == d && userPrototypes.columns == kp)
        precondition(itemPrototypes.rows == d && itemPrototypes.columns == kp)
        self.configuration = configuration
        self.userCount = userCount
        self.itemCount = itemCount
        self.egoEmbeddings = egoEmbeddings
        self.userPrototypes = userPrototypes
        self.itemPrototypes = itemPrototypes
        self.embeddings = embeddings
        self.dataFingerprint = dataFingerprint
        self.trainedEpochs = trainedEpochs
    }

    public static func fit(
        interactions: SparseMatrix, configuration: DCCFConfiguration, warmStart: DCCF?,
        observer: (TrainingProgress, () -> DCCF) throws -> TrainingDecision
    ) throws -> DCCF {
        let trainer = try DCCFTrainer(interactions: interactions, configuration: configuration, warmStart: warmStart)
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

    static let blobLayout =
        "egoEmbeddings[(users+items)×d], userPrototypes[d×Kp], itemPrototypes[d×Kp], embeddings[(users+items)×d], row-major, users first"

    public func artifact(metrics: [String: Double]) throws -> ModelArtifact {
        let metadata = ModelMetadata(
            modelName: Self.modelName, formatVersion: Self.formatVersion, dataFingerprint: dataFingerprint,
            userCount: userCount, itemCount: itemCount, metrics: metrics, hyperparameters: configuration,
            blobLayout: Self.blobLayout, trainedEpochs: trainedEpochs)
        return ModelArtifact(
            metadataJSON: try metadata.json(),
            blob: egoEmbeddings.storage + userPrototypes.storage + itemPrototypes.storage + embeddings.storage)
    }

    public init(artifact: ModelArtifact) throws {
        let metadata = try ModelMetadata<DCCFConfiguration>.decode(
            artifact, expectedModel: Self.modelName, formatVersion: Self.formatVersion)
        let rows = metadata.userCount + metadata.itemCount
        let d = metadata.hyperparameters.embeddingDimension, kp = metadata.hyperparameters.prototypeCount
        let table = rows * d, prototypes = d * kp
        guard rows > 0, d > 0, kp > 0, artifact.blob.count == 2 * table + 2 * prototypes else {
            throw ModelError(
                .corruptArtifact,
                "dccf blob has \(artifact.blob.count) floats, expected 2 × \(rows) × \(d) + 2 × \(d) × \(kp)")
        }
        let blob = artifact.blob
        self.init(
            configuration: metadata.hyperparameters, userCount: metadata.userCount, itemCount: metadata.itemCount,
            egoEmbeddings: Matrix(rows: rows, columns: d, storage: Array(blob[0..<table])),
            userPrototypes: Matrix(rows: d, columns: kp, storage: Array(blob[table..<(table + prototypes)])),
            itemPrototypes: Matrix(
                rows: d, columns: kp, storage: Array(blob[(table + prototypes)..<(table + 2 * prototypes)])),
            embeddings: Matrix(rows: rows, columns: d, storage: Array(blob[(table + 2 * prototypes)...])),
            dataFingerprint: metadata.dataFingerprint, trainedEpochs: metadata.trainedEpochs)
    }
}
