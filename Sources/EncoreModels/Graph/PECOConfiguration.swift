/// Hyperparameters of Encore's PECO-inspired Bayesian graph model (see ``PECORecommender``).
///
/// The backbone is LightGCN with its own configuration; the other values are the generator's
/// and are Encore's choices (PECO publishes no code or settings; `docs/peco-open-questions.md`).
public struct PECOConfiguration: Codable, Sendable, Equatable {
    /// The LightGCN backbone (d, K, Adam, λ, batch, epochs, seed, threads).
    public var backbone = LightGCNConfiguration()
    /// Sampled graphs S, generated once per retrain, rotated per epoch, averaged at inference
    /// (BGCF's MindSpore reference pre-samples 5).
    public var sampleCount = 5
    /// Concurrence weight ω ∈ [0, 1]: the probability that a sampled edge comes from the item
    /// co-occurrence walk u → j → u′ → i rather than from the similar user's list (Node-Copy).
    /// ω = 0 is Node-Copy; PECO tunes it per data set.
    public var concurrenceWeight: Float = 0.3
    /// Similar users T per user (nearest by cosine of the pretrained user embeddings); one of
    /// them, drawn uniformly, is the Node-Copy source of a user in one sampled graph.
    public var similarUsers = 10
    /// Sampled edges per user as a fraction ρ of its observed degree (rounded; structure term).
    /// BGCF pairs 40 observed with 20 sampled neighbours, hence 0.5. ρ = 0 gives the observed graph.
    public var sampledDegreeRatio: Float = 0.5
    /// Fraction of the epochs spent training on the observed graph before the generator runs
    /// on the learned embeddings (skipped when warm-starting: the previous generation's
    /// embeddings are used at once).
    public var pretrainFraction: Float = 0.25

    /// The defaults.
    public init() {}

    /// Checks every value and names the first bad one.
    ///
    /// - Throws: ``ModelError`` with code `.invalidInput`.
    public func validate() throws {
        try backbone.validate()
        func fail(_ text: String) throws -> Never { throw ModelError(.invalidInput, "PECO: \(text)") }
        if sampleCount <= 0 { try fail("sampleCount must be positive, is \(sampleCount)") }
        if !(concurrenceWeight >= 0 && concurrenceWeight <= 1) { try fail("concurrenceWeight must be in [0, 1]") }
        if similarUsers <= 0 { try fail("similarUsers must be positive, is \(similarUsers)") }
        if !(sampledDegreeRatio >= 0 && sampledDegreeRatio.isFinite) { try fail("sampledDegreeRatio must be ≥ 0") }
        if !(pretrainFraction >= 0 && pretrainFraction <= 1) { try fail("pretrainFraction must be in [0, 1]") }
    }

    /// Epochs on the observed graph before the sampled graphs are generated.
    public func pretrainEpochs(warmStarted: Bool) -> Int {
        warmStarted ? 0 : Int((Float(backbone.epochs) * pretrainFraction).rounded(.down))
    }
}
