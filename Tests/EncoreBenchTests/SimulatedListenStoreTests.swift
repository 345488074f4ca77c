import EncoreBench
import EncoreCore
import EncoreSimulation
import EncoreStore
import Testing

/// The benchmark store builder writes exactly the simulator's listens, in order, with the ids the
/// store's maps hand back, and returns the listens after them as Kafka messages.
struct SimulatedListenStoreTests {
    @Test("stores the simulator's first N listens over several batches and returns the following ones")
    func storesTheSimulatedListens() throws {
        let store = try EncoreStore(path: nil)
        let (users, tracks, listens, following) = (30, 120, 700, 40)
        let result = try SimulatedListenStore.build(
            into: store, users: users, tracks: tracks, listens: listens, followingMessages: following, seed: 5,
            batchSize: 256)
        #expect(result.listens == listens)
        #expect(result.messages.count == following)
        #expect(try store.counts().listens == listens)
        #expect(result.tracks == tracks, "every catalogue track is registered")

        // The same simulator, read directly.
        let simulator = try MusicSimulator(configuration: SimulationConfiguration(
            users: users, tracks: tracks, artists: max(10, tracks / 10), days: result.days, seed: 5,
            notificationRequestsPerUserPerDay: 0))
        var expected: [ListenEvent] = []
        for case .listen(let listen) in simulator.makeEventStream() where expected.count < listens + following {
            expected.append(listen)
        }
        try #require(expected.count == listens + following)

        let userMap = try IdentifierMap(kind: .users, store: store)
        let trackMap = try IdentifierMap(kind: .tracks, store: store)
        // The store returns listens by user and time; the source offset is the stream position.
        let stored = try store.listens().sorted { $0.position.offset < $1.position.offset }
        #expect(stored.map(\.position.offset) == (0..<Int64(listens)).map { $0 })
        let storedKeys = stored.map { row in
            [userMap.id(at: row.user.rawValue) ?? "?", trackMap.id(at: row.item.rawValue) ?? "?", "\(row.timestampMs)"]
        }
        let expectedKeys = expected.prefix(listens).map { [$0.userID.rawValue, $0.trackID.rawValue, "\($0.timestampMs)"] }
        #expect(storedKeys == Array(expectedKeys))
        #expect(result.firstMs == expected.first?.timestampMs && result.lastMs == expected[listens - 1].timestampMs)
        #expect(result.messages.map(\.timestampMs) == expected.suffix(following).map(\.timestampMs))
        #expect(result.messages.map(\.key) == expected.suffix(following).map { Array($0.userID.rawValue.utf8) })
    }
}
