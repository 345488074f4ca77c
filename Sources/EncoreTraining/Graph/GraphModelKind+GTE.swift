import EncoreModels

extension GraphModelKind {
    /// GTE (``EncoreModels/GTE``): nothing to train; `--layers` sets the path depth k (default 3).
    static let gte = GraphModelKind(
        GTE.self, summary: "GTE (Cai et al., CIKM 2023), learning-less odd-path counts", exampleUnit: "pairs",
        configure: { options in
            var configuration = GTEConfiguration()
            configuration.steps = options.layerCount ?? configuration.steps
            configuration.threads = options.threads
            try configuration.validate()
            return configuration
        },
        describe: { c in "gte k=\(c.steps) (no training: co-occurrence RᵀR and path counts) threads=\(c.threads)" },
        summaryFields: { c in [("steps", .integer(c.steps))] })
}
