/// Counters of a ``KafkaProducer`` since it was created.
public struct ProducerStatistics: Sendable, Equatable {
    /// Messages acknowledged by the broker.
    public var delivered: Int
    /// Messages whose delivery report carried an error.
    public var failed: Int
    /// Messages enqueued whose delivery report has not arrived yet.
    public var inFlight: Int

    /// Creates statistics.
    public init(delivered: Int, failed: Int, inFlight: Int) {
        self.delivered = delivered
        self.failed = failed
        self.inFlight = inFlight
    }
}
