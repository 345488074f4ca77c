import Testing

@Suite struct EncoreCoreTestsPlaceholder {
    @Test func builds() { #expect(Bool(true)) }
}
