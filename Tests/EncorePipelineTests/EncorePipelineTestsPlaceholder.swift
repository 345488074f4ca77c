import Testing

@Suite struct EncorePipelineTestsPlaceholder {
    @Test func builds() { #expect(Bool(true)) }
}
