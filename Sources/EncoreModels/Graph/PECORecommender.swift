import EncoreNumerics

/// Encore's PECO-inspired Bayesian graph recommender (after Gu, Hu, Zhang, "Preference and
/// Concurrence Aware Bayesian Graph Neural Networks for Recommender Systems", arXiv 2312.11486,
/// which publishes neither code nor settings; every choice below is Encore's and is listed in
/// `docs/peco-open-questions.md`).
///
/// Bayesian framing (BGCF, Sun et al. KDD 2020): the observed graph is one noisy sample; the
/// model is trained and averaged over graphs drawn from a generative model. Here:
/// 1. **Pretraining.** A LightGCN backbone (``LightGCNTrainer``, unchanged) trains on the observed
///    graph for ⌊pretrainFraction · epochs⌋ epochs (none when warm-starting).
/// 2. **Generation.** ``PECOGraphGenerator`` draws S graphs once, from the current user embeddings
///    (preference: Node-Copy from one of T nearest users), item concurrence (weight ω, a
///    u → j → u′ → i walk) and the observed degree (k_u = round(ρ · deg u) new edges per user).
///    Each graph is observed ∪ sampled edges, normalised like LightGCN's Ã.
/// 3. **Training.** The remaining epochs rotate over the S graphs (epoch e uses graph e mod S):
///    one shared E⁽⁰⁾, propagation over the sampled graph, BPR triplets from the **observed**
///    interactions only (sampled edges carry messages, never supervision).
/// 4. **Inference.** Scores are averaged over the S graphs: ŷ(u, i) = (1/S) Σ_s e_u^{(s)} · e_i^{(s)}
///    with E^{(s)} = M_s E⁽⁰⁾, stored as concatenated tables (one GEMM of width S·d).
///
/// With ρ = 0 every graph is the observed one, and with S = 1 training is bitwise LightGCN.
/// With ω = 0 the generator is Node-Copy with a degree-matched list size.
public struct PECORecommender: BatchRecommender {
    public static let modelName = "peco"
    /// Version of the blob layout below.
    public static let formatVersion = 1

    public let configuration: PECOConfiguration
    public let userCount: Int
    public let itemCount: Int
    /// E⁽⁰⁾, (M+N) × d, users first (warm starts copy these).
    public let egoEmbeddings: Matrix
    /// [e_u^{(1)} … e_u^{(S)}] / S, M × S·d.
    public let userTable: Matrix
    /// [e_i^{(1)} … e_i^{(S)}], N × S·d.
    public let itemTable: Matrix
    /// Fingerprint of the training matrix.
    public let dataFingerprint: String
    /// Epochs behind these parameters.
    public let trainedEpochs: Int

    /// Creates a model from its parts.
    ///
    /// - Precondition: the table shapes match the counts and the configuration.
    public init(
        configuration: PECOConfiguration, userCount: Int, itemCount: Int, egoEmbeddings: Matrix, userTable: Matrix,
        itemTable: Matrix, dataFingerprint: String, trainedEpochs: Int
    ) {
        let d = configuration.backbone.embeddingDimension, width = configuration.sampleCount * d
        precondition(egoEmbeddings.rows == userCount + itemCount && egoEmbeddings.columns == d, "ego shape")
        precondition(userTable.rows == userCount && userTable.columns == width, "user table shape")
        precondition(itemTable.rows == itemCount && itemTable.columns == width, "item table shape")
        self.configuration = configuration
        self.userCount = userCount
        self.itemCount = itemCount
        self.egoEmbeddings = egoEmbeddings
        self.userTable = userTable
        self.itemTable = itemTable
        self.dataFingerprint = dataFingerprint
        self.trainedEpochs = trainedEpochs
    }

    /// The normalised sampled graphs Ã_s (observed ∪ sampled edges) for a training matrix,
    /// generated from the given user embeddings.
    public static func sampledAdjacencies(
        interactions: SparseMatrix, configuration: PECOConfiguration, userEmbeddings: Matrix
    ) -> [SparseMatrix] {
        let generator = PECOGraphGenerator(interactions: interactions, configuration: configuration)
        let threads = configuration.backbone.threads
        guard configuration.sampledDegreeRatio > 0 else {
            let observed = NormalizedAdjacency.build(interactions: interactions)
            return Array(repeating: observed, count: configuration.sampleCount)
        }
        let similar = PECOGraphGenerator.similarUsers(
            userEmbeddings: userEmbeddings, count: configuration.similarUsers, threads: threads)
        return (0..<configuration.sampleCount).map { s in
            NormalizedAdjacency.build(
                interactions: generator.union(generator.sampledEdges(sample: s, similar: similar)))
        }
    }

