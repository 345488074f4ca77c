import EncoreApp
import EncoreCore
import EncoreKafka
import EncoreModels
import EncoreNumerics
import EncorePipeline
import EncoreStages
import EncoreStore
import EncoreTraining
import Foundation
import Logging

/// `encore bench decisions`: C-3PO's speed.
///
/// 1. **Scoring throughput, one core** (OpenBLAS single-threaded): p(open) for requests × 24
///    slots through ``TimingPredictor`` in batches of 1, 32 and 256 requests; and the whole
///    stage path (featurise 24 slots, score, policy) through ``C3POStage``.
/// 2. **Decision latency** on the embedded broker at a steady request rate: requests are
///    produced paced at `rate`/s to `encore.notification-requests`, the notification pipeline
///    (C-3PO with a registered predictor) decides them, and a reader consumes the decisions.
///    Latency = decision read − request produced (monotonic clock; the send time travels in the
///    request id), so it *includes* produce, the pipeline's poll wait, processing, delivery and
///    the reader's fetch: an upper bound on "request consumed → decision delivered".
public struct DecisionBenchmark: Sendable {
    public var rate = 10_000
    public var seconds = 10
    public var partitions = 16
    public var batchRecords = 200
    public var maxWaitMs = 2
    public var users = 10_000
    public var pipelinesDirectory = "pipelines"
    /// librdkafka `fetch.wait.max.ms` of the pipeline's and the reader's consumers (default 500):
    /// how long a fetch waits on the broker for more data.
    public var fetchWaitMs = 1

    public init() {}

    public struct Result: Sendable {
        public var scoring: [(requestsPerBatch: Int, requestsPerSecond: Double)]
        public var stageDecisionsPerSecond: Double
        public var produced: Int
        public var decided: Int
        public var achievedRate: Double
        public var latencyMs: (p50: Double, p90: Double, p99: Double, max: Double)
        public var status: PipelineStatus
    }

