import Testing

@Suite struct EncoreKafkaTestsPlaceholder {
    @Test func builds() { #expect(Bool(true)) }
}
