import ArgumentParser
import EncoreBench
import EncoreNumerics
import EncorePipeline
import Foundation
import Logging

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks (build with -c release). Results go to BENCHMARKS.md with the command that produced them.",
        subcommands: [
            Ingest.self, Decode.self, BenchLightGCNCommand.self, BenchRNNCommand.self, BenchDecisionsCommand.self,
            BenchGraphZooCommand.Sheaf.self, BenchGraphZooCommand.PECO.self, BenchRetrainCommand.self,
        ]
    )

    struct Ingest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Listens/s through the music pipeline vs the raw librdkafka consume rate, in one run."
        )
        @Option(help: "Listen events.") var events: Int = 1_000_000
        @Option(help: "Partitions of encore.listens (the embedded broker keeps ~4–5 MB per partition).") var partitions: Int = 64
        @Option(help: "Records per batch (one SQLite transaction each).") var batchRecords: Int = 500
        @Option(help: "Directory of pipeline definitions (default: pipelines/, or built-in ones without it).")
        var pipelines: String?
        @Option(help: "Music stage to measure: popularity (the definition in pipelines/) or rnn (a GRU generation of the sizes below).")
        var stage: String = "popularity"
        @Option(help: "RNN hidden size (with --stage rnn).") var hidden: Int = 128
        @Option(help: "Item embedding size d (with --stage rnn).") var dim: Int = 64
        @Option(help: "Threads scoring the catalogue for recommendations (with --stage rnn).") var scoringThreads: Int = 2
        @Option(help: "Tracks in the simulated catalogue.") var tracks: Int = 50_000
        @Option(help: "How the rnn stage finds recommendations: auto (a retrieval index from 100,000 tracks, exact below), index (always) or exact.")
        var retrieval: String = "auto"
        @Option(help: "Every this many indexed recommendations, one is also scored exactly (recall@K against exact; 0: never).")
        var recallSampleEvery: Int = 200
        @Option(help: "Retrieval index: links per node (HNSW M).") var indexLinks: Int = InnerProductIndex.Parameters().links
        @Option(help: "Retrieval index: candidates examined per search (HNSW ef).")
        var indexCandidates: Int = InnerProductIndex.Parameters().searchCandidates

        func validate() throws {
            guard ["popularity", "rnn"].contains(stage) else { throw ValidationError("--stage must be popularity or rnn") }
            guard ["auto", "index", "exact"].contains(retrieval) else { throw ValidationError("--retrieval must be auto, index or exact") }
            guard recallSampleEvery >= 0 else { throw ValidationError("--recall-sample-every must not be negative") }
        }

        func run() async throws {
            var logger = Logger(label: "encore-bench")
            logger.logLevel = .warning
            var benchmark = IngestBenchmark()
            benchmark.events = events
            benchmark.partitions = partitions
            benchmark.batchRecords = batchRecords
            benchmark.pipelinesDirectory = try PipelinesDirectory.resolve(pipelines)
            benchmark.stage = stage
            benchmark.rnnHidden = hidden
            benchmark.rnnDimension = dim
            benchmark.scoringThreads = scoringThreads
            benchmark.tracks = tracks
            benchmark.retrieval = retrieval
            benchmark.recallSampleEvery = recallSampleEvery
            benchmark.index.links = indexLinks
            benchmark.index.searchCandidates = indexCandidates
            let result = try await benchmark.run(logger: logger) { line in
                print(line)
                fflush(nil)
            }
            let t = result.pipelineStatus.timing
            print("""

                ingest: \(result.events) listens, \(result.bytes / result.events) bytes each, \(partitions) partitions, batches of \(batchRecords)
                  produce          \(Int(result.produceRate)) messages/s
                  raw consume      \(Int(result.rawConsumeRate)) messages/s (librdkafka, no processing)
                  pipeline         \(Int(result.pipelineRate)) listens/s (decode, \(stage) stage, outputs, SQLite state + offsets)
                  ratio            \(String(format: "%.2f", result.ratio)) (target ≥ 0.5)
                  pipeline time    poll \(String(format: "%.1f", t.poll)) s, process \(String(format: "%.1f", t.process)) s, delivery wait \(String(format: "%.1f", t.flush)) s, commit \(String(format: "%.1f", t.commit)) s over \(result.pipelineStatus.batches) batches; \(result.pipelineStatus.recommendations) recommendations produced
                  failed batch attempts \(result.pipelineStatus.failedBatchAttempts)\(result.pipelineStatus.lastError.map { " (last: \($0))" } ?? "")
                """)
            let status = result.pipelineStatus
            print("  state written    \(status.stateRowsWritten) user-state rows, \(status.stateBytesWritten / max(1, status.stateRowsWritten)) bytes each, \(status.stateBytesWritten / max(1, result.events)) bytes per listen")
            let counters = result.pipelineStatus.stageCounters
            if let indexed = counters["rnn.index_recommendations"], indexed > 0 {
                let slots = counters["rnn.recall_slots"] ?? 0, hits = counters["rnn.recall_hits"] ?? 0
                let recall = slots > 0 ? String(format: "%.4f", Double(hits) / Double(slots)) : "n/a"
                print("  retrieval        \(indexed) recommendations from the index; recall@K against exact scoring \(recall) on \(counters["rnn.recall_samples"] ?? 0) samples")
            }
        }
    }

    struct Decode: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Listen events decoded per second on one core, beside Foundation's JSONDecoder."
        )
        @Option(help: "Events.") var events: Int = 200_000
        @Option(help: "Rounds (best is reported).") var rounds: Int = 5

        func run() async throws {
            let result = try DecodeBenchmark(events: events, rounds: rounds).run { print($0) }
            print("""

                decode: \(result.events) listens, \(String(format: "%.0f", result.bytesPerEvent)) bytes each, one core
                  EventDecoder     \(Int(result.encoreRate)) events/s (\(String(format: "%.0f", result.encoreRate * result.bytesPerEvent / 1e6)) MB/s)
                  JSONDecoder      \(Int(result.foundationRate)) events/s
                  ratio            \(String(format: "%.1f", result.ratio))×
                """)
        }
    }
}
