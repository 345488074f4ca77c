import EncoreTraining
import EncoreModels
import Foundation
import Testing

/// The model dispatch behind `encore train --model` and `encore eval --compare`, on a small
/// seeded synthetic graph (in-process; the CLI runs each model in a child process).
@Suite struct GraphModelComparisonTests {
    static let data = "synthetic:200x80x2400:7"

    static func json(_ line: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test func everyRegisteredModelTrainsThroughTheCommonPathAndItsArtifactEvaluates() throws {
        for kind in GraphModelKind.all {
            var options = GraphTrainingOptions(dataDirectory: Self.data)
            options.model = kind.name
            options.epochs = 2
            options.batchSize = 512
            options.batchesPerEpoch = 2
            options.threads = 2
            options.evaluateEvery = 1
            let path = NSTemporaryDirectory() + "encore-zoo-\(UUID().uuidString).model"
            options.savePath = path
            defer { try? FileManager.default.removeItem(atPath: path) }
            var lines = [String]()
            let last = try GraphTraining.train(options) { lines.append($0) }
            #expect(lines.last == last)
            #expect(lines.contains { $0.hasPrefix("epoch 1/") })
            let summary = try Self.json(last)
            #expect(summary["model"] as? String == kind.name)
            let recall = try #require(summary["recall@20"] as? Double)
            #expect(recall >= 0 && recall <= 1)
            // The saved artifact is dispatched by its model name and scores the same.
            let evaluated = try Self.json(
                GraphTraining.evaluate(
                    modelPath: path, dataDirectory: Self.data, format: nil, topK: 20, threads: 1, emit: { _ in }))
            #expect(evaluated["model"] as? String == kind.name)
            #expect(abs((evaluated["recall@20"] as? Double ?? -1) - recall) < 1e-9)
        }
    }

    @Test func compareTrainsEachModelAndPrintsATableAndJSON() throws {
        var options = GraphModelComparison.Options(models: ["lightgcn", "gte", "dccf"], dataDirectory: Self.data)
        options.epochs = ["lightgcn": 3, "dccf": 1]
        options.threads = 2
        var lines = [String]()
        let rows = try GraphModelComparison.run(options) { lines.append($0) }
        #expect(rows.map(\.model) == ["lightgcn", "gte", "dccf"])
        #expect(rows.map(\.epochs) == [3, 1, 1])
        for row in rows {
            #expect(row.recall >= 0 && row.recall <= 1 && row.ndcg >= 0 && row.ndcg <= 1)
            #expect(row.trainSeconds >= 0 && row.peakMiB >= 0)
            #expect(lines.contains { $0.hasPrefix(row.model + " ") && $0.contains(String(format: "%.4f", row.recall)) })
        }
        // All models were evaluated on the same split: one popularity baseline.
        #expect(Set(rows.map(\.popularityRecall)).count == 1)
        let summary = try Self.json(try #require(lines.last))
        #expect(summary["compare"] as? String == "lightgcn,gte,dccf")
        #expect(summary["gte_recall@20"] as? Double == rows[1].recall)
    }

    @Test func unknownModelsFailBeforeAnythingRunsAndNameTheAvailableOnes() {
        var lines = [String]()
        do {
            try GraphModelComparison.run(
                GraphModelComparison.Options(models: ["gte", "ngcf"], dataDirectory: Self.data)) { lines.append($0) }
            Issue.record("expected an error")
        } catch let error as ModelError {
            #expect(error.reason.contains("'ngcf'") && error.reason.contains(GraphModelKind.availableNames))
        } catch {
            Issue.record("unexpected \(error)")
        }
        #expect(lines.isEmpty)
        var options = GraphTrainingOptions(dataDirectory: Self.data)
        options.model = "bpr-mf"
        #expect(throws: ModelError.self) { try GraphTraining.train(options) { _ in } }
    }

    @Test func epochArgumentForms() throws {
        #expect(try GraphModelComparison.parseEpochs("5").all == 5)
        #expect(try GraphModelComparison.parseEpochs("lightgcn=100,DCCF=3").perModel == ["lightgcn": 100, "dccf": 3])
        #expect(throws: ModelError.self) { try GraphModelComparison.parseEpochs("dccf:3") }
    }

    @Test func malformedSyntheticDataIsRejected() {
        for bad in ["synthetic:huge", "synthetic:10x4x20", "synthetic:10x40x5", "synthetic:10x40x100:seed"] {
            var options = GraphTrainingOptions(dataDirectory: bad)
            options.model = "gte"
            #expect(throws: ModelError.self, "\(bad)") { try GraphTraining.train(options) { _ in } }
        }
    }
}
