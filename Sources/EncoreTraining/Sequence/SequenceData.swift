import EncoreCore
import EncoreEvaluation
import EncoreModels
import EncoreSimulation
import EncoreStore
import Foundation

/// Users' time-ordered listens loaded for the RNN: the model's corpus (rich events) and the
/// evaluator's log (items, times, listened flags) over the same events.
///
/// Sources: a RecBole `.inter` file with timestamps (seconds), Encore's SQLite store (listens
/// with times and skip flags), or the seeded simulator (`sim` or `sim:users=…,tracks=…,days=…,seed=…`),
/// whose listens carry play lengths, skips, devices and sources.
public struct SequenceData: Sendable {
    /// Histories for the model.
    public let corpus: SequenceCorpus
    /// The same events for the evaluator.
    public let log: SequenceLog
    /// Where they came from.
    public let description: String

    /// One raw play before grouping.
    struct Record {
        var user: Int32
        var event: SequenceEvent
        var order: Int
    }

    /// Wraps an already built corpus and log.
    init(corpus: SequenceCorpus, log: SequenceLog, description: String) {
        self.corpus = corpus
        self.log = log
        self.description = description
    }

    /// Groups records by user in time order (ties keep input order) and sets the novelty flags.
    init(records: [Record], itemCount: Int, userCount: Int, description: String) {
        let sorted = records.sorted { ($0.user, $0.event.timestampMs, $0.order) < ($1.user, $1.event.timestampMs, $1.order) }
        var events = [SequenceEvent]()
        events.reserveCapacity(sorted.count)
        var offsets = [Int](repeating: 0, count: userCount + 1)
        var seen = Set<Int32>()
        var currentUser: Int32 = -1
        for record in sorted {
            if record.user != currentUser {
                seen.removeAll(keepingCapacity: true)
                currentUser = record.user
            }
            var event = record.event
            event.novel = seen.insert(event.item).inserted
            events.append(event)
            offsets[Int(record.user) + 1] += 1
        }
        for user in 0..<userCount { offsets[user + 1] += offsets[user] }
        corpus = SequenceCorpus(events: events, offsets: offsets)
        log = SequenceLog(
            offsets: offsets, items: events.map(\.item), timestampsMs: events.map(\.timestampMs),
            listened: events.map { !$0.isSkip }, itemCount: itemCount)
        self.description = description
    }

    /// One-line summary.
    public var summary: String {
        let span = log.timeSpan
        return "\(corpus.userCount) users, \(log.itemCount) items, \(corpus.events.count) events, "
            + "\(log.listened.filter { !$0 }.count) skips, time \(span.first / 1000)…\(span.last / 1000) s"
    }

