import EncoreCore
import EncoreSimulation
import EncoreStore
import Foundation

/// Fills an Encore store with the seeded music simulator's listens without going through Kafka:
/// ids resolved through the store's ``IdentifierMap``s (so indices are exactly what the pipeline
/// would assign), listens written as ``BatchWrite`` rows committed in large transactions. Used by
/// `encore bench retrain` to build a store of millions of listens in about a minute.
///
/// The listens after the first `listens` (up to `followingMessages` more, in stream order) are
/// returned encoded as Kafka messages instead: the traffic that arrives after the snapshot.
public enum SimulatedListenStore {
    /// One encoded listen for `encore.listens` (key = user id).
    public struct Message: Sendable {
        public var key: [UInt8]
        public var value: [UInt8]
        public var timestampMs: Int64
    }

    public struct Result: Sendable {
        /// Listens written to the store (fewer than asked only if the simulated days ran out).
        public var listens: Int
        /// Users and tracks known to the store (every catalogue track is registered).
        public var users: Int
        public var tracks: Int
        /// Simulated days configured and the time span of the stored listens.
        public var days: Int
        public var firstMs: Int64
        public var lastMs: Int64
        /// The listens that followed the stored ones.
        public var messages: [Message]
        public var seconds: Double
    }

    /// Simulated days for about `listens` listens of `users` users (the simulator's defaults give
    /// 20–25 listens per user and day; the estimate errs long since the stream stops early anyway).
    public static func days(forListens listens: Int, users: Int) -> Int {
        min(3650, Int((Double(listens) / (Double(max(users, 1)) * 15)).rounded(.up)) + 1)
    }

    /// Writes `listens` simulated listens to `store` and returns the next `followingMessages`.
    ///
    /// - Parameters:
    ///   - store: an empty store (ids are appended to its maps).
    ///   - batchSize: listens per transaction.
    ///   - progress: a line every batch.
    public static func build(
        into store: EncoreStore, users: Int, tracks: Int, listens: Int, followingMessages: Int = 0, seed: UInt64 = 42,
        batchSize: Int = 50_000, progress: (String) -> Void = { _ in }
    ) throws -> Result {
        let started = ContinuousClock.now
        let days = days(forListens: listens + followingMessages, users: users)
        let simulator = try MusicSimulator(configuration: SimulationConfiguration(
            users: users, tracks: tracks, artists: max(10, tracks / 10), days: days, seed: seed,
            notificationRequestsPerUserPerDay: 0))
        let userMap = try IdentifierMap(kind: .users, store: store)
        let trackMap = try IdentifierMap(kind: .tracks, store: store)
        // Every catalogue track, in catalogue order (as the pipeline's encore.tracks intake would).
        _ = try trackMap.resolve(simulator.catalogue.map(\.trackID.rawValue))

        var pending: [ListenEvent] = []
        pending.reserveCapacity(batchSize)
        var batch = BatchWrite(groupID: "bench-seed")
        batch.listens.reserveCapacity(batchSize)
        var written = 0
        var firstMs = Int64.max, lastMs = Int64.min
        var messages: [Message] = []
        messages.reserveCapacity(followingMessages)

        func flush() throws {
            guard !pending.isEmpty else { return }
            let userIndices = try userMap.resolve(pending.map(\.userID.rawValue))
            let trackIndices = try trackMap.resolve(pending.map(\.trackID.rawValue))
            batch.removeAll()
            for (offset, listen) in pending.enumerated() {
                batch.listens.append(ListenRow(
                    user: UserIndex(userIndices[offset]), item: ItemIndex(trackIndices[offset]), event: listen,
                    position: SourcePosition(partition: 0, offset: Int64(written + offset))))
                firstMs = min(firstMs, listen.timestampMs)
                lastMs = max(lastMs, listen.timestampMs)
            }
            try store.commit(batch)
            written += pending.count
            pending.removeAll(keepingCapacity: true)
            progress("  store: \(written)/\(listens) listens (\(String(format: "%.0f", started.duration(to: .now).inSeconds)) s)")
        }

        var stream = simulator.makeEventStream()
        while written + pending.count < listens || messages.count < followingMessages, let event = stream.next() {
            guard case .listen(let listen) = event else { continue }
            if written + pending.count < listens {
                pending.append(listen)
                if pending.count == batchSize { try flush() }
            } else {
                messages.append(Message(key: Array(listen.userID.rawValue.utf8), value: event.encoded(), timestampMs: listen.timestampMs))
            }
        }
        try flush()
        return Result(
            listens: written, users: userMap.count, tracks: trackMap.count, days: days, firstMs: firstMs, lastMs: lastMs,
            messages: messages, seconds: started.duration(to: .now).inSeconds)
    }
}
