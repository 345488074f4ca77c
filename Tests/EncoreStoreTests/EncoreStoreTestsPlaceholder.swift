import Testing

@Suite struct EncoreStoreTestsPlaceholder {
    @Test func builds() { #expect(Bool(true)) }
}