    /// Loads `source` (`sim[:…]`, a store path with `format == "store"` or ending in `.sqlite`,
    /// or a RecBole `.inter` file or directory).
    ///
    /// - Throws: ``EvaluationError`` for unreadable data.
    public static func load(_ source: String, format: String? = nil) throws -> SequenceData {
        if source == "sim" || source.hasPrefix("sim:") { return try simulated(source) }
        if format == "store" || (format == nil && source.hasSuffix(".sqlite")) { return try store(path: source) }
        var path = source
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory), isDirectory.boolValue {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: source)) ?? []
            guard let name = names.sorted().first(where: { $0.hasSuffix(".inter") }) else {
                throw EvaluationError(.unreadableFile, "no .inter file in \(source) (the RNN needs timestamps)")
            }
            path = (source as NSString).appendingPathComponent(name)
        }
        let (interactions, users, items) = try DatasetLoader.recBoleInteractions(file: path)
        // RecBole timestamps are seconds; anything that already looks like milliseconds is kept.
        let scale: Int64 = (interactions.map(\.timestamp).max() ?? 0) < 100_000_000_000 ? 1000 : 1
        let records = interactions.enumerated().map { index, interaction in
            Record(
                user: interaction.user, event: SequenceEvent(item: interaction.item, timestampMs: interaction.timestamp * scale),
                order: index)
        }
        return SequenceData(records: records, itemCount: items, userCount: users, description: path)
    }

    /// The listens of an Encore store (times and skip flags; no play lengths or context).
    static func store(path: String) throws -> SequenceData {
        let store = try EncoreStore(path: path)
        let users = try IdentifierMap(kind: .users, store: store)
        let tracks = try IdentifierMap(kind: .tracks, store: store)
        let listens = try store.listens()
        guard !listens.isEmpty else { throw EvaluationError(.unreadableFile, "the store at \(path) holds no listens") }
        let records = listens.enumerated().map { index, listen in
            Record(
                user: listen.user.rawValue,
                event: SequenceEvent(item: listen.item.rawValue, timestampMs: listen.timestampMs, skipped: listen.skipped ?? false),
                order: index)
        }
        return SequenceData(records: records, itemCount: tracks.count, userCount: users.count, description: path)
    }

    /// Listens of the seeded music simulator (`sim:users=300,tracks=2000,days=14,seed=42`).
    static func simulated(_ source: String) throws -> SequenceData {
        var users = 300, tracks = 2000, days = 14
        var seed: UInt64 = 42
        if let colon = source.firstIndex(of: ":") {
            for pair in source[source.index(after: colon)...].split(separator: ",") {
                let parts = pair.split(separator: "=").map(String.init)
                guard parts.count == 2, let value = Int(parts[1]), value > 0 else {
                    throw EvaluationError(.malformedInput, "bad simulator option '\(pair)' in \(source)")
                }
                switch parts[0] {
                case "users": users = value
                case "tracks": tracks = value
                case "days": days = value
                case "seed": seed = UInt64(value)
                default: throw EvaluationError(.malformedInput, "unknown simulator option '\(parts[0])'")
                }
            }
        }
        let simulator: MusicSimulator
        do {
            simulator = try MusicSimulator(
                configuration: SimulationConfiguration(
                    users: users, tracks: tracks, artists: max(10, tracks / 10), days: days, seed: seed))
        } catch {
            throw EvaluationError(.malformedInput, "simulator configuration rejected", underlying: error)
        }
        var trackIndex = [String: Int32]()
        for track in simulator.catalogue { trackIndex[track.trackID.rawValue] = Int32(trackIndex.count) }
        var userIndex = [String: Int32]()
        var records = [Record]()
        for case .listen(let listen) in simulator.makeEventStream() {
            let user = userIndex[listen.userID.rawValue] ?? {
                let index = Int32(userIndex.count)
                userIndex[listen.userID.rawValue] = index
                return index
            }()
            let item = trackIndex[listen.trackID.rawValue] ?? {
                let index = Int32(trackIndex.count)
                trackIndex[listen.trackID.rawValue] = index
                return index
            }()
            let event = SequenceEvent(
                item: item, timestampMs: listen.timestampMs, msPlayed: Int32(clamping: listen.msPlayed ?? -1),
                durationMs: Int32(clamping: listen.durationMs ?? -1), skipped: listen.isSkip,
                source: SequenceEvent.source(named: listen.context?.source),
                device: SequenceEvent.device(named: listen.context?.device))
            records.append(Record(user: user, event: event, order: records.count))
        }
        return SequenceData(
            records: records, itemCount: trackIndex.count, userCount: userIndex.count,
            description: "simulator users=\(users) tracks=\(tracks) days=\(days) seed=\(seed)")
    }
}

extension SequenceData {
    /// The listens of an open store (the retrain cycle's snapshot).
    public init(store: EncoreStore) throws {
        let users = try IdentifierMap(kind: .users, store: store)
        let tracks = try IdentifierMap(kind: .tracks, store: store)
        let listens = try store.listens()
        guard !listens.isEmpty else { throw EvaluationError(.unreadableFile, "the store holds no listens") }
        // The stage's view of each listen (same skip rule, lengths and context), quantized as the
        // live state remembers it, so training and serving see the same inputs.
        let records = listens.enumerated().map { index, listen in
            let event = ListenEvent(
                userID: UserID(""), trackID: TrackID(""), timestampMs: listen.timestampMs, msPlayed: listen.msPlayed,
                durationMs: listen.durationMs, skipped: listen.skipped,
                context: ListenContext(device: listen.device, source: listen.source))
            return Record(
                user: listen.user.rawValue,
                event: SequenceEvent(listen: event, item: listen.item.rawValue).quantized(),
                order: index)
        }
        self.init(records: records, itemCount: tracks.count, userCount: users.count, description: "store")
    }
}
