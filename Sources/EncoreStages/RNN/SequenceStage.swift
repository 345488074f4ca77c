import EncoreCore
import EncoreModels
import EncoreNumerics
import EncorePipeline
import EncoreStore

/// The music pipeline's RNN stage: every listen advances that user's recurrent state by one
/// step of the current generation's cell, and a user due a recommendation (debounced in event
/// time) gets the tracks nearest to the short-term head of the new state.
///
/// Within a batch, listens are grouped into *waves* — wave w holds the w-th listen of every user
/// in the batch — so each wave is one batched step (GEMMs over the users) and each user's order
/// is kept. A state computed by another generation is rebuilt before its user's first listen of
/// the batch by replaying the remembered listens through the current generation, so no output
/// ever mixes generations. Listens older than the state's newest are *late*: stored as
/// interactions (by the processor) but they do not advance the state.
///
/// Until the first generation exists the stage only remembers listens (the popularity baseline
/// answers meanwhile); the first generation replays them.
public final class SequenceStage: PipelineStage {
    /// Settings from the pipeline definition (`type: rnn`); also the stage's ``StageDefinition``
    /// (SequenceStage+Definition.swift).
    public struct Settings: Sendable, Equatable {
        /// Tracks per recommendation.
        public var topK = 20
        /// At most one recommendation per user per this much event time.
        public var debounce: Duration = .seconds(600)
        /// The user's most recent plays left out of a recommendation.
        public var excludeRecent = 5
        /// Users per batched step (bounds the wave buffers).
        public var maximumWave = 256
        /// Threads scoring the catalogue for due recommendations (the pipeline thread and one more).
        public var scoringThreads = 1
        public init() {}
    }

    struct DueRecommendation {
        var userID: UserID
        var timestampMs: Int64
        /// Where the listen that triggered it was consumed (the recommendation's id derives from it).
        var position: SourcePosition
        var items: [(Int32, Float)]
    }

    /// Counters since start (for status and tests).
    struct Counters: Equatable {
        var steps = 0
        var waves = 0
        var lateListens = 0
        var replayedUsers = 0
        var replayedSteps = 0
    }

    private struct DueEntry {
        var pending: Int
        var exclusions: Range<Int>
        /// The user's ring buffer when it became due (the model's repeat term reads it).
        var history: Range<Int>
    }

    private struct Pending {
        var user: Int32
        var userID: UserID
        var event: SequenceEvent
        var timestampMs: Int64
        var position: SourcePosition
    }

    let settings: Settings
    var users = UserStateCache<SequenceUserState>()
    private(set) var generation: MusicGeneration?
    private(set) var counters = Counters()
    private var workspace: SequenceWorkspace?
    private var pending: [Pending] = []
    private var ordinals: [Int32: Int] = [:]
    private var waves: [[Int]] = []
    private var rows: [Int] = []
    private var stateBuffer: [Float] = []
    private var inputBuffer: [Float] = []
    /// Users due a recommendation in this batch: their vectors (vectorWidth each), and which listen, which
    /// excluded items and which history (ring buffer copy) each belongs to.
    private var dueVectors: [Float] = []
    private var dueExclusions: [Int32] = []
    private var dueHistory: [SequenceEvent] = []
    private var dueEntries: [DueEntry] = []
    private var scoreBuffer: [Float] = []
    private var selector: TopKSelector

    public init(settings: Settings) {
        self.settings = settings
        selector = TopKSelector(k: settings.topK)
    }

    /// Reads the stored states back (after a restart or a failed batch).
    public func reload(from store: EncoreStore) throws(StoreError) {
        pending.removeAll(keepingCapacity: true)
        ordinals.removeAll(keepingCapacity: true)
        try users.reload(from: store)
    }

    /// Picks up a newly installed generation; called between batches only.
    public func install(from generations: ModelGenerations) {
        generation = generations.currentMusic
        if let generation {
            workspace = SequenceWorkspace(model: generation.model, maximumCount: settings.maximumWave)
            let model = generation.model
            stateBuffer = [Float](repeating: 0, count: settings.maximumWave * model.stateSize)
            inputBuffer = [Float](repeating: 0, count: settings.maximumWave * model.inputWidth)
            selector = TopKSelector(k: min(settings.topK, model.itemCount))
            scoreBuffer = []
        }
    }

