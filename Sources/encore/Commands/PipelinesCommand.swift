import ArgumentParser
import EncoreCore
import EncorePipeline
import EncoreStages

struct PipelinesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipelines",
        abstract: "Work with pipeline definitions.",
        subcommands: [Validate.self]
    )

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate pipeline definitions; exits non-zero naming the file, field and line at fault."
        )

        @Argument(help: "Definition files (default: every file in --directory).")
        var files: [String] = []

        @Option(help: "Directory of definitions.")
        var directory: String = "pipelines"

        func run() async throws {
            do {
                let catalog = files.isEmpty
                    ? try PipelineCatalog.load(directory: directory, registry: .standard)
                    : try PipelineCatalog.load(files: files, registry: .standard)
                for definition in catalog.definitions {
                    let stages = definition.stages.map(\.typeName).joined(separator: ", ")
                    print("ok  \(catalog.files[definition.name] ?? definition.name): \(definition.name) "
                        + "(group \(definition.consumerGroup); \(definition.inputs.map(\.rawValue).joined(separator: ", ")) → \(stages))")
                }
            } catch {
                print("invalid  \(error)")
                throw ExitCode(1)
            }
        }
    }
}
