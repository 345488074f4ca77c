import Testing

@testable import EncoreSimulation

@Suite struct SimulationConfigurationTests {
    @Test func defaultsAreValid() throws {
        try SimulationConfiguration().validate()
        #expect(SimulationConfiguration().startMs == 1_767_571_200_000)  // 2026-01-05T00:00:00Z
    }

    /// An invalid configuration with a short name for the test log.
    struct InvalidCase: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var configuration: SimulationConfiguration
    }

    static let invalidCases = [
        InvalidCase(testDescription: "no users", configuration: SimulationConfiguration(users: 0)),
        InvalidCase(
            testDescription: "more artists than tracks", configuration: SimulationConfiguration(tracks: 10, artists: 20)
        ),
        InvalidCase(testDescription: "no days", configuration: SimulationConfiguration(days: 0)),
        InvalidCase(testDescription: "dimension 1", configuration: SimulationConfiguration(embeddingDimension: 1)),
        InvalidCase(testDescription: "no sessions", configuration: SimulationConfiguration(meanSessionsPerDay: 0)),
        InvalidCase(testDescription: "offset -20 h", configuration: SimulationConfiguration(utcOffsetHours: -20...0)),
        InvalidCase(
            testDescription: "base open rate 1",
            configuration: SimulationConfiguration(openModel: OpenProbabilityModel(meanBaseOpenRate: 1))
        ),
        InvalidCase(
            testDescription: "candidate shares above 1",
            configuration: SimulationConfiguration(
                listening: ListeningBehaviour(genreCandidateShare: 0.9, artistCandidateShare: 0.2)
            )
        ),
    ]

    @Test(arguments: invalidCases)
    func invalidSettingsAreRejected(_ invalid: InvalidCase) {
        let configuration = invalid.configuration
        #expect(throws: SimulationError.self) { try configuration.validate() }
        do {
            _ = try MusicSimulator(configuration: configuration)
            Issue.record("an invalid configuration was accepted")
        } catch {
            #expect(error.code == .invalidConfiguration)
            #expect(!error.reason.isEmpty)
        }
    }
}