    /// Whether recommendations come from this stage (a generation is installed).
    public var isAnswering: Bool { generation != nil }

    public func process(_ events: [StageEvent], in batch: StageBatch) throws {
        for event in events {
            guard case .listen(let listen, let user, let item, let position) = event else { continue }
            observe(user: user, userID: listen.userID, listen: listen, item: item, position: position)
        }
        // The batch's listens are applied in waves (one batched step per wave).
        let label = generation?.label ?? ""
        try flush { due in
            try batch.recommend(
                user: due.userID, items: due.items, timestampMs: due.timestampMs, position: due.position, model: label,
                reason: Self.reason)
        }
    }

    public func commitState(to batch: StageBatch) {
        users.write(into: &batch.write, updatedMs: batch.summary.lastEventMs ?? 0)
        users.clearTouched()
    }

    public static let reason = "next up from your listening sequence"

    /// Queues a listen; the batch's listens are applied together by ``flush(emit:)``.
    func observe(user: Int32, userID: UserID, listen: ListenEvent, item: Int32, position: SourcePosition) {
        let ordinal = ordinals[user, default: 0]
        ordinals[user] = ordinal + 1
        if waves.count <= ordinal { waves.append([]) }
        waves[ordinal].append(pending.count)
        pending.append(Pending(
            user: user, userID: userID, event: SequenceUserState.quantize(Self.sequenceEvent(listen, item: item)),
            timestampMs: listen.timestampMs, position: position
        ))
    }

    /// Applies the queued listens wave by wave and hands every due recommendation to `emit`.
    func flush(emit: (DueRecommendation) throws -> Void) rethrows {
        defer {
            pending.removeAll(keepingCapacity: true)
            ordinals.removeAll(keepingCapacity: true)
            for index in waves.indices { waves[index].removeAll(keepingCapacity: true) }
        }
        guard !pending.isEmpty else { return }
        guard let generation, var workspace else {
            for entry in pending { users.update(entry.user) { Self.remember(entry, in: &$0) } }
            return
        }
        defer { self.workspace = workspace }
        for user in ordinals.keys {
            users.update(user) { state in
                guard state.generation != generation.id else { return }
                counters.replayedUsers += 1
                counters.replayedSteps += state.ring.count
                Self.replay(&state, generation: generation, workspace: &workspace)
            }
        }
        for wave in waves where !wave.isEmpty {
            var start = 0
            while start < wave.count {
                let end = min(wave.count, start + settings.maximumWave)
                step(wave[start..<end], generation: generation, workspace: &workspace)
                start = end
            }
        }
        try emitDue(generation: generation, emit: emit)
    }

    /// Rebuilds a state from its remembered listens under `generation` (h₀ = 0).
    static func replay(_ state: inout SequenceUserState, generation: MusicGeneration, workspace: inout SequenceWorkspace) {
        let model = generation.model
        var hidden = [Float](repeating: 0, count: model.stateSize)
        var input = [Float](repeating: 0, count: model.inputWidth)
        var previous: SequenceEvent?
        for event in state.ring {
            input.withUnsafeMutableBufferPointer { model.encode(event, previous: previous, into: $0) }
            hidden.withUnsafeMutableBufferPointer { states in
                input.withUnsafeBufferPointer { model.step(states: states, inputs: $0, count: 1, workspace: &workspace) }
            }
            previous = event
        }
        state.hidden = hidden
        state.generation = generation.id
    }

    /// The top-K tracks for a state of `generation` (which must be the state's generation),
    /// leaving out the user's `excludeRecent` latest plays.
    static func recommend(
        _ state: SequenceUserState, generation: MusicGeneration, k: Int, excludeRecent: Int,
        workspace: inout SequenceWorkspace
    ) -> [(Int32, Float)] {
        let model = generation.model
        var vector = [Float](repeating: 0, count: model.vectorWidth)
        var scores = [Float](repeating: 0, count: model.itemCount)
        state.hidden.withUnsafeBufferPointer { hidden in
            vector.withUnsafeMutableBufferPointer {
                model.userVectors(states: hidden, count: 1, head: .short, into: $0, workspace: &workspace)
            }
        }
        vector.withUnsafeBufferPointer { v in
            scores.withUnsafeMutableBufferPointer {
                model.scores(userVectors: v, count: 1, into: $0)
                model.addHistoryScores(userVector: v, history: state.ring, into: $0)
            }
        }
        for event in state.ring.suffix(excludeRecent) where Int(event.item) < scores.count {
            scores[Int(event.item)] = -.infinity
        }
        var selector = TopKSelector(k: min(k, scores.count))
        return selector.select(scores).map { ($0, scores[Int($0)]) }
    }

