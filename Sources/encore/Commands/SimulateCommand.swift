import ArgumentParser
import EncoreApp
import EncoreCore
import EncoreKafka
import EncoreSimulation
import Foundation

struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Generate a seeded music-service simulation and write it to Encore's input topics or a file.",
        discussion: """
            Tracks, users with drifting tastes and daily rhythms, listening sessions with skips, and notification \
            requests with sent/opened/dismissed feedback drawn from a ground-truth open probability. The same \
            seed gives the same events. With --out the events are written as JSON lines \
            ({"topic":…,"key":…,"value":{…}}) instead of being produced.
            """
    )

    @Option(help: "Simulated users.") var users: Int = 1000
    @Option(help: "Catalogue size.") var tracks: Int = 5000
    @Option(help: "Simulated days.") var days: Int = 7
    @Option(help: "Seed.") var seed: UInt64 = 42
    @Option(help: "Write JSON lines to this file instead of producing.") var out: String?
    @Option(help: "Share of listens corrupted on purpose.") var corruptionRate: Double = 0
    @OptionGroup var options: ServiceOptions

    func run() async throws {
        let simulator = try MusicSimulator(configuration: SimulationConfiguration(
            users: users, tracks: tracks, artists: max(10, tracks / 10), days: days, seed: seed
        ))
        let configuration = try options.resolve()
        let publisher = SimulationPublisher(
            topicPrefix: configuration.kafka.topicPrefix, corruptionRate: corruptionRate, seed: seed
        )
        if let out {
            guard let file = FileHandle(forWritingAtPath: out) ?? {
                _ = FileManager.default.createFile(atPath: out, contents: nil)
                return FileHandle(forWritingAtPath: out)
            }() else { throw ValidationError("cannot write \(out)") }
            try file.truncate(atOffset: 0)
            var buffer: [UInt8] = []
            let counts = publisher.writeLines(simulator.makeEventStream()) { line in
                buffer.append(contentsOf: line)
                if buffer.count > 1 << 20 {
                    file.write(Data(buffer))
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            file.write(Data(buffer))
            try file.close()
            print("wrote \(counts.total) events to \(out)")
            return
        }
        let logger = LogBootstrap.logger(configuration)
        guard !configuration.usesEmbeddedBroker else {
            throw ValidationError("""
                simulate needs a broker: pass --bootstrap-servers (e.g. the address printed by `encore broker`) or --out FILE
                """)
        }
        let producer = try KafkaProducer(
            configuration: ProducerConfiguration(client: configuration.kafkaClient(bootstrapServers: configuration.kafka.bootstrapServers)),
            logger: logger
        )
        defer { producer.close(timeout: .seconds(30)) }
        let counts = try await DedicatedThread.run(name: "encore-simulate") {
            try publisher.publish(simulator.makeEventStream(), producer: producer, progress: { counts in
                print("produced \(counts.total) records")
                fflush(nil)
            })
        }
        print("produced \(counts.total) records: "
            + counts.byTopic.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", "))
    }
}
