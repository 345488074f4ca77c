import EncoreNumerics

/// A trained sheaf model (Sheaf4Rec, Purificato et al. 2023; see ``SheafTrainer`` for the
/// layer): the parameters (X⁰ and per layer w₁ | w₂ | W | b) and the concatenated readout
/// [X⁰ … X^K], scored by ŷ(u, i) = ⟨readout_u, readout_i⟩.
///
/// Evaluation and ``recommend(users:k:excluding:)`` mask training items with −∞. The reference
/// code multiplies scores by (1 − train) instead, which lets training items (score 0) rank
/// above unseen items with negative scores; Encore does not reproduce that (the benchmark
/// reports both numbers).
public struct SheafRecommender: BatchRecommender {
    public static let modelName = "sheaf"
    /// Version of the blob layout below.
    public static let formatVersion = 1

    public let configuration: SheafConfiguration
    public let userCount: Int
    public let itemCount: Int
    /// X⁰ ((M+N) × d, users first), then per layer w₁ (d), w₂ (d), W (d × d, Y = XW), b (d).
    public let parameters: [Float]
    /// [X⁰ … X^K], (M+N) × d(K+1), users first.
    public let readout: Matrix
    /// Fingerprint of the training matrix.
    public let dataFingerprint: String
    /// Epochs behind these parameters.
    public let trainedEpochs: Int

    /// Creates a model from its parts.
    ///
    /// - Precondition: the sizes match the configuration.
    public init(
        configuration: SheafConfiguration, userCount: Int, itemCount: Int, parameters: [Float], readout: Matrix,
        dataFingerprint: String, trainedEpochs: Int
    ) {
        let nodes = userCount + itemCount
        precondition(
            parameters.count
                == nodes * configuration.embeddingDimension + configuration.layerCount
                * configuration.layerParameterCount, "parameter count does not match the configuration")
        precondition(readout.rows == nodes && readout.columns == configuration.readoutWidth, "readout shape")
        self.configuration = configuration
        self.userCount = userCount
        self.itemCount = itemCount
        self.parameters = parameters
        self.readout = readout
        self.dataFingerprint = dataFingerprint
        self.trainedEpochs = trainedEpochs
    }

    public static func fit(
        interactions: SparseMatrix, configuration: SheafConfiguration, warmStart: SheafRecommender?,
        observer: (TrainingProgress, () -> SheafRecommender) throws -> TrainingDecision
    ) throws -> SheafRecommender {
        let trainer = try SheafTrainer(interactions: interactions, configuration: configuration, warmStart: warmStart)
        return try GraphTrainingLoop.run(
            epochs: configuration.epochs, trainEpoch: trainer.trainEpoch, model: trainer.model, observer: observer)
    }

    public func scores(users: UnsafeBufferPointer<Int32>, into output: UnsafeMutableBufferPointer<Float>) {
        let width = configuration.readoutWidth
        readout.storage.withUnsafeBufferPointer { table in
            GraphTrainingLoop.scores(
                users: users, userTable: table, userCount: userCount, items: table.baseAddress! + userCount * width,
                itemCount: itemCount, width: width, into: output)
        }
    }

    static let blobLayout =
        "parameters[(users+items)×d, then per layer w1[d] w2[d] W[d×d] b[d]] then readout[(users+items)×d(K+1)], row-major, users first"

    public func artifact(metrics: [String: Double]) throws -> ModelArtifact {
        let metadata = ModelMetadata(
            modelName: Self.modelName, formatVersion: Self.formatVersion, dataFingerprint: dataFingerprint,
            userCount: userCount, itemCount: itemCount, metrics: metrics, hyperparameters: configuration,
            blobLayout: Self.blobLayout, trainedEpochs: trainedEpochs)
        return ModelArtifact(metadataJSON: try metadata.json(), blob: parameters + readout.storage)
    }

    public init(artifact: ModelArtifact) throws {
        let metadata = try ModelMetadata<SheafConfiguration>.decode(
            artifact, expectedModel: Self.modelName, formatVersion: Self.formatVersion)
        let configuration = metadata.hyperparameters
        let rows = metadata.userCount + metadata.itemCount
        let d = configuration.embeddingDimension
        let parameterCount = rows * d + configuration.layerCount * configuration.layerParameterCount
        let readoutCount = rows * configuration.readoutWidth
        guard rows > 0, d > 0, configuration.layerCount >= 0, artifact.blob.count == parameterCount + readoutCount
        else {
            throw ModelError(
                .corruptArtifact,
                "sheaf blob has \(artifact.blob.count) floats, expected \(parameterCount) + \(readoutCount)")
        }
        self.init(
            configuration: configuration, userCount: metadata.userCount, itemCount: metadata.itemCount,
            parameters: Array(artifact.blob[0..<parameterCount]),
            readout: Matrix(
                rows: rows, columns: configuration.readoutWidth, storage: Array(artifact.blob[parameterCount...])),
            dataFingerprint: metadata.dataFingerprint, trainedEpochs: metadata.trainedEpochs)
    }
}
