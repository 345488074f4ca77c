import EncoreEvaluation
import EncoreModels

/// Everything `encore train` needs, as plain values the command parses.
///
/// Hyperparameters left `nil` take the chosen model's own defaults (``GraphModelKind``):
/// LightGCN's (with 100 epochs), DCCF's (d 32, L 2, batch 10240, …), GTE's (k 3).
public struct GraphTrainingOptions: Sendable {
    /// Model name (`lightgcn`, `gte`, `dccf`; see ``GraphModelKind/all``).
    public var model: String = LightGCN.modelName
    /// Data directory (or RecBole `.inter` file, `.sqlite` store, or `synthetic:gowalla`).
    public var dataDirectory: String
    /// Data format name (`lightgcn`, `tsv`, `recbole`); `nil` detects it from the files.
    public var format: String?
    /// Training epochs.
    public var epochs: Int?
    /// Triplets per mini-batch B.
    public var batchSize: Int?
    /// Mini-batches per epoch (DCCF; LightGCN always covers |E| triplets).
    public var batchesPerEpoch: Int?
    /// Embedding size d.
    public var embeddingDimension: Int?
    /// Propagation layers K (GTE: path depth k).
    public var layerCount: Int?
    /// Adam learning rate.
    public var learningRate: Float?
    /// L2 weight λ (DCCF: λ2 on the batch's layer-0 rows).
    public var regularization: Float?
    /// Seed of initialisation and sampling.
    public var seed: UInt64?
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
}
