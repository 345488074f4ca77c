import EncoreEvaluation
import EncoreModels

/// Everything `encore train` needs, as plain values the command parses.
///
/// Defaults are LightGCN's (``LightGCNConfiguration``) except the epoch count.
public struct GraphTrainingOptions: Sendable {
    /// Model name (`lightgcn`).
    public var model: String = LightGCN.modelName
    /// Data directory (or RecBole `.inter` file).
    public var dataDirectory: String
    /// Data format name (`lightgcn`, `tsv`, `recbole`); `nil` detects it from the files.
    public var format: String?
    /// Training epochs.
    public var epochs = 100
    /// Triplets per mini-batch B.
    public var batchSize = 2048
    /// Embedding size d.
    public var embeddingDimension = 64
    /// Propagation layers K.
    public var layerCount = 3
    /// Adam learning rate.
    public var learningRate: Float = 1e-3
    /// L2 weight λ.
    public var regularization: Float = 1e-4
    /// Seed of initialisation and sampling.
    public var seed: UInt64 = 2020
    /// Worker threads.
    public var threads = 1
    /// Evaluate every this many epochs (0: only at the end).
    public var evaluateEvery: Int = 20
    /// The K of recall@K / ndcg@K / precision@K.
    public var topK: Int = 20
    /// Where to write the model artifact, if anywhere.
    public var savePath: String?
    /// A saved model to warm-start from, if any.
    public var warmStartPath: String?
    /// Stop when test recall@K reaches this value at an evaluation (time-to-quality runs), if set.
    public var targetRecall: Double?

    /// Also register the trained model in the model registry of the SQLite store at this path.
    public var registryPath: String?

    /// Creates options for a data directory with defaults elsewhere.
    public init(dataDirectory: String) {
        self.dataDirectory = dataDirectory
    }

    /// The data format names accepted by `format`.
    public static let formatNames = DatasetLoader.Format.allCases.map(\.rawValue) + ["store"]

    /// The LightGCN hyperparameters these options describe.
    var configuration: LightGCNConfiguration {
        var configuration = LightGCNConfiguration()
        configuration.epochs = epochs
        configuration.batchSize = batchSize
        configuration.embeddingDimension = embeddingDimension
        configuration.layerCount = layerCount
        configuration.learningRate = learningRate
        configuration.regularization = regularization
        configuration.seed = seed
        configuration.threads = threads
        return configuration
    }
}
