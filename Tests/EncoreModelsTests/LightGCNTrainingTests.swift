import EncoreEvaluation
import EncoreNumerics
import Foundation
import Testing

@testable import EncoreModels

@Suite struct LightGCNTrainingTests {
    static func configuration(threads: Int) -> LightGCNConfiguration {
        var configuration = LightGCNConfiguration()
        configuration.embeddingDimension = 16
        configuration.epochs = 3
        configuration.batchSize = 128
        configuration.threads = threads
        return configuration
    }

    /// Training is bitwise identical for 1 and 2 threads (SpMM rows and Adam ranges are disjoint).
    @Test func trainingIsIndependentOfThreadCount() throws {
        let data = try BatchRecommenderConformance.syntheticData()
        let one = try LightGCN.fit(interactions: data.train, configuration: Self.configuration(threads: 1))
        let two = try LightGCN.fit(interactions: data.train, configuration: Self.configuration(threads: 2))
        #expect(one.egoEmbeddings == two.egoEmbeddings)
        #expect(one.embeddings == two.embeddings)
        #expect(one.trainedEpochs == 3)
    }

    /// Loss goes down over epochs on structured data.
    @Test func lossDecreases() throws {
        let data = try BatchRecommenderConformance.syntheticData()
        var configuration = Self.configuration(threads: 2)
        configuration.epochs = 20
        configuration.learningRate = 0.01
        var losses = [Double]()
        _ = try LightGCN.fit(interactions: data.train, configuration: configuration, warmStart: nil) { progress, _ in
            losses.append(progress.loss)
            #expect(progress.examples == data.train.nonzeroCount)
            return .proceed
        }
        #expect(losses.count == 20)
        #expect(losses.last! < 0.8 * losses.first!)
    }

    @Test func observerCanStopEarly() throws {
        let data = try BatchRecommenderConformance.syntheticData()
        var calls = 0
        let model = try LightGCN.fit(
            interactions: data.train, configuration: Self.configuration(threads: 1), warmStart: nil
        ) { progress, _ in
            calls += 1
            return progress.epoch == 2 ? .stop : .proceed
        }
        #expect(calls == 2 && model.trainedEpochs == 2)
    }

    @Test func invalidConfigurationIsRejected() throws {
        var configuration = LightGCNConfiguration()
        configuration.batchSize = 0
        let data = try BatchRecommenderConformance.syntheticData()
        let error = #expect(throws: ModelError.self) {
            try LightGCN.fit(interactions: data.train, configuration: configuration)
        }
        #expect(error?.reason.contains("batchSize") == true)
    }
}

/// docs/design/lightgcn.md §11.9: stopping and resuming from a checkpoint equals an uninterrupted run.
@Suite struct LightGCNResumeTests {
    @Test func resumeEqualsUninterruptedRun() throws {
        let data = try BatchRecommenderConformance.syntheticData()
        let configuration = LightGCNTrainingTests.configuration(threads: 2)
        let uninterrupted = try LightGCNTrainer(interactions: data.train, configuration: configuration)
        for _ in 0..<3 { _ = uninterrupted.trainEpoch() }

        let first = try LightGCNTrainer(interactions: data.train, configuration: configuration)
        for _ in 0..<2 { _ = first.trainEpoch() }
        let checkpoint = first.checkpoint()
        let resumed = try LightGCNTrainer(interactions: data.train, resuming: checkpoint)
        #expect(resumed.epochsCompleted == 2)
        _ = resumed.trainEpoch()
        #expect(resumed.egoEmbeddings == uninterrupted.egoEmbeddings)
        #expect(resumed.optimizer == uninterrupted.optimizer)

        // A warm start (parameters only, fresh Adam) is a different run.
        let warm = try LightGCNTrainer(interactions: data.train, configuration: configuration, warmStart: first.model())
        _ = warm.trainEpoch()
        #expect(warm.egoEmbeddings != uninterrupted.egoEmbeddings)
    }

    @Test func checkpointOnOtherDataIsRejected() throws {
        let data = try BatchRecommenderConformance.syntheticData()
        let other = try BatchRecommenderConformance.syntheticData(seed: 12)
        let trainer = try LightGCNTrainer(
            interactions: data.train, configuration: LightGCNTrainingTests.configuration(threads: 1))
        #expect(throws: ModelError.self) {
            try LightGCNTrainer(interactions: other.train, resuming: trainer.checkpoint())
        }
    }
}
