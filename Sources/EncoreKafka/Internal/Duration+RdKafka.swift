extension Duration {
    /// This duration in whole milliseconds, clamped to librdkafka's `int` timeout range (never negative).
    var rdKafkaMilliseconds: Int32 {
        let (seconds, attoseconds) = components
        let milliseconds = seconds.multipliedReportingOverflow(by: 1000)
        if milliseconds.overflow || seconds < 0 && milliseconds.partialValue > 0 { return seconds < 0 ? 0 : .max }
        let total = milliseconds.partialValue + attoseconds / 1_000_000_000_000_000
        return Int32(clamping: max(0, total))
    }
}
