import EncoreModels

extension GraphModelKind {
    /// DCCF (``EncoreModels/DCCF``); option defaults are the reference code's (d 32, L 2, Kp 128,
    /// batch 10240 × 40 per epoch, λ1 0.1, λ2 2.5e-5, λ3 5e-3, τ 1, seed 2022) with 150 epochs.
    static let dccf = GraphModelKind(
        DCCF.self, summary: "DCCF (Ren et al., SIGIR 2023), intent-disentangled contrastive graph CF",
        comparisonEpochs: 5,
        configure: { options in
            var configuration = DCCFConfiguration()
            configuration.epochs = options.epochs ?? configuration.epochs
            configuration.batchSize = options.batchSize ?? configuration.batchSize
            configuration.batchesPerEpoch = options.batchesPerEpoch ?? configuration.batchesPerEpoch
            configuration.embeddingDimension = options.embeddingDimension ?? configuration.embeddingDimension
            configuration.layerCount = options.layerCount ?? configuration.layerCount
            configuration.learningRate = options.learningRate ?? configuration.learningRate
            configuration.embeddingRegularization = options.regularization ?? configuration.embeddingRegularization
            configuration.seed = options.seed ?? configuration.seed
            configuration.threads = options.threads
            try configuration.validate()
            return configuration
        },
        describe: { c in
            "dccf d=\(c.embeddingDimension) L=\(c.layerCount) Kp=\(c.prototypeCount) lr=\(c.learningRate) "
                + "batch=\(c.batchSize)×\(c.batchesPerEpoch) λ1=\(c.contrastWeight) λ2=\(c.embeddingRegularization) "
                + "λ3=\(c.prototypeRegularization) τ=\(c.temperature) epochs=\(c.epochs) seed=\(c.seed) threads=\(c.threads)"
        },
        summaryFields: { c in
            [
                ("batch_size", .integer(c.batchSize)), ("batches_per_epoch", .integer(c.batchesPerEpoch)),
                ("learning_rate", .number(Double(c.learningRate))), ("seed", .integer(Int(c.seed))),
            ]
        })
}