    public func run(logger: Logger, progress: @escaping @Sendable (String) -> Void) async throws -> Result {
        BLAS.setThreadCount(1)
        let storePath = FileManager.default.temporaryDirectory.appendingPathComponent("encore-bench-decisions-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: storePath + suffix) } }
        let store = try EncoreStore(path: storePath)
        progress("training a c3po predictor on a small simulation (the weights' values do not change the cost)…")
        let trained = try TimingSimulationTraining.trainAndRegister(store: store, seed: 77, users: 300, days: 7) { _ in }
        progress(trained.summary)
        let stage = C3POStage(settings: C3POStage.Settings())
        try stage.loadPredictor(from: store)
        let predictor = stage.predictor!

        // 1. Scoring throughput on one core.
        var generator = SeededGenerator(seed: 3)
        let now: Int64 = 1_767_571_200_000 + 30 * 86_400_000
        var states: [TimingFeatureState] = []
        for user in 0..<1000 {
            var state = TimingFeatureState()
            for event in 0..<(5 + generator.nextInt(below: 30)) {
                let time = now - Int64(generator.nextInt(below: 20 * 86_400_000))
                state.recordListen(atMs: time)
                if event % 3 == 0 {
                    state.recordSent(notificationKey: UInt64(user * 1000 + event), atMs: time)
                    if generator.nextUniform() < 0.2 { state.recordOpened(notificationKey: UInt64(user * 1000 + event), atMs: time + 60_000) }
                }
            }
            states.append(state)
        }
        var times: [Int64] = []
        TimingPolicy.slotTimes(nowMs: now, into: &times)
        var inputs = TimingExamples()
        for state in states.prefix(256) { for time in times { inputs.append(state: state, nowMs: now, slotMs: time, label: 0) } }
        var scoring: [(Int, Double)] = []
        for batch in [1, 32, 256] {
            let rate = Self.scoringRate(predictor: predictor, examples: inputs, requestsPerBatch: batch)
            scoring.append((batch, rate))
            progress("scoring: \(batch) requests per pass: \(Int(rate)) requests/s = \(Int(rate * 24)) request-hours/s (one core)")
        }
        // The stage path: featurise, score, decide (policy state grows as in production).
        for (user, state) in states.enumerated() {
            for entry in state.sequence { stage.observe(user: Int32(user), event: NotificationEvent(userID: UserID("u\(user)"), notificationID: NotificationID("n\(entry.notificationKey)"), action: .sent, timestampMs: entry.sentMs)) }
        }
        let stageCount = 50_000
        let started = ContinuousClock.now
        for index in 0..<stageCount {
            let user = Int32(index % states.count)
            if stage.hasQueued(user: user) || stage.queuedCount >= 256 { _ = stage.decidePending() }
            stage.enqueue(
                NotificationRequest(requestID: RequestID("r\(index)"), userID: UserID("u\(user)"), notificationID: NotificationID("n\(index)"),
                                    timestampMs: now + Int64(index) * 10_000, expiresMs: now + Int64(index) * 10_000 + 12 * 3_600_000),
                user: user)
        }
        _ = stage.decidePending()
        let stageRate = Double(stageCount) / started.duration(to: .now).inSeconds
        progress("stage: \(Int(stageRate)) decisions/s (featurise 24 slots + score + policy, one core)")

        // 2. Latency on the embedded broker.
        var configuration = ServiceConfiguration()
        configuration.kafka.partitions = partitions
        let topology = try KafkaTopology(configuration: configuration, logger: logger)
        defer { topology.shutdown() }
        let client = configuration.kafkaClient(bootstrapServers: topology.bootstrapServers)
        var definition = try PipelineCatalog.load(directory: pipelinesDirectory, registry: .standard).definitions.first { $0.name == "notifications" }
            ?? PipelineDefinition(name: "notifications", consumerGroup: "x", inputs: [.notificationRequests], stages: [C3POStage.Settings()])
        definition.consumerGroup = "bench-decisions-\(UUID().uuidString)"
        definition.batch.maxRecords = batchRecords
        definition.batch.maxWait = .milliseconds(Int64(maxWaitMs))
        let environment = PipelineEnvironment(
            store: store, users: try IdentifierMap(kind: .users, store: store), tracks: try IdentifierMap(kind: .tracks, store: store),
            kafka: client, consumerExtra: ["fetch.wait.max.ms": String(fetchWaitMs)])
        let runner = PipelineRunner(definition: definition, environment: environment, logger: logger)
        let task = Task { try await runner.run() }
        let total = rate * seconds
        let fetchWaitMs = self.fetchWaitMs
        let reader = Task {
            try await DedicatedThread.run(name: "bench-decision-reader") {
                try Self.readLatencies(client: client, logger: logger, expected: total, fetchWaitMs: fetchWaitMs)
            }
        }
        // Let the group join settle, then produce at a steady rate.
        try await Task.sleep(for: .seconds(3))
        progress("producing \(total) requests at \(rate)/s for \(seconds) s over \(partitions) partitions (pipeline batches ≤ \(batchRecords), wait ≤ \(maxWaitMs) ms)…")
        let users = self.users, rate = self.rate
        let achieved = try await DedicatedThread.run(name: "bench-request-producer") {
            let producer = try KafkaProducer(configuration: ProducerConfiguration(client: client, linger: .milliseconds(1)), logger: logger)
            defer { producer.close(timeout: .seconds(30)) }
            var writer = JSONWriter(reservingCapacity: 256)
            let start = DispatchTime.now().uptimeNanoseconds
            let startWall = Int64(Date().timeIntervalSince1970 * 1000)
            for index in 0..<total {
                let due = start + UInt64(index) * 1_000_000_000 / UInt64(rate)
                // Sleep (not spin: the pipeline and its committer need both cores) until the request is due.
                let current = DispatchTime.now().uptimeNanoseconds
                if due > current + 50_000 { usleep(UInt32((due - current) / 1000)) }
                let sent = DispatchTime.now().uptimeNanoseconds
                let user = "user-\(index % users)"
                let time = startWall + Int64((sent - start) / 1_000_000)
                writer.reset()
                writer.write(NotificationRequest(
                    requestID: RequestID("b\(index)-\(sent)"), userID: UserID(user), notificationID: NotificationID("n\(index)"),
                    timestampMs: time, expiresMs: time + 12 * 3_600_000))
                try producer.send(topic: EncoreTopic.notificationRequests.rawValue, key: Array(user.utf8), value: writer.bytes)
            }
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            try producer.flush(timeout: .seconds(60))
            return Double(total) / elapsed
        }
        progress("produced at \(Int(achieved)) requests/s; waiting for the decisions…")
        let latencies = try await reader.value
        runner.requestStop()
        try await task.value
        // Skip the first second (connections and caches warming up).
        let steady = latencies.filter { $0.index >= rate }.map(\.milliseconds).sorted()
        func quantile(_ q: Double) -> Double { steady.isEmpty ? .nan : steady[min(steady.count - 1, Int(q * Double(steady.count)))] }
        return Result(
            scoring: scoring, stageDecisionsPerSecond: stageRate, produced: total, decided: latencies.count,
            achievedRate: achieved, latencyMs: (quantile(0.5), quantile(0.9), quantile(0.99), steady.last ?? .nan),
            status: runner.status)
    }

    /// Requests per second of `predictor.probabilities` with `requestsPerBatch` requests × 24
    /// slots per pass, over about a second.
    static func scoringRate(predictor: TimingPredictor, examples: TimingExamples, requestsPerBatch: Int) -> Double {
        let workspace = TimingWorkspace()
        let requests = examples.count / 24
        var output = [Float](repeating: 0, count: examples.count)
        // One user row and click sequence per request (every 24th example).
        var user: [Float] = [], sequence: [Float] = []
        for index in stride(from: 0, to: examples.count, by: 24) {
            user += examples.user[(index * TimingFeaturizer.userWidth)..<((index + 1) * TimingFeaturizer.userWidth)]
            sequence += examples.sequence[(index * TimingFeaturizer.sequenceWidth)..<((index + 1) * TimingFeaturizer.sequenceWidth)]
        }
        var scored = 0
        let started = ContinuousClock.now
        while started.duration(to: .now) < .seconds(1) {
            user.withUnsafeBufferPointer { u in
                sequence.withUnsafeBufferPointer { s in
                    examples.slot.withUnsafeBufferPointer { slot in
                        examples.hour.withUnsafeBufferPointer { h in
                            examples.weekday.withUnsafeBufferPointer { w in
                                output.withUnsafeMutableBufferPointer { o in
                                    var first = 0
                                    while first < requests {
                                        let count = min(requestsPerBatch, requests - first)
                                        predictor.probabilities(
                                            TimingInputs(
                                                requests: count, slotsPerRequest: 24,
                                                user: u.baseAddress! + first * TimingFeaturizer.userWidth,
                                                sequence: s.baseAddress! + first * TimingFeaturizer.sequenceWidth,
                                                slot: slot.baseAddress! + first * 24 * TimingFeaturizer.slotWidth,
                                                hour: h.baseAddress! + first * 24, weekday: w.baseAddress! + first * 24),
                                            workspace: workspace, into: o.baseAddress! + first * 24)
                                        first += count
                                    }
                                }
                            }
                        }
                    }
                }
            }
            scored += requests
        }
        return Double(scored) / started.duration(to: .now).inSeconds
    }

    /// Reads decisions until `expected` arrived (or 20 s without any), returning each one's
    /// latency from the send time carried in its request id.
    static func readLatencies(client: KafkaClientConfiguration, logger: Logger, expected: Int, fetchWaitMs: Int) throws
        -> [(index: Int, milliseconds: Double)]
    {
        var configuration = ConsumerConfiguration(
            client: client, groupID: "bench-reader-\(UUID().uuidString)", topics: [EncoreTopic.notificationDecisions.rawValue])
        configuration.extra["fetch.wait.max.ms"] = String(fetchWaitMs)
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger, startOffsets: { _ in [:] })
        defer { consumer.close() }
        var result: [(index: Int, milliseconds: Double)] = []
        result.reserveCapacity(expected)
        var seen = Set<Int>()
        var lastArrival = ContinuousClock.now + .seconds(20)
        while seen.count < expected, ContinuousClock.now - lastArrival < .seconds(20) {
            // A poll returns as soon as fetched records are drained, so a long wait adds no latency
            // and keeps this reader from spinning on a core the pipeline needs.
            let batch = try consumer.poll(maxRecords: 5000, maxWait: .milliseconds(100))
            let arrival = DispatchTime.now().uptimeNanoseconds
            if !batch.isEmpty { lastArrival = .now }
            for record in batch.records {
                guard let decision = try? OutputDecoder.decision(batch.value(of: record)) else { continue }
                let id = decision.requestID.rawValue
                guard id.hasPrefix("b"), let dash = id.firstIndex(of: "-"),
                    let index = Int(id[id.index(after: id.startIndex)..<dash]), let sent = UInt64(id[id.index(after: dash)...]),
                    seen.insert(index).inserted
                else { continue }
                result.append((index, Double(arrival &- sent) / 1e6))
            }
        }
        return result
    }
}
