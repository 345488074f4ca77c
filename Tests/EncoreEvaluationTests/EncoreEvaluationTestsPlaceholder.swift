import Testing

@Suite struct EncoreEvaluationTestsPlaceholder {
    @Test func builds() { #expect(Bool(true)) }
}
