import ArgumentParser
import EncoreBench
import EncorePipeline
import Foundation
import Logging

/// `encore bench decisions`: C-3PO scoring throughput on one core and decision latency on the
/// embedded broker at a steady request rate.
struct BenchDecisionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decisions",
        abstract: "C-3PO: scoring throughput (requests × 24 hours per second, one core) and decision latency p50/p99 at a steady load.",
        discussion: """
            Latency is measured from producing a request to reading its decision back (monotonic clock), so it \
            includes produce, the pipeline's poll wait, processing, delivery and the reader's fetch: an upper \
            bound on 'request consumed → decision delivered'. The first second is excluded. Build with -c release.
            """
    )
    @Option(help: "Requests per second.") var rate = 10_000
    @Option(help: "Seconds of load.") var seconds = 10
    @Option(help: "Partitions per topic.") var partitions = 16
    @Option(help: "Pipeline batch: records at most.") var batchRecords = 200
    @Option(help: "Pipeline batch: wait at most (ms).") var maxWaitMs = 2
    @Option(help: "Distinct users (keys).") var users = 10_000
    @Option(help: "Directory of pipeline definitions (default: pipelines/, or built-in ones without it).")
    var pipelines: String?
    @Option(help: "librdkafka fetch.wait.max.ms of the pipeline's and the reader's consumers (librdkafka default 500).") var fetchWaitMs = 1

    func run() async throws {
        var logger = Logger(label: "encore-bench")
        logger.logLevel = .warning
        var benchmark = DecisionBenchmark()
        benchmark.rate = rate
        benchmark.seconds = seconds
        benchmark.partitions = partitions
        benchmark.batchRecords = batchRecords
        benchmark.maxWaitMs = maxWaitMs
        benchmark.users = users
        benchmark.pipelinesDirectory = try PipelinesDirectory.resolve(pipelines)
        benchmark.fetchWaitMs = fetchWaitMs
        let result = try await benchmark.run(logger: logger) { line in
            print(line)
            fflush(nil)
        }
        func f(_ value: Double) -> String { String(format: "%.2f", value) }
        let scoring = result.scoring.map { "\"\($0.requestsPerBatch)\":\(Int($0.requestsPerSecond))" }.joined(separator: ",")
        let t = result.status.timing
        print("""

            decisions: \(result.produced) requests at \(Int(result.achievedRate))/s, \(result.decided) decisions read back
              latency (produce → decision read)  p50 \(f(result.latencyMs.p50)) ms, p90 \(f(result.latencyMs.p90)) ms, p99 \(f(result.latencyMs.p99)) ms, max \(f(result.latencyMs.max)) ms
              scoring (one core)                 \(result.scoring.map { "\($0.requestsPerBatch)/pass: \(Int($0.requestsPerSecond)) req/s" }.joined(separator: ", "))
              stage (featurise + score + policy) \(Int(result.stageDecisionsPerSecond)) decisions/s
              pipeline time                      poll \(f(t.poll)) s, process \(f(t.process)) s, delivery wait \(f(t.flush)) s, commit \(f(t.commit)) s over \(result.status.batches) batches
            {"benchmark":"decisions","rate":\(Int(result.achievedRate)),"p50_ms":\(f(result.latencyMs.p50)),"p99_ms":\(f(result.latencyMs.p99)),"decided":\(result.decided),"produced":\(result.produced),"scoring_requests_per_s":{\(scoring)},"stage_decisions_per_s":\(Int(result.stageDecisionsPerSecond))}
            """)
    }
}
