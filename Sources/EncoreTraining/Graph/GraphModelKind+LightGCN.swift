import EncoreModels

extension GraphModelKind {
    /// LightGCN (``EncoreModels/LightGCN``); option defaults are those of docs/design/lightgcn.md §5, with
    /// 100 epochs.
    static let lightGCN = GraphModelKind(
        LightGCN.self, summary: "LightGCN (He et al., SIGIR 2020), BPR-trained linear propagation",
        comparisonEpochs: 100,
        configure: { options in
            var configuration = LightGCNConfiguration()
            // Deliberately not the model's 1000 (the spec's full schedule): `encore train`'s budget.
            configuration.epochs = options.epochs ?? 100
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
            "lightgcn d=\(c.embeddingDimension) K=\(c.layerCount) lr=\(c.learningRate) decay=\(c.regularization) "
                + "batch=\(c.batchSize) epochs=\(c.epochs) seed=\(c.seed) threads=\(c.threads)"
        },
        summaryFields: { c in
            [
                ("batch_size", .integer(c.batchSize)), ("learning_rate", .number(Double(c.learningRate))),
                ("seed", .integer(Int(c.seed))),
            ]
        })
}
