import EncoreModels

extension GraphModelKind {
    /// Sheaf4Rec (``EncoreModels/SheafRecommender``); option defaults are the reference code's
    /// (d 64, K 5, α 1, Adam 1e-3, 1024 users per batch, regulariser 1.0, seed 42), 50 epochs.
    static let sheaf = GraphModelKind(
        SheafRecommender.self, summary: "Sheaf4Rec (Purificato et al., 2023), sheaf Laplacian diffusion",
        comparisonEpochs: 50,
        configure: { options in
            var configuration = SheafConfiguration()
            configuration.epochs = options.epochs ?? configuration.epochs
            configuration.batchSize = options.batchSize ?? configuration.batchSize
            configuration.embeddingDimension = options.embeddingDimension ?? configuration.embeddingDimension
            configuration.layerCount = options.layerCount ?? configuration.layerCount
            configuration.learningRate = options.learningRate ?? configuration.learningRate
            configuration.regularization = options.regularization ?? configuration.regularization
            configuration.seed = options.seed ?? configuration.seed
            configuration.threads = options.threads
            try configuration.validate()
            return configuration
        },
        describe: { c in
            "sheaf d=\(c.embeddingDimension) K=\(c.layerCount) α=\(c.stepSize) lr=\(c.learningRate) "
                + "reg=\(c.regularization) batch=\(c.batchSize) epochs=\(c.epochs) seed=\(c.seed) threads=\(c.threads)"
        },
        summaryFields: { c in
            [
                ("batch_size", .integer(c.batchSize)), ("learning_rate", .number(Double(c.learningRate))),
                ("seed", .integer(Int(c.seed))),
            ]
        })
}
