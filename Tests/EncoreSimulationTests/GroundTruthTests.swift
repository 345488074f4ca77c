import EncoreCore
import Testing

@testable import EncoreSimulation

@Suite struct GroundTruthTests {
    @Test func tasteDriftsSlowly() throws {
        let run = try SimulationFixture.run.get()
        let truth = run.simulator.groundTruth
        let start = SimulationFixture.configuration.startMs
        var angles: [Double] = []
        for profile in truth.users {
            let today = profile.taste(atMs: start)
            let tomorrow = profile.taste(atMs: start + SimulationConfiguration.dayMs)
            var dot: Float = 0
            var norm: Float = 0
            for index in today.indices {
                dot += today[index] * tomorrow[index]
                norm += tomorrow[index] * tomorrow[index]
            }
            #expect(abs(norm - 1) < 1e-4)
            angles.append(profile.driftRadiansPerDay)
            #expect(dot < 0.999_999)  // Nonzero drift ...
            #expect(dot > 0.99)  // ... but small per day (< 8°).
        }
        let mean = angles.reduce(0, +) / Double(angles.count)
        #expect(abs(mean - SimulationFixture.configuration.tasteDriftRadiansPerDay) < 0.01)
    }

    @Test func relevanceFollowsTheDrift() throws {
        // The tracks a user likes at the end of the week are not quite those of the first day.
        let run = try SimulationFixture.run.get()
        let truth = run.simulator.groundTruth
        let start = SimulationFixture.configuration.startMs
        let later = start + 30 * SimulationConfiguration.dayMs
        let user = truth.users[0]
        let early = (0..<truth.catalogue.count).map { truth.relevance(userIndex: 0, trackIndex: $0, atMs: start) }
        let late = (0..<truth.catalogue.count).map { truth.relevance(userIndex: 0, trackIndex: $0, atMs: later) }
        #expect(early != late)
        let track = truth.catalogue.tracks[7].trackID
        #expect(truth.relevance(user: user.userID, track: track, atMs: start) == early[7])
        #expect(truth.tasteVector(user: user.userID, atMs: start) == user.initialTaste)
        #expect(truth.trackVector(track) == truth.catalogue.vector(ofTrack: 7))
        #expect(truth.trackVector(TrackID("nope")) == nil)
        #expect(truth.profile(of: UserID("nope")) == nil)
    }

    @Test func catalogueIsClusteredAndPowerLaw() throws {
        let run = try SimulationFixture.run.get()
        let catalogue = run.simulator.groundTruth.catalogue
        let dimension = catalogue.embeddingDimension
        #expect(catalogue.count == SimulationFixture.configuration.tracks)
        #expect(catalogue.genreNames.count == 12)
        var sameGenre = 0.0
        var sameGenreCount = 0
        var otherGenre = 0.0
        var otherGenreCount = 0
        for first in stride(from: 0, to: catalogue.count, by: 7) {
            let vector = catalogue.vector(ofTrack: first)
            var norm: Float = 0
            for value in vector { norm += value * value }
            #expect(abs(norm - 1) < 1e-4)
            for second in stride(from: 3, to: catalogue.count, by: 11) where second != first {
                var dot: Float = 0
                for index in 0..<dimension {
                    dot += vector[index] * catalogue.trackVectors[second * dimension + index]
                }
                if catalogue.trackGenre[first] == catalogue.trackGenre[second] {
                    sameGenre += Double(dot)
                    sameGenreCount += 1
                } else {
                    otherGenre += Double(dot)
                    otherGenreCount += 1
                }
            }
        }
        #expect(sameGenre / Double(sameGenreCount) > otherGenre / Double(otherGenreCount) + 0.3)
        let sorted = catalogue.popularity.sorted(by: >)
        // Zipf with exponent 1: the top track is about 100 times the 100th.
        #expect(sorted[0] / sorted[99] > 50)
        #expect(abs(catalogue.popularity.reduce(0, +) - 1) < 1e-9)
        #expect(catalogue.tracks.allSatisfy { !$0.genres.isEmpty && $0.title != nil && $0.album != nil })
    }

    @Test func profilesSpanTimeZonesAndRhythms() throws {
        let run = try SimulationFixture.run.get()
        let users = run.simulator.groundTruth.users
        let offsets = Set(users.map(\.utcOffsetHours))
        #expect(offsets.min() == -8 && offsets.max() == 9)
        for profile in users {
            #expect(profile.weekdayRhythm.max() == 1 && profile.weekendRhythm.max() == 1)
            // Nights are quiet: 3–4 am local is never an active hour.
            #expect(!profile.activeHours(weekend: false).contains(3))
            #expect(!profile.activeHours(weekend: true).contains(3))
            #expect(profile.baseOpenRate > 0 && profile.baseOpenRate < 1)
            #expect((1...3).contains(profile.tasteGenres.count))
        }
        // 2026-01-10 is a Saturday, 2026-01-09 a Friday (noon UTC is the same day for every offset).
        let saturdayNoon = SimulationFixture.configuration.startMs + 5 * SimulationConfiguration.dayMs + 43_200_000
        #expect(users.allSatisfy { $0.isWeekend(atMs: saturdayNoon) })
        #expect(users.allSatisfy { !$0.isWeekend(atMs: saturdayNoon - SimulationConfiguration.dayMs) })
    }
}

@Suite struct SessionScheduleTests {
    @Test func everyPlannedSessionStartIsListeningTimeInTheStream() throws {
        // The recency term of the open model reads planned session starts; each must be a moment the
        // user is really listening: a listen begins there, or a running listen covers it.
        let run = try SimulationFixture.run.get()
        let truth = run.simulator.groundTruth
        var intervalsByUser: [UserID: [(start: Int64, end: Int64)]] = [:]
        for listen in run.listens {
            intervalsByUser[listen.userID, default: []].append(
                (listen.timestampMs, listen.timestampMs + (listen.msPlayed ?? 0) + 3_000)
            )
        }
        var checked = 0
        for userIndex in stride(from: 0, to: truth.users.count, by: 5) {
            let intervals = intervalsByUser[truth.users[userIndex].userID, default: []]
            for day in 0..<SimulationFixture.configuration.days {
                for start in truth.sessionStartsMs(userIndex: userIndex, day: day) {
                    #expect(intervals.contains { $0.start <= start && start < $0.end })
                    checked += 1
                }
            }
        }
        #expect(checked > 500)
    }
}
