import EncoreNumerics
import EncoreTestData
import Foundation
import Testing

@testable import EncoreEvaluation

@Suite struct DatasetLoaderTests {
    func temporaryDirectory(_ files: [String: String]) throws -> String {
        let directory = NSTemporaryDirectory() + "encore-loader-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8) }
        return directory
    }

    @Test func lightGCNFormat() throws {
        let directory = try temporaryDirectory(["train.txt": "0 1 2\n1 0\n", "test.txt": "0 3\n1 2 2\n"])
        let data = try DatasetLoader.load(directory: directory, format: .lightgcn)
        #expect(data.userCount == 2 && data.itemCount == 4)
        #expect(Array(data.train.columns(inRow: 0)) == [1, 2])
        #expect(Array(data.test.columns(inRow: 1)) == [2])  // duplicate collapsed
        #expect(DatasetLoader.detectFormat(directory: directory) == .lightgcn)
    }

    @Test func tabSeparatedShiftsToZeroBased() throws {
        let directory = try temporaryDirectory(["train.tsv": "1\t2\t10\n2\t1\t3\n", "test.tsv": "1\t3\t1\n"])
        let data = try DatasetLoader.load(directory: directory, format: .tsv)
        #expect(data.userCount == 2 && data.itemCount == 3)
        #expect(Array(data.train.columns(inRow: 0)) == [1])
        #expect(Array(data.test.columns(inRow: 0)) == [2])
    }

    @Test func malformedLineIsRejectedWithItsPosition() throws {
        let directory = try temporaryDirectory(["train.tsv": "1\t2\n0\tx\n", "test.tsv": ""])
        let error = #expect(throws: EvaluationError.self) { try DatasetLoader.load(directory: directory, format: .tsv) }
        #expect(error?.reason.contains("train.tsv:2") == true)
    }

    @Test func recBoleTemporalSplitHoldsOutTheLatest() throws {
        let text =
            "user_id:token\titem_id:token\trating:float\ttimestamp:float\n"
            + "7\ta\t1\t300\n7\tb\t1\t100\n7\tc\t1\t200\n7\td\t1\t400\n7\te\t1\t500\n9\ta\t1\t5\n"
        let directory = try temporaryDirectory(["x.inter": text])
        let data = try DatasetLoader.load(
            directory: directory, format: .recbole, split: InteractionSplitter(order: .temporal, testFraction: 0.2))
        #expect(data.userCount == 2 && data.itemCount == 5)
        // user "7" -> 0; items a..e -> 0..4; latest (e, t=500) is test
        #expect(Array(data.test.columns(inRow: 0)) == [4])
        #expect(data.train.rowLength(0) == 4)
        // a user with one interaction keeps it for training
        #expect(data.train.rowLength(1) == 1 && data.test.rowLength(1) == 0)
    }

    @Test func randomSplitIsSeededAndPartitions() throws {
        let interactions = (0..<100).map { Interaction(user: Int32($0 % 5), item: Int32($0), timestamp: 0) }
        let a = try InteractionSplitter(order: .random(seed: 1), testFraction: 0.25).split(interactions)
        let b = try InteractionSplitter(order: .random(seed: 1), testFraction: 0.25).split(interactions)
        #expect(a.test == b.test)
        #expect(a.train.nonzeroCount == 75 && a.test.nonzeroCount == 25)
        for u in 0..<5 { #expect(a.train.columns(inRow: u).allSatisfy { !a.test.contains(row: u, column: $0) }) }
    }

    @Test func repositoryLastfmLoads() throws {
        let directory = try RepositoryData.directory("lastfm", containing: "train.tsv")
        let data = try DatasetLoader.load(directory: directory, format: .tsv)
        #expect(data.train.nonzeroCount == 42_135)
        #expect(data.test.nonzeroCount == 10_533)
        #expect(data.itemCount == 4489)
    }
}
