import EncoreCore
import Testing

@testable import EncoreSimulation

@Suite struct ListeningBehaviourTests {
    @Test func listensConcentrateInActiveLocalHours() throws {
        let run = try SimulationFixture.run.get()
        let truth = run.simulator.groundTruth
        var active = 0
        var uniformExpectation = 0.0
        for listen in run.listens {
            let profile = try #require(truth.profile(of: listen.userID))
            if profile.isActiveHour(atMs: listen.timestampMs) { active += 1 }
            let weekend = profile.isWeekend(atMs: listen.timestampMs)
            uniformExpectation += Double(profile.activeHours(weekend: weekend).count) / 24
        }
        let share = Double(active) / Double(run.listens.count)
        let baseline = uniformExpectation / Double(run.listens.count)
        // The baseline is the share if listening ignored the rhythm (each user's active hours / 24).
        // Sessions run over into the shoulders of the peaks, so the share is well below 1; what
        // matters is that it is far above what rhythm-blind listening would give.
        #expect(baseline < 0.35)
        #expect(share > 0.5)
        #expect(share > 2 * baseline)
    }

    @Test func localPeakHoursDependOnTheTimeZone() throws {
        // Listening peaks at different UTC hours for users far apart in time zone.
        let run = try SimulationFixture.run.get()
        let truth = run.simulator.groundTruth
        var west = [Int](repeating: 0, count: 24)
        var east = [Int](repeating: 0, count: 24)
        for listen in run.listens {
            let profile = try #require(truth.profile(of: listen.userID))
            let utcHour = Int((listen.timestampMs / 3_600_000) % 24)
            if profile.utcOffsetHours <= -5 { west[utcHour] += 1 }
            if profile.utcOffsetHours >= 5 { east[utcHour] += 1 }
        }
        let westPeak = try #require(west.indices.max { west[$0] < west[$1] })
        let eastPeak = try #require(east.indices.max { east[$0] < east[$1] })
        var distance = abs(westPeak - eastPeak)
        distance = min(distance, 24 - distance)
        #expect(distance >= 4)
    }

    @Test func listensFavourRelevantTracks() throws {
        let run = try SimulationFixture.run.get()
        let truth = run.simulator.groundTruth
        var generator = SeededGenerator(seed: 99)
        var listened = 0.0
        var random = 0.0
        for listen in run.listens {
            let user = try #require(truth.userIndex(of: listen.userID))
            let track = try #require(truth.catalogue.index(of: listen.trackID))
            listened += truth.relevance(userIndex: user, trackIndex: track, atMs: listen.timestampMs)
            let other = generator.nextInt(below: truth.catalogue.count)
            random += truth.relevance(userIndex: user, trackIndex: other, atMs: listen.timestampMs)
        }
        let count = Double(run.listens.count)
        // Random unit vectors in 16 dimensions have relevance ≈ 0 ± 0.25.
        #expect(listened / count > random / count + 0.3)
        #expect(abs(random / count) < 0.15)
    }

    @Test func skipsGoWithLowRelevance() throws {
        let run = try SimulationFixture.run.get()
        let truth = run.simulator.groundTruth
        var pairs: [(relevance: Double, skipped: Bool)] = []
        for listen in run.listens {
            let relevance = truth.relevance(user: listen.userID, track: listen.trackID, atMs: listen.timestampMs)
            pairs.append((relevance, listen.skipped == true))
        }
        pairs.sort { $0.relevance < $1.relevance }
        let quarter = pairs.count / 4
        let lowSkipRate = Double(pairs.prefix(quarter).filter(\.skipped).count) / Double(quarter)
        let highSkipRate = Double(pairs.suffix(quarter).filter(\.skipped).count) / Double(quarter)
        #expect(lowSkipRate > highSkipRate + 0.2)
        let skipped = pairs.filter(\.skipped).map(\.relevance)
        let played = pairs.filter { !$0.skipped }.map(\.relevance)
        let skippedMean = skipped.reduce(0, +) / Double(max(skipped.count, 1))
        let playedMean = played.reduce(0, +) / Double(max(played.count, 1))
        #expect(!skipped.isEmpty)
        #expect(skippedMean < playedMean - 0.1)
        // Skips follow the planted curve: the observed rate is within 4 standard errors of the model.
        var expected = 0.0
        var variance = 0.0
        for pair in pairs {
            let probability = truth.skipProbability(relevance: pair.relevance)
            expected += probability
            variance += probability * (1 - probability)
        }
        #expect(abs(Double(skipped.count) - expected) < 4 * variance.squareRoot())
    }

    @Test func sessionsContinueWithTheSameArtistOrSimilarTracks() throws {
        let run = try SimulationFixture.run.get()
        let catalogue = run.simulator.groundTruth.catalogue
        var previousByUser: [UserID: ListenEvent] = [:]
        var sameArtist = 0
        var transitions = 0
        for listen in run.listens {
            defer { previousByUser[listen.userID] = listen }
            guard let previous = previousByUser[listen.userID],
                listen.timestampMs - previous.timestampMs < 10 * 60_000,
                let first = catalogue.index(of: previous.trackID), let second = catalogue.index(of: listen.trackID)
            else { continue }
            transitions += 1
            if catalogue.trackArtist[first] == catalogue.trackArtist[second] { sameArtist += 1 }
        }
        // With 150 artists a random next track shares the artist < 1% of the time.
        #expect(transitions > 10_000)
        #expect(Double(sameArtist) / Double(transitions) > 0.05)
    }
}
