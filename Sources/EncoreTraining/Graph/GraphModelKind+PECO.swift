import EncoreModels

extension GraphModelKind {
    /// The PECO-style Bayesian LightGCN (``EncoreModels/PECORecommender``): LightGCN options set
    /// the backbone (fast schedule by default: batch 8192, lr 0.004, 100 epochs); ω 0.3, S 5, ρ 0.5.
    static let peco = GraphModelKind(
        PECORecommender.self,
        summary: "PECO-style Bayesian graph model (preference, concurrence, structure) over LightGCN",
        comparisonEpochs: 100,
        configure: { options in
            var configuration = PECOConfiguration()
            // Deliberately not LightGCN's defaults (1000 epochs, batch 2048, lr 0.001): the fast
            // schedule named above.
            configuration.backbone.epochs = options.epochs ?? 100
            configuration.backbone.batchSize = options.batchSize ?? 8192
            configuration.backbone.embeddingDimension = options.embeddingDimension ?? configuration.backbone.embeddingDimension
            configuration.backbone.layerCount = options.layerCount ?? configuration.backbone.layerCount
            configuration.backbone.learningRate = options.learningRate ?? 0.004
            configuration.backbone.regularization = options.regularization ?? configuration.backbone.regularization
            configuration.backbone.seed = options.seed ?? configuration.backbone.seed
            configuration.backbone.threads = options.threads
            try configuration.validate()
            return configuration
        },
        describe: { c in
            "peco ω=\(c.concurrenceWeight) S=\(c.sampleCount) ρ=\(c.sampledDegreeRatio) similar=\(c.similarUsers) "
                + "pretrain=\(c.pretrainFraction) | backbone lightgcn d=\(c.backbone.embeddingDimension) "
                + "K=\(c.backbone.layerCount) lr=\(c.backbone.learningRate) batch=\(c.backbone.batchSize) "
                + "epochs=\(c.backbone.epochs) seed=\(c.backbone.seed) threads=\(c.backbone.threads)"
        },
        summaryFields: { c in
            [
                ("batch_size", .integer(c.backbone.batchSize)),
                ("learning_rate", .number(Double(c.backbone.learningRate))), ("seed", .integer(Int(c.backbone.seed))),
            ]
        })
}
