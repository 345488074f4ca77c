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
        public var scoringThreads = 2
        /// How recommendations are found: through the generation's retrieval index when it has
        /// one (large catalogues), or always by exact scoring of the whole catalogue.
        public var retrieval = Retrieval.index
        /// Every this many recommendations served from the index, one is also scored exactly and
        /// the overlap counted (the live recall@K on `/metrics`); 0: never.
        public var recallSampleEvery = 1000
        public init() {}
    }

    /// Where recommendations come from.
    public enum Retrieval: String, Sendable, Equatable, CaseIterable {
        /// The generation's retrieval index, with exact re-scoring of its candidates (exact
        /// scoring when the generation has no index).
        case index
        /// Exact scores of every item (the reference).
        case exact
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
        /// Recommendations served from the retrieval index.
        var indexed = 0
        /// Of those, how many were also scored exactly, and the items the two top-K lists share.
        var recallSamples = 0
        var recallHits = 0
        var recallSlots = 0
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
    private(set) var statistics = Counters()
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
    private var selector: TopKSelector
    /// One per scoring thread (retrieval path).
    private var retrievalScratch: [RetrievalScratch] = []
    /// One per scoring thread (exact path).
    private var exactScratch: [ExactScoringScratch] = []

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
            retrievalScratch = []
            exactScratch = (0..<max(1, settings.scoringThreads)).map { _ in
                ExactScoringScratch(k: min(settings.topK, model.itemCount))
            }
            if let retrieval = generation.retrieval, settings.retrieval == .index {
                retrievalScratch = (0..<max(1, settings.scoringThreads)).map { _ in
                    RetrievalScratch(model: model, retrieval: retrieval, k: min(settings.topK, model.itemCount))
                }
            }
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

    /// Recommendations served from the retrieval index and the exact-scoring samples' overlap
    /// (recall@K = `rnn.recall_hits` / `rnn.recall_slots`).
    public var counters: [String: Int] {
        [
            "rnn.steps": statistics.steps, "rnn.index_recommendations": statistics.indexed,
            "rnn.recall_samples": statistics.recallSamples, "rnn.recall_hits": statistics.recallHits,
            "rnn.recall_slots": statistics.recallSlots,
        ]
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
                statistics.replayedUsers += 1
                statistics.replayedSteps += state.ring.count
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
            if advanced { rows.append(index) } else { statistics.lateListens += 1 }
        }
        guard !rows.isEmpty else { return }
        let count = rows.count
        stateBuffer.withUnsafeMutableBufferPointer { states in
            inputBuffer.withUnsafeBufferPointer { inputs in
                model.step(states: states, inputs: inputs, count: count, workspace: &workspace)
            }
        }
        statistics.steps += count
        statistics.waves += 1

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

    /// Scores every due user of the batch exactly and emits their top-K, in order.
    ///
    /// Rows go in fixed chunks of ``SequenceModel/exactRows`` (one GEMM per tile of items each,
    /// ``SequenceModel/exactTopK(userVectors:count:k:history:exclusions:scratch:emit:)``); the
    /// chunks are split into one contiguous part per scoring thread, each with its own scratch,
    /// so the GEMM shapes — and the results — do not depend on the thread count.
    private func emitDue(generation: MusicGeneration, emit: (DueRecommendation) throws -> Void) rethrows {
        defer {
            dueVectors.removeAll(keepingCapacity: true)
            dueExclusions.removeAll(keepingCapacity: true)
            dueHistory.removeAll(keepingCapacity: true)
            dueEntries.removeAll(keepingCapacity: true)
        }
        guard !dueEntries.isEmpty else { return }
        if let retrieval = generation.retrieval, !retrievalScratch.isEmpty {
            return try emitDue(generation: generation, retrieval: retrieval, emit: emit)
        }
        let model = generation.model
        let dimension = model.vectorWidth
        let k = selector.k
        let count = dueEntries.count
        let rowsPerChunk = SequenceModel.exactRows
        let chunks = (count + rowsPerChunk - 1) / rowsPerChunk
        let parts = min(exactScratch.count, chunks)
        var results = [[(Int32, Float)]](repeating: [], count: count)
        let entries = dueEntries
        let histories = dueHistory
        results.withUnsafeMutableBufferPointer { results in
            exactScratch.withUnsafeMutableBufferPointer { scratches in
                dueVectors.withUnsafeBufferPointer { vectors in
                    dueExclusions.withUnsafeBufferPointer { exclusions in
                        parallelChunks(chunkCount: parts, threads: parts) { part in
                            for chunk in (chunks * part / parts)..<(chunks * (part + 1) / parts) {
                                let first = chunk * rowsPerChunk
                                let rows = min(rowsPerChunk, count - first)
                                model.exactTopK(
                                    userVectors: vectors.baseAddress! + first * dimension, count: rows, k: k,
                                    table: generation.scoringTable,
                                    history: { histories[entries[first + $0].history] },
                                    exclusions: { exclusions[entries[first + $0].exclusions] },
                                    scratch: &scratches[part]
                                ) { row, items, scores in
                                    results[first + row] = (0..<items.count).map { (items[$0], scores[$0]) }
                                }
                            }
                        }
                    }
                }
            }
        }
        for row in 0..<count {
            let entry = pending[entries[row].pending]
            try emit(DueRecommendation(
                userID: entry.userID, timestampMs: entry.timestampMs, position: entry.position, items: results[row]))
        }
    }

    /// Scores every due user of the batch from the retrieval index's candidates and emits their
    /// top-K, in order. The due users are split into one contiguous part per scoring thread,
    /// each with its own scratch; every row is computed alone, so results do not depend on the
    /// thread count. Every ``Settings/recallSampleEvery``-th row is also scored exactly (the
    /// reference) and the overlap counted.
    private func emitDue(
        generation: MusicGeneration, retrieval: SequenceRetrieval, emit: (DueRecommendation) throws -> Void
    ) rethrows {
        let model = generation.model
        let itemCount = model.itemCount
        let dimension = model.vectorWidth
        let k = selector.k
        let count = dueEntries.count
        let parts = min(retrievalScratch.count, count)
        let every = settings.recallSampleEvery
        let firstOrdinal = statistics.indexed
        var results = [[(Int32, Float)]](repeating: [], count: count)
        var samples = [(samples: Int, hits: Int, slots: Int)](repeating: (0, 0, 0), count: parts)
        let entries = dueEntries
        let histories = dueHistory
        results.withUnsafeMutableBufferPointer { results in
            retrievalScratch.withUnsafeMutableBufferPointer { scratches in
                samples.withUnsafeMutableBufferPointer { samples in
                    dueVectors.withUnsafeBufferPointer { vectors in
                        dueExclusions.withUnsafeBufferPointer { exclusions in
                            parallelChunks(chunkCount: parts, threads: parts) { part in
                                let rows = (count * part / parts)..<(count * (part + 1) / parts)
                                var output = [(Int32, Float)](repeating: (0, 0), count: k)
                                for row in rows {
                                    let due = entries[row]
                                    let vector = UnsafeBufferPointer(rebasing: vectors[(row * dimension)..<((row + 1) * dimension)])
                                    let excluded = exclusions[due.exclusions]
                                    let found = output.withUnsafeMutableBufferPointer { output in
                                        model.recommend(
                                            userVector: vector, history: histories[due.history], exclusions: excluded,
                                            retrieval: retrieval, scratch: &scratches[part], into: output)
                                    }
                                    results[row] = Array(output[0..<found])
                                    if every > 0, (firstOrdinal + row) % every == 0 {
                                        let exact = Self.exactTopK(
                                            model: model, userVector: vector, history: histories[due.history],
                                            exclusions: excluded, k: k, itemCount: itemCount)
                                        let served = Set(results[row].map(\.0))
                                        samples[part].samples += 1
                                        samples[part].hits += exact.reduce(0) { $0 + (served.contains($1) ? 1 : 0) }
                                        samples[part].slots += exact.count
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        statistics.indexed += count
        for part in samples {
            statistics.recallSamples += part.samples
            statistics.recallHits += part.hits
            statistics.recallSlots += part.slots
        }
        for row in 0..<count {
            let entry = pending[entries[row].pending]
            try emit(DueRecommendation(
                userID: entry.userID, timestampMs: entry.timestampMs, position: entry.position, items: results[row]))
        }
    }

    /// The exact top-K items of one short-head vector (the reference the index is checked against).
    static func exactTopK<History: BidirectionalCollection, Exclusions: Sequence>(
        model: SequenceModel, userVector: UnsafeBufferPointer<Float>, history: History, exclusions: Exclusions, k: Int,
        itemCount: Int
    ) -> [Int32] where History.Element == SequenceEvent, Exclusions.Element == Int32 {
        var scores = [Float](repeating: 0, count: itemCount)
        scores.withUnsafeMutableBufferPointer {
            model.scores(userVectors: userVector, count: 1, into: $0)
            model.addHistoryScores(userVector: userVector, history: history, into: $0)
        }
        for item in exclusions where Int(item) < itemCount && item >= 0 { scores[Int(item)] = -.infinity }
        var selector = TopKSelector(k: k)
        return selector.select(scores)
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
