import ArgumentParser
import EncoreBench
import EncorePipeline
import Foundation
import Logging

/// `encore bench retrain`: wall time of one retrain cycle per phase, and ingestion throughput
/// while a cycle runs as a ratio to throughput without one (issue 6).
struct BenchRetrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retrain",
        abstract: "Time one retrain cycle and ingestion during a cycle (issue 6; build with -c release).",
        discussion: """
            Builds a temporary store with the seeded simulator's listens (written directly, not \
            through Kafka; default 10k users / 50k tracks / 2M listens) and uses the production \
            retrain settings of the music pipeline (retrain: in <pipelines>/music.yaml).

            --part ingest: listens/s of the music pipeline (stages as defined, a serving GRU \
            generation) over the --ingest-events listens that follow the stored ones, on a fresh \
            copy of the store and a fresh consumer group per run: a warm-up pass (not counted; the \
            first pass is always slower), without a cycle, while a cycle \
            (threads from music.yaml) runs on the same store on its own thread, and without again. \
            The ratio is during / mean(without); target >= 0.7 on 2 cores. The window opens when the \
            cycle has taken its snapshot; if the cycle finished inside the window the run is \
            reported INVALID (use a larger store). The cycle is cancelled afterwards.

            --part cycle: one retrain cycle on the store (a random generation of the production \
            shape serves, so it is a steady-state cycle: warm start and holdout comparison), wall \
            time per phase (snapshot, graph model, RNN, holdout, promotion incl. registry write and \
            item-embedding publishing to the embedded broker), CPU seconds and peak RSS.

            --part all (default) runs ingest, then cycle, on one store.
            """
    )

    @Option(help: "Simulated users.") var users = 10_000
    @Option(help: "Simulated tracks (the catalogue; all are registered in the store).") var tracks = 50_000
    @Option(help: "Listens written to the store (days are chosen to reach it).") var listens = 2_000_000
    @Option(help: "Simulator seed.") var seed: UInt64 = 42
    @Option(help: "What to measure: all, cycle or ingest.") var part = "all"
    @Option(help: "Listens consumed per ingestion run.") var ingestEvents = 300_000
    @Option(help: "Partitions of encore.listens on the embedded broker.") var partitions = 16
    @Option(help: "Directory of pipeline definitions (default: pipelines/, or built-in ones without it).")
    var pipelines: String?
    @Option(help: "Hidden size of the serving GRU in the ingestion runs.") var hidden = 128
    @Option(help: "Item embedding size of the serving GRU in the ingestion runs.") var dim = 64

    func validate() throws {
        guard ["all", "cycle", "ingest"].contains(part) else { throw ValidationError("--part must be all, cycle or ingest") }
        guard users > 0, tracks >= 10, listens > 0, ingestEvents > 0 else {
            throw ValidationError("--users, --listens and --ingest-events must be positive, --tracks at least 10")
        }
    }

    func run() async throws {
        var logger = Logger(label: "encore-bench")
        logger.logLevel = .warning
        var benchmark = RetrainBenchmark()
        benchmark.users = users
        benchmark.tracks = tracks
        benchmark.listens = listens
        benchmark.seed = seed
        benchmark.measureCycle = part != "ingest"
        benchmark.measureIngestion = part != "cycle"
        benchmark.ingestEvents = ingestEvents
        benchmark.partitions = partitions
        benchmark.pipelinesDirectory = try PipelinesDirectory.resolve(pipelines)
        benchmark.rnnHidden = hidden
        benchmark.rnnDimension = dim
        let started = Date()
        let result = try await benchmark.run(logger: logger) { line in
            print(line)
            fflush(nil)
        }
        func f(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }
        func mib(_ bytes: Int) -> String { "\(bytes / (1 << 20)) MiB" }
        let store = result.store
        print("")
        print("retrain bench: store \(store.listens) listens, \(store.users) users, \(store.tracks) tracks, \(store.days) simulated days (seed \(seed))")
        if let ingestion = result.ingestion {
            print("  ingestion        \(ingestion.events) listens per run, \(partitions) partitions")
            for run in [ingestion.warmUp] + ingestion.withoutCycle + [ingestion.duringCycle] {
                let t = run.status.timing
                print("    \(run.label.padding(toLength: 22, withPad: " ", startingAt: 0)) \(Int(run.rate)) listens/s over \(f(run.windowSeconds)) s "
                    + "(process \(f(t.process)) s, commit \(f(t.commit)) s, poll \(f(t.poll)) s; \(run.status.recommendations) recommendations)")
            }
            print("    ratio            \(f(ingestion.ratio, 2)) (during / mean without; target ≥ 0.7 on 2 cores)")
            print("    cycle running    at window start \(ingestion.cycleRunningAtStart), at window end \(ingestion.cycleRunningAtEnd) → "
                + (ingestion.valid ? "valid" : "INVALID (the cycle did not span the window)"))
            if let first = ingestion.cycleLinesInWindow.first, let last = ingestion.cycleLinesInWindow.last {
                print("    cycle meanwhile  \(ingestion.cycleLinesInWindow.count) progress lines, from \"\(first)\" to \"\(last)\"")
            }
        }
        if let cycle = result.cycle {
            let s = cycle.settings
            print("  cycle            \(f(cycle.seconds)) s wall, \(f(cycle.cpuSeconds)) CPU s (graph_model \(s.graphModel), graph_epochs \(s.graphEpochs), rnn_epochs \(s.rnnEpochs), threads \(s.threads))")
            for phase in cycle.phases {
                print("    \(phase.name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(f(phase.seconds).padding(toLength: 8, withPad: " ", startingAt: 0)) s  (\(f(100 * phase.seconds / cycle.seconds)) %)")
            }
            print("    peak RSS   \(mib(cycle.peakResidentBytes))" + (cycle.peakIsCycleOnly
                ? " during the cycle (RSS at its start \(cycle.residentAtStartBytes.map(mib) ?? "?"))" : " (whole process)"))
            let m = cycle.outcome.candidateMetrics
            print("    outcome    \(cycle.outcome.decision == .promoted ? "promoted rnn@\(cycle.outcome.version ?? 0)" : cycle.outcome.decision.rawValue): \(cycle.outcome.reason); "
                + "holdout hr@20 \(f(m["hr@20"] ?? 0, 4)), popularity \(f(m["popularity_hr@20"] ?? 0, 4)), \(Int(m["points"] ?? 0)) points")
        }
        print("  total            \(f(Date().timeIntervalSince(started))) s")
    }
}
