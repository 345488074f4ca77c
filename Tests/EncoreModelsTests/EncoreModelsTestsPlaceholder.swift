import Testing

@Suite struct EncoreModelsTestsPlaceholder {
    @Test func builds() { #expect(Bool(true)) }
}