    // MARK: Waves

    private func step(_ wave: ArraySlice<Int>, generation: MusicGeneration, workspace: inout SequenceWorkspace) {
        let model = generation.model
        let stateSize = model.stateSize
        let inputWidth = model.inputWidth
        rows.removeAll(keepingCapacity: true)
        // Gather: late listens drop out, the others get their inputs and states in row order.
        for index in wave {
            let entry = pending[index]
            let row = rows.count
            let advanced = users.update(entry.user) { state -> Bool in
                if entry.timestampMs < state.lastEventMs {
                    state.listenCount += 1
                    state.lateCount += 1
                    return false
                }
                var event = entry.event
                event.novel = !state.hasPlayed(event.item)
                pending[index].event = event
                let previous = state.lastEvent
                inputBuffer.withUnsafeMutableBufferPointer { inputs in
                    model.encode(
                        event, previous: previous,
                        into: UnsafeMutableBufferPointer(rebasing: inputs[(row * inputWidth)..<((row + 1) * inputWidth)])
                    )
                }
                stateBuffer.withUnsafeMutableBufferPointer { states in
                    _ = UnsafeMutableBufferPointer(rebasing: states[(row * stateSize)..<((row + 1) * stateSize)])
                        .initialize(from: state.hidden)
                }
                return true
            }
            if advanced { rows.append(index) } else { counters.lateListens += 1 }
        }
        guard !rows.isEmpty else { return }
        let count = rows.count
        stateBuffer.withUnsafeMutableBufferPointer { states in
            inputBuffer.withUnsafeBufferPointer { inputs in
                model.step(states: states, inputs: inputs, count: count, workspace: &workspace)
            }
        }
        counters.steps += count
        counters.waves += 1

        // Scatter the new states back; note who is due a recommendation.
        let debounceMs = Int64(settings.debounce.components.seconds * 1000)
        var due: [Int] = []
        for (row, index) in rows.enumerated() {
            let entry = pending[index]
            let isDue = users.update(entry.user) { state -> Bool in
                state.hidden = Array(stateBuffer[(row * stateSize)..<((row + 1) * stateSize)])
                state.generation = generation.id
                state.remember(entry.event)
                state.lastEventMs = entry.timestampMs
                state.listenCount += 1
                if let last = state.lastRecommendationMs, entry.timestampMs - last < debounceMs { return false }
                state.lastRecommendationMs = entry.timestampMs
                return true
            }
            if isDue { due.append(row) }
        }
        guard !due.isEmpty else { return }
        // The due users' vectors now (their states move on in later waves); scoring waits for
        // the end of the batch, so one GEMM covers many users (the item table is packed once).
        for (target, row) in due.enumerated() where target != row {
            for offset in 0..<stateSize { stateBuffer[target * stateSize + offset] = stateBuffer[row * stateSize + offset] }
        }
        let dimension = model.vectorWidth
        let first = dueVectors.count
        dueVectors.append(contentsOf: repeatElement(0, count: due.count * dimension))
        stateBuffer.withUnsafeBufferPointer { states in
            dueVectors.withUnsafeMutableBufferPointer { vectors in
                model.userVectors(
                    states: states, count: due.count, head: .short,
                    into: UnsafeMutableBufferPointer(rebasing: vectors[first...]), workspace: &workspace
                )
            }
        }
        for row in due {
            let index = rows[row]
            let exclusionStart = dueExclusions.count, historyStart = dueHistory.count
            if let state = users.state(of: pending[index].user) {
                for event in state.ring.suffix(settings.excludeRecent) { dueExclusions.append(event.item) }
                dueHistory.append(contentsOf: state.ring)
            }
            dueEntries.append(
                DueEntry(
                    pending: index, exclusions: exclusionStart..<dueExclusions.count,
                    history: historyStart..<dueHistory.count))
        }
    }

