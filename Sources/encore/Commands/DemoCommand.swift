import ArgumentParser
import EncoreApp
import Foundation
import Logging

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the whole service on the embedded broker with simulated traffic, then print a report.",
        discussion: """
            Starts librdkafka's mock cluster in process, creates Encore's topics, runs the service of \
            `encore run` (every pipeline of pipelines/, the retrain scheduler, the HTTP server and its status \
            page), and produces a seeded simulation (a few thousand users, a few days, a few corrupted records) \
            day by day. After each day but the last it runs a retrain cycle (LightGCN, the RNN, holdout, \
            promotion), so later days are served by the RNN. Reports throughput, dead letters, the retrain \
            cycles, sample outputs, and each model's quality against the simulator's ground truth beside its \
            baseline. Needs no external broker.
            """
    )

    @Option(help: "Simulated users.") var users: Int = 3000
    @Option(help: "Catalogue size.") var tracks: Int = 5000
    @Option(help: "Simulated days.") var days: Int = 3
    @Option(help: "Simulation seed.") var seed: UInt64 = 42
    @Option(help: "Partitions per topic.") var partitions: Int = 16
    @Option(help: "Share of listens corrupted on purpose (dead-letter path).") var corruptionRate: Double = 0.0005
    @Option(help: "Keep the SQLite state in this file (default: a temporary file).") var store: String?
    @Option(help: "Directory of pipeline definitions (default: pipelines/, or built-in ones without it).")
    var pipelines: String?
    @Option(help: "Log level.") var logLevel: String = "warning"
    @Option(help: "Port of the status page and metrics while the demo runs (0: no HTTP server).") var httpPort: Int = 8090
    @Flag(help: "Do not retrain at the end of each simulated day (the baselines serve throughout).") var noRetrain = false
    @Option(help: "Keep the service and its status page up this many seconds after everything is consumed.")
    var linger: Int = 0

    func validate() throws {
        guard users > 0, tracks > 0, days > 0 else { throw ValidationError("--users, --tracks and --days must be positive") }
        guard (1...1024).contains(partitions) else { throw ValidationError("--partitions must be in 1...1024") }
        guard (0...1).contains(corruptionRate) else { throw ValidationError("--corruption-rate must be in 0...1") }
        guard (0...65535).contains(httpPort), linger >= 0 else { throw ValidationError("--http-port must be in 0...65535, --linger ≥ 0") }
    }

    func run() async throws {
        var configuration = ServiceConfiguration()
        configuration.logging.level = .init(rawValue: logLevel) ?? .warning
        let logger = LogBootstrap.logger(configuration)
        var options = DemoRunner.Options()
        options.users = users
        options.tracks = tracks
        options.days = days
        options.seed = seed
        options.partitions = partitions
        options.corruptionRate = corruptionRate
        options.storePath = store
        options.pipelinesDirectory = try PipelinesDirectory.resolve(pipelines)
        options.httpPort = httpPort
        options.retrainDaily = !noRetrain
        options.linger = .seconds(linger)
        let report = try await DemoRunner(options: options, logger: logger).run { line in
            print(line)
            fflush(nil)
        }
        print(report.text)
    }
}
