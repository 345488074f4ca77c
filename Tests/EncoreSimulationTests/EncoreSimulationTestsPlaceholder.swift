import Testing

@Suite struct EncoreSimulationTestsPlaceholder {
    @Test func builds() { #expect(Bool(true)) }
}
