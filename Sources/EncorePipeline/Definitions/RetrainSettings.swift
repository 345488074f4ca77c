/// The `retrain:` section of a pipeline definition: when the retrain scheduler runs a cycle and
/// how it trains, judges and promotes the candidate generation.
///
/// ```yaml
/// retrain:
///   every_minutes: 60          # at most this long between cycles (0: no timer)
///   every_interactions: 50000  # or after this many new listens (0: no count trigger)
///   min_interactions: 2000     # no cycle before the store holds this many listens
///   graph_model: lightgcn
///   graph_epochs: 30
///   rnn_epochs: 3
///   holdout_fraction: 0.1      # the latest share of listens judges candidate vs current
///   promote_margin: 0.0        # promote unless the candidate is worse by more than this (relative)
///   threads: 1                 # training threads (ingestion keeps its own core)
/// ```
public struct RetrainSettings: Sendable, Equatable {
    public var everyMinutes = 60
    public var everyInteractions = 50_000
    public var minimumInteractions = 2000
    public var graphModel = "lightgcn"
    public var graphEpochs = 30
    public var rnnEpochs = 3
    public var holdoutFraction = 0.1
    public var promoteMargin = 0.0
    public var threads = 1

    public init() {}

    static let keys: Set<String> = [
        "every_minutes", "every_interactions", "min_interactions", "graph_model", "graph_epochs", "rnn_epochs",
        "holdout_fraction", "promote_margin", "threads",
    ]

    static func parse(_ field: YAMLField) throws(ConfigurationError) -> RetrainSettings {
        try field.requireMapping(allowedKeys: keys)
        var settings = RetrainSettings()
        settings.everyMinutes = try field["every_minutes"].integer(in: 0...100_000, default: settings.everyMinutes)
        settings.everyInteractions = try field["every_interactions"].integer(
            in: 0...1_000_000_000, default: settings.everyInteractions)
        if settings.everyMinutes == 0, settings.everyInteractions == 0 {
            throw field.error("set every_minutes or every_interactions (both are 0: the scheduler would never run)")
        }
        settings.minimumInteractions = try field["min_interactions"].integer(
            in: 1...1_000_000_000, default: settings.minimumInteractions)
        settings.graphModel = try field["graph_model"].string(default: settings.graphModel)
        settings.graphEpochs = try field["graph_epochs"].integer(in: 1...10_000, default: settings.graphEpochs)
        settings.rnnEpochs = try field["rnn_epochs"].integer(in: 1...1000, default: settings.rnnEpochs)
        settings.holdoutFraction = try field["holdout_fraction"].double(in: 0.01...0.5, default: settings.holdoutFraction)
        settings.promoteMargin = try field["promote_margin"].double(in: 0...1, default: settings.promoteMargin)
        settings.threads = try field["threads"].integer(in: 1...256, default: settings.threads)
        return settings
    }
}
