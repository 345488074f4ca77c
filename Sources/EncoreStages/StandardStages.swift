import EncorePipeline

extension StageRegistry {
    /// Encore's stage types: `popularity_baseline`, `rule_baseline`, `rnn` and `c3po`, one folder
    /// each in this module (docs/ARCHITECTURE.md, "A new stage").
    public static let standard: StageRegistry = {
        var registry = StageRegistry()
        registry.register(PopularityBaseline.Settings.self)
        registry.register(RuleBaseline.Settings.self)
        registry.register(SequenceStage.Settings.self)
        registry.register(C3POStage.Settings.self)
        return registry
    }()
}
