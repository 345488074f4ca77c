import ArgumentParser
import EncoreStore
import Foundation
import Testing

@testable import encore

@Suite struct ModelsCommandTests {
    @Test func referencesParse() {
        #expect(ModelReference(argument: "lightgcn@3") == ModelReference(name: "lightgcn", version: 3))
        #expect(ModelReference(argument: "lightgcn") == ModelReference(name: "lightgcn", version: nil))
        for bad in ["", "@3", "lightgcn@", "lightgcn@0", "lightgcn@x", "a@1@2"] {
            #expect(ModelReference(argument: bad) == nil, "accepted '\(bad)'")
        }
    }

    @Test func subcommandsParseTheirArguments() throws {
        let promote = try ModelsCommand.parseAsRoot(["promote", "lightgcn@3", "--store", "/tmp/x.sqlite"])
        let parsed = try #require(promote as? ModelsCommand.Promote)
        #expect(parsed.model == ModelReference(name: "lightgcn", version: 3))
        #expect(parsed.options.store == "/tmp/x.sqlite")
        #expect(try ModelsCommand.parseAsRoot(["show", "lightgcn"]) is ModelsCommand.Show)
        #expect(try ModelsCommand.parseAsRoot(["list", "--name", "lightgcn"]) is ModelsCommand.List)
        #expect(try ModelsCommand.parseAsRoot(["rollback", "lightgcn"]) is ModelsCommand.Rollback)
        // promote needs a version; rollback takes none; a malformed reference is refused.
        for arguments in [
            ["promote", "lightgcn"], ["rollback", "lightgcn@2"], ["show", "lightgcn@zero"], ["promote"],
        ] {
            #expect(throws: (any Error).self, "\(arguments)") { try ModelsCommand.parseAsRoot(arguments) }
        }
        #expect(throws: (any Error).self) { try RetrainCommand.parseAsRoot([]) }
        #expect(try RetrainCommand.parseAsRoot(["--now", "--url", "http://127.0.0.1:1"]) is RetrainCommand)
    }

    @Test func promoteAndRollbackRunOnTheStoreFile() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("models-\(UUID().uuidString).sqlite")
            .path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        do {
            let registry = ModelRegistry(store: try EncoreStore(path: path))
            for index in 0..<2 {
                _ = try registry.save(name: "m", metadataJSON: "{}", blob: [], createdMs: Int64(index))
            }
        }
        for arguments in [["promote", "m@1"], ["promote", "m@2"], ["rollback", "m"]] {
            var command = try #require(
                try ModelsCommand.parseAsRoot(arguments + ["--store", path]) as? any AsyncParsableCommand)
            try await command.run()
        }
        let registry = ModelRegistry(store: try EncoreStore(path: path))
        #expect(try registry.promoted(name: "m")?.version == 1)
        #expect(try registry.list(name: "m").first { $0.version == 2 }?.status == .retired)
    }

    @Test func retrainSaysSoWhenNoServiceAnswers() async throws {
        // Port 1 on loopback: nothing listens there.
        let command = try RetrainCommand.parseAsRoot(["--now", "--url", "http://127.0.0.1:1"]) as! RetrainCommand
        await #expect(throws: ExitCode.self) { try await command.run() }
    }
}
