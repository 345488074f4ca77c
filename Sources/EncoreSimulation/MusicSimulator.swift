import EncoreCore

/// A seeded simulation of a music service: catalogue, users, listening sessions, notification
/// requests and a legacy send-immediately sender, with the planted truth exposed.
///
/// Construction draws the catalogue and every user's hidden profile (O(tracks + users));
/// listening and notification events are generated day by day while the stream is iterated, so
/// memory is bounded by about one day of events. Everything is a function of the configuration:
/// two simulators with equal configurations produce byte-identical streams.
///
/// ```swift
/// let simulator = try MusicSimulator(configuration: SimulationConfiguration(users: 200, days: 3))
/// for event in simulator.makeEventStream() { produce(event.topic, event.key, event.encoded()) }
/// let p = simulator.groundTruth.openProbability(user: id, atMs: t, recentSendTimesMs: sends)
/// ```
public final class MusicSimulator: Sendable {
    /// The validated configuration.
    public let configuration: SimulationConfiguration
    /// The planted truth: hidden user profiles, latent track vectors, open and listening models.
    public let groundTruth: GroundTruth

    /// Builds the catalogue and the user population of `configuration`.
    ///
    /// - Throws: ``SimulationError`` when the configuration is invalid.
    public init(configuration: SimulationConfiguration) throws(SimulationError) {
        try configuration.validate()
        self.configuration = configuration
        let catalogue = SimulatedCatalogue.generate(configuration: configuration)
        let users = (0..<configuration.users).map {
            UserProfile.generate(index: $0, configuration: configuration, catalogue: catalogue)
        }
        groundTruth = GroundTruth(configuration: configuration, catalogue: catalogue, users: users)
    }

    /// The metadata of every track (what the stream emits first on `encore.tracks`).
    public var catalogue: [TrackMetadata] { groundTruth.catalogue.tracks }

    /// A fresh iteration over the whole run: the catalogue first, then every listen, request and
    /// notification event in nondecreasing time order.
    public func makeEventStream() -> SimulatedEventStream {
        SimulatedEventStream(groundTruth: groundTruth)
    }
}