    /// Scores every due user of the batch and emits their top-K, in order.
    ///
    /// Rows go in chunks of 64 per GEMM (the item table is packed once per chunk); up to
    /// `scoringThreads` chunks are scored and selected at once, each worker on its own slice of
    /// the score buffer, so results do not depend on the thread count.
    private func emitDue(generation: MusicGeneration, emit: (DueRecommendation) throws -> Void) rethrows {
        defer {
            dueVectors.removeAll(keepingCapacity: true)
            dueExclusions.removeAll(keepingCapacity: true)
            dueHistory.removeAll(keepingCapacity: true)
            dueEntries.removeAll(keepingCapacity: true)
        }
        guard !dueEntries.isEmpty else { return }
        let model = generation.model
        let itemCount = model.itemCount
        let dimension = model.vectorWidth
        let chunk = 64
        let workers = max(1, settings.scoringThreads)
        let k = selector.k
        let rowsNeeded = min(chunk * workers, dueEntries.count)
        if scoreBuffer.count < rowsNeeded * itemCount { scoreBuffer = [Float](repeating: 0, count: rowsNeeded * itemCount) }
        let entries = dueEntries
        let histories = dueHistory
        var start = 0
        while start < entries.count {
            let count = min(chunk * workers, entries.count - start)
            let parts = (count + chunk - 1) / chunk
            var results = [[(Int32, Float)]](repeating: [], count: count)
            results.withUnsafeMutableBufferPointer { results in
                scoreBuffer.withUnsafeMutableBufferPointer { scores in
                    dueVectors.withUnsafeBufferPointer { vectors in
                        dueExclusions.withUnsafeBufferPointer { exclusions in
                            parallelChunks(chunkCount: parts, threads: min(parts, workers)) { part in
                                let first = part * chunk
                                let rows = min(chunk, count - first)
                                let region = UnsafeMutableBufferPointer(
                                    rebasing: scores[(first * itemCount)..<((first + rows) * itemCount)])
                                model.scores(
                                    userVectors: UnsafeBufferPointer(rebasing: vectors[((start + first) * dimension)...]),
                                    count: rows, into: region)
                                var selector = TopKSelector(k: k)
                                var picked = [Int32](repeating: 0, count: k)
                                for row in 0..<rows {
                                    let due = entries[start + first + row]
                                    let base = row * itemCount
                                    let vector = (start + first + row) * dimension
                                    model.addHistoryScores(
                                        userVector: UnsafeBufferPointer(rebasing: vectors[vector..<(vector + dimension)]),
                                        history: histories[due.history],
                                        into: UnsafeMutableBufferPointer(rebasing: region[base..<(base + itemCount)]))
                                    for position in due.exclusions where Int(exclusions[position]) < itemCount {
                                        region[base + Int(exclusions[position])] = -.infinity
                                    }
                                    let found = picked.withUnsafeMutableBufferPointer { output in
                                        selector.select(
                                            UnsafeBufferPointer(rebasing: region[base..<(base + itemCount)]), into: output)
                                    }
                                    results[first + row] = (0..<found).map { (picked[$0], region[base + Int(picked[$0])]) }
                                }
                            }
                        }
                    }
                }
            }
            for offset in 0..<count {
                let entry = pending[entries[start + offset].pending]
                try emit(DueRecommendation(
                    userID: entry.userID, timestampMs: entry.timestampMs, position: entry.position, items: results[offset]))
            }
            start += count
        }
    }

    // MARK: Helpers

    private static func remember(_ entry: Pending, in state: inout SequenceUserState) {
        state.listenCount += 1
        if entry.timestampMs < state.lastEventMs {
            state.lateCount += 1
            return
        }
        var event = entry.event
        event.novel = !state.hasPlayed(event.item)
        state.remember(event)
        state.lastEventMs = entry.timestampMs
    }

    /// The model's view of a listen.
    public static func sequenceEvent(_ listen: ListenEvent, item: Int32) -> SequenceEvent {
        SequenceEvent(listen: listen, item: item)
    }
}
