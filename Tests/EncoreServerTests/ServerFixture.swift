import EncoreCore
import EncorePipeline
import EncoreStages
import EncoreApp
import EncoreServer
import EncoreStore
import Synchronization

/// A real in-memory store with a small seeded history, the id maps, and pipeline statuses the
/// test controls: what a live service would hand the server.
final class ServerFixture: Sendable {
    let store: EncoreStore
    let users: IdentifierMap
    let tracks: IdentifierMap
    let statuses: Mutex<[PipelineStatus]>
    /// Every stored listen, as (user id, track id, event time), in insertion order.
    let listens: [(user: String, track: String, timestampMs: Int64)]

    static let baseMs: Int64 = 1_700_000_000_000

    init(seed: UInt64, userCount: Int = 6, trackCount: Int = 25, listenCount: Int = 300) throws {
        store = try EncoreStore(path: nil)
        users = try IdentifierMap(kind: .users, store: store)
        tracks = try IdentifierMap(kind: .tracks, store: store)
        var generator = SplitMix(seed: seed)
        var listens: [(user: String, track: String, timestampMs: Int64)] = []
        var timestamp = Self.baseMs
        for _ in 0..<listenCount {
            // Skewed popularity: low track numbers are played more.
            let track = Int(generator.unit() * generator.unit() * Double(trackCount))
            let user = Int(generator.next() % UInt64(userCount))
            timestamp += Int64(generator.next() % 600_000)
            listens.append(("user-\(user)", "track-\(track)", timestamp))
        }
        self.listens = listens
        var write = BatchWrite(groupID: "fixture")
        let userIndices = try users.resolve(listens.map(\.user))
        let trackIndices = try tracks.resolve(listens.map(\.track))
        for (position, listen) in listens.enumerated() {
            let event = ListenEvent(
                userID: UserID(listen.user), trackID: TrackID(listen.track), timestampMs: listen.timestampMs
            )
            write.listens.append(
                ListenRow(
                    user: UserIndex(userIndices[position]), item: ItemIndex(trackIndices[position]), event: event,
                    position: SourcePosition(partition: 0, offset: Int64(position))
                ))
        }
        try store.commit(write)
        var running = PipelineStatus(pipeline: "music")
        running.state = .running
        running.assignedPartitions = 4
        running.lag = 3
        statuses = Mutex([running])
    }

    /// Server dependencies over this fixture.
    func dependencies(
        retrain: any RetrainTrigger = NoRetrainScheduler(), configuration: ServerConfiguration = ServerConfiguration()
    ) -> ServerDependencies {
        let statuses: @Sendable () -> [PipelineStatus] = { self.statuses.withLock { $0 } }
        return ServerDependencies(
            configuration: configuration, store: store, pipelineStatuses: statuses,
            recommendations: GenerationRecommendationSource(
                live: nil,
                fallback: PopularityRecommendationSource(store: store, users: users, tracks: tracks, refreshInterval: .zero)
            ),
            retrain: retrain,
            modelCheck: ServerDependencies.baselineModelCheck(statuses, baseline: PopularityBaseline.modelName),
            metrics: MetricsBootstrap.prometheus()
        )
    }
}

/// SplitMix64: a seeded generator for fixtures.
struct SplitMix {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
