import EncoreCore

extension SequenceEvent {
    /// The model's view of a listen event.
    ///
    /// Play and track lengths saturate at `Int32.max` (unknown ones are -1); the skip flag
    /// follows ``EncoreCore/ListenEvent/isSkip``; source and device become their codes. The
    /// novelty flag is left `false`: it depends on the user's history, which the caller knows.
    ///
    /// - Parameters:
    ///   - listen: The listen as decoded from the wire or rebuilt from the store.
    ///   - item: The dense item index of its track.
    public init(listen: ListenEvent, item: Int32) {
        self.init(
            item: item, timestampMs: listen.timestampMs,
            msPlayed: listen.msPlayed.map { Int32(clamping: $0) } ?? -1,
            durationMs: listen.durationMs.map { Int32(clamping: $0) } ?? -1, skipped: listen.isSkip,
            source: SequenceEvent.source(named: listen.context?.source),
            device: SequenceEvent.device(named: listen.context?.device), novel: false
        )
    }

    /// The form the streaming state remembers a listen in, so that training and serving see the
    /// same inputs.
    ///
    /// Time is kept to the second; play and track lengths to a tenth of a second, saturating at
    /// 6553.4 s; unknown lengths stay -1.
    ///
    /// ```
    /// timestampMs ← ⌊timestampMs / 1000⌋ · 1000
    /// length      ← length < 0 ? -1 : min(65534, ⌊length / 100⌋) · 100
    /// ```
    public func quantized() -> SequenceEvent {
        var event = self
        event.timestampMs = (timestampMs / 1000) * 1000
        event.msPlayed = Self.quantizedLength(msPlayed)
        event.durationMs = Self.quantizedLength(durationMs)
        return event
    }

    /// A length in milliseconds to a tenth of a second (the state's 16-bit encoding, 0xFFFF unknown).
    private static func quantizedLength(_ milliseconds: Int32) -> Int32 {
        milliseconds < 0 ? -1 : min(Int32(0xFFFE), milliseconds / 100) * 100
    }
}