    public static func fit(
        interactions: SparseMatrix, configuration: PECOConfiguration, warmStart: PECORecommender?,
        observer: (TrainingProgress, () -> PECORecommender) throws -> TrainingDecision
    ) throws -> PECORecommender {
        try configuration.validate()
        let backbone = configuration.backbone
        let warm = warmStart.map {
            LightGCN(
                configuration: backbone, userCount: $0.userCount, itemCount: $0.itemCount,
                egoEmbeddings: $0.egoEmbeddings, embeddings: $0.egoEmbeddings, dataFingerprint: $0.dataFingerprint,
                trainedEpochs: $0.trainedEpochs)
        }
        let trainer = try LightGCNTrainer(interactions: interactions, configuration: backbone, warmStart: warm)
        let pretrain = configuration.pretrainEpochs(warmStarted: warmStart != nil)
        var graphs = [SparseMatrix]()
        func generate() {
            let users = trainer.propagatedEmbeddings().rows(0..<trainer.userCount)
            graphs = sampledAdjacencies(interactions: interactions, configuration: configuration, userEmbeddings: users)
        }
        for epoch in stride(from: 1, through: backbone.epochs, by: 1) {
            if epoch == pretrain + 1 { generate() }
            if !graphs.isEmpty { trainer.usePropagationAdjacency(graphs[(epoch - pretrain - 1) % graphs.count]) }
            let result = trainer.trainEpoch()
            let progress = TrainingProgress(
                epoch: epoch, epochCount: backbone.epochs, loss: result.loss, seconds: result.seconds,
                examples: result.triplets)
            let snapshot = {
                model(
                    trainer: trainer, configuration: configuration,
                    graphs: graphs.isEmpty ? [trainer.adjacency] : graphs)
            }
            if try observer(progress, snapshot) == .stop { break }
        }
        if graphs.isEmpty { generate() }
        return model(trainer: trainer, configuration: configuration, graphs: graphs)
    }

    /// The model of a trainer's current E⁽⁰⁾ averaged over the given normalised graphs (a single
    /// graph is repeated S times); the trainer's propagation graph is restored afterwards.
    public static func model(trainer: LightGCNTrainer, configuration: PECOConfiguration, graphs: [SparseMatrix])
        -> PECORecommender
    {
        let current = trainer.adjacency
        defer { trainer.usePropagationAdjacency(current) }
        let m = trainer.userCount, n = trainer.itemCount, d = configuration.backbone.embeddingDimension
        let samples = configuration.sampleCount, width = samples * d
        var users = Matrix(rows: m, columns: width), items = Matrix(rows: n, columns: width)
        let inverse = 1 / Float(samples)
        var propagated = [Matrix]()
        for graph in graphs.prefix(samples) {
            trainer.usePropagationAdjacency(graph)
            propagated.append(trainer.propagatedEmbeddings())
        }
        for s in 0..<samples {
            let e = propagated[s % propagated.count]
            for u in 0..<m { for k in 0..<d { users.storage[u * width + s * d + k] = inverse * e.storage[u * d + k] } }
            for i in 0..<n {
                for k in 0..<d { items.storage[i * width + s * d + k] = e.storage[(m + i) * d + k] }
            }
        }
        return PECORecommender(
            configuration: configuration, userCount: m, itemCount: n, egoEmbeddings: trainer.egoEmbeddings,
            userTable: users, itemTable: items, dataFingerprint: trainer.dataFingerprint,
            trainedEpochs: trainer.epochsCompleted)
    }

    public func scores(users: UnsafeBufferPointer<Int32>, into output: UnsafeMutableBufferPointer<Float>) {
        userTable.storage.withUnsafeBufferPointer { table in
            itemTable.storage.withUnsafeBufferPointer { items in
                GraphTrainingLoop.scores(
                    users: users, userTable: table, userCount: userCount, items: items.baseAddress!, itemCount: itemCount,
                    width: userTable.columns, into: output)
            }
        }
    }

    static let blobLayout =
        "egoEmbeddings[(users+items)×d] then userTable[users×S·d] (scaled 1/S) then itemTable[items×S·d], row-major"

    public func artifact(metrics: [String: Double]) throws -> ModelArtifact {
        let metadata = ModelMetadata(
            modelName: Self.modelName, formatVersion: Self.formatVersion, dataFingerprint: dataFingerprint,
            userCount: userCount, itemCount: itemCount, metrics: metrics, hyperparameters: configuration,
            blobLayout: Self.blobLayout, trainedEpochs: trainedEpochs)
        return ModelArtifact(
            metadataJSON: try metadata.json(), blob: egoEmbeddings.storage + userTable.storage + itemTable.storage)
    }

    public init(artifact: ModelArtifact) throws {
        let metadata = try ModelMetadata<PECOConfiguration>.decode(
            artifact, expectedModel: Self.modelName, formatVersion: Self.formatVersion)
        let configuration = metadata.hyperparameters
        let m = metadata.userCount, n = metadata.itemCount
        let d = configuration.backbone.embeddingDimension, width = configuration.sampleCount * d
        let egoCount = (m + n) * d, userCount = m * width, itemCount = n * width
        guard m > 0, n > 0, d > 0, configuration.sampleCount > 0,
            artifact.blob.count == egoCount + userCount + itemCount
        else {
            throw ModelError(
                .corruptArtifact,
                "peco blob has \(artifact.blob.count) floats, expected \(egoCount + userCount + itemCount)")
        }
        self.init(
            configuration: configuration, userCount: m, itemCount: n,
            egoEmbeddings: Matrix(rows: m + n, columns: d, storage: Array(artifact.blob[0..<egoCount])),
            userTable: Matrix(
                rows: m, columns: width, storage: Array(artifact.blob[egoCount..<(egoCount + userCount)])),
            itemTable: Matrix(rows: n, columns: width, storage: Array(artifact.blob[(egoCount + userCount)...])),
            dataFingerprint: metadata.dataFingerprint, trainedEpochs: metadata.trainedEpochs)
    }
}
