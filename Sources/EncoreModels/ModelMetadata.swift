import Foundation

/// The full metadata of a model artifact: the common header plus typed hyperparameters.
///
/// Encoded with sorted keys so that equal models give byte-equal metadata.
public struct ModelMetadata<Hyperparameters: Codable & Sendable>: Codable, Sendable {
    /// Model name (dispatch key when loading).
    public var modelName: String
    /// Blob layout version of that model.
    public var formatVersion: Int
    /// Creation time, ISO 8601.
    public var created: String
    /// Fingerprint of the training interactions.
    public var dataFingerprint: String
    /// Number of users.
    public var userCount: Int
    /// Number of items.
    public var itemCount: Int
    /// Evaluation metrics recorded at save time.
    public var metrics: [String: Double]
    /// The model's hyperparameters.
    public var hyperparameters: Hyperparameters
    /// Human description of the blob layout (e.g. `ego[n×d] then propagated[n×d], users first`).
    public var blobLayout: String
    /// Number of training epochs behind the parameters.
    public var trainedEpochs: Int

    /// Creates metadata.
    public init(
        modelName: String, formatVersion: Int, created: Date = Date(), dataFingerprint: String, userCount: Int,
        itemCount: Int, metrics: [String: Double], hyperparameters: Hyperparameters, blobLayout: String,
        trainedEpochs: Int
    ) {
        self.modelName = modelName
        self.formatVersion = formatVersion
        self.created = ISO8601DateFormatter().string(from: created)
        self.dataFingerprint = dataFingerprint
        self.userCount = userCount
        self.itemCount = itemCount
        self.metrics = metrics
        self.hyperparameters = hyperparameters
        self.blobLayout = blobLayout
        self.trainedEpochs = trainedEpochs
    }

    /// The metadata as a JSON string (sorted keys).
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            return String(decoding: try encoder.encode(self), as: UTF8.self)
        } catch {
            throw ModelError(.invalidInput, "metadata cannot be encoded", underlying: error)
        }
    }

    /// Decodes metadata from an artifact, checking the model name and format version.
    ///
    /// - Throws: ``ModelError`` with code `.incompatibleArtifact` or `.corruptArtifact`.
    public static func decode(_ artifact: ModelArtifact, expectedModel: String, formatVersion: Int) throws
        -> ModelMetadata
    {
        let header = try artifact.header()
        guard header.modelName == expectedModel else {
            throw ModelError(
                .incompatibleArtifact, "artifact holds model '\(header.modelName)', expected '\(expectedModel)'")
        }
        guard header.formatVersion == formatVersion else {
            throw ModelError(
                .incompatibleArtifact,
                "\(expectedModel) artifact format \(header.formatVersion), expected \(formatVersion)")
        }
        do {
            return try JSONDecoder().decode(ModelMetadata.self, from: Data(artifact.metadataJSON.utf8))
        } catch {
            throw ModelError(.corruptArtifact, "\(expectedModel) metadata does not decode", underlying: error)
        }
    }
}
