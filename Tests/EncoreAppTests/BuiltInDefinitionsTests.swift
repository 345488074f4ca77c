import EncoreApp
import EncorePipeline
import EncoreStages
import Foundation
import Testing

/// The binary's built-in copies of `pipelines/*.yaml` and `config/encore.yaml` (used outside the
/// repository) must never drift from the files.
@Suite struct BuiltInDefinitionsTests {
    /// The repository root: this file is `<root>/Tests/EncoreAppTests/BuiltInDefinitionsTests.swift`.
    private let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private func repositoryFile(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    @Test func builtInPipelinesAreTheFilesOfPipelines() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("pipelines").path)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        #expect(PipelineCatalog.builtInFiles.map(\.name).sorted() == names)
        for (name, text) in PipelineCatalog.builtInFiles {
            let file = try repositoryFile("pipelines/" + name)
            #expect(
                text == file,
                """
                PipelineCatalog.builtInFiles[\(name)] differs from pipelines/\(name): \
                copy the file into PipelineCatalog+BuiltIn.swift
                """)
        }
    }

    @Test func builtInCatalogValidatesLikeTheDirectory() throws {
        let builtIn = try PipelineCatalog.builtIn(registry: .standard)
        let directory = try PipelineCatalog.load(directory: root.appendingPathComponent("pipelines").path, registry: .standard)
        #expect(builtIn.origin == .builtIn)
        #expect(builtIn.definitions.map(\.name) == directory.definitions.map(\.name))
        #expect(builtIn.files["music"] == "built-in:music.yaml")
    }

    @Test func builtInConfigurationIsTheFileOfConfig() throws {
        let file = try repositoryFile("config/encore.yaml")
        #expect(
            ServiceConfiguration.builtInFile == file,
            """
            ServiceConfiguration.builtInFile differs from config/encore.yaml: \
            copy the file into ServiceConfiguration+BuiltIn.swift
            """)
        let builtIn = try ServiceConfiguration.parse(
            ServiceConfiguration.builtInFile, source: ServiceConfiguration.builtInSource)
        let shipped = try ServiceConfiguration.load(
            path: root.appendingPathComponent("config/encore.yaml").path, environment: [:])
        #expect(builtIn == shipped)
    }

    /// Only the default name falls back (from the working directory, which the tests cannot
    /// change safely while other suites run; `encore demo` from /tmp checks that path); any other
    /// missing directory is a one-line error naming it.
    @Test func aMissingNamedDirectoryIsAnErrorNamingIt() {
        let error = #expect(throws: ConfigurationError.self) {
            try PipelineCatalog.load(directory: "/nonexistent/pipelines", registry: .standard)
        }
        #expect(error?.description == "/nonexistent/pipelines: no such directory")
    }
}
