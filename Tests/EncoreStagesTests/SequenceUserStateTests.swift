import EncoreModels
import Testing

import EncorePipeline
@testable import EncoreStages

@Suite("RNN user state")
struct SequenceUserStateTests {
    private static func event(_ index: Int) -> SequenceEvent {
        SequenceEvent(
            item: Int32(index * 13 % 977), timestampMs: 1_767_571_200_000 + Int64(index) * 61_234,
            msPlayed: index % 5 == 0 ? -1 : Int32(1000 + index * 377), durationMs: index % 7 == 0 ? -1 : 240_000,
            skipped: index % 3 == 0, source: UInt8(index % 6), device: UInt8(index % 7), novel: index % 2 == 0
        )
    }

    @Test("round trip through the blob is exact, within 4 KiB, and the ring keeps exactly the last 200")
    func roundTrip() throws {
        var state = SequenceUserState()
        for index in 0..<260 { state.remember(SequenceUserState.quantize(Self.event(index))) }
        state.hidden = (0..<128).map { Float($0) * 0.37 - 11.5 }
        state.hidden[3] = -.zero
        state.generation = 7
        state.lastEventMs = 1_767_571_200_123
        state.lastRecommendationMs = 1_767_571_100_000
        state.listenCount = 260
        state.lateCount = 2
        #expect(state.ring.count == SequenceUserState.ringCapacity)
        #expect(state.ring.first == SequenceUserState.quantize(Self.event(60)))
        #expect(state.ring.last == SequenceUserState.quantize(Self.event(259)))
        let bytes = state.encoded()
        #expect(bytes.count <= 4096)
        let decoded = try #require(SequenceUserState(decoding: bytes))
        #expect(decoded == state)
        #expect(decoded.hidden.map(\.bitPattern) == state.hidden.map(\.bitPattern))
        #expect(SequenceUserState(decoding: Array(bytes.dropLast())) == nil)
    }

    @Test("quantization is idempotent and keeps what the features need")
    func quantization() {
        for index in 0..<50 {
            let quantized = SequenceUserState.quantize(Self.event(index))
            #expect(SequenceUserState.quantize(quantized) == quantized)
            #expect(quantized.timestampMs % 1000 == 0)
            #expect(abs(quantized.timestampMs - Self.event(index).timestampMs) < 1000)
            let original = Self.event(index)
            #expect(quantized.item == original.item && quantized.skipped == original.skipped)
            #expect(quantized.source == original.source && quantized.device == original.device)
            #expect(quantized.novel == original.novel)
            #expect(abs(quantized.msPlayed - original.msPlayed) < 100)
        }
        let long = SequenceUserState.quantize(SequenceEvent(item: 1, timestampMs: 0, msPlayed: 9_000_000, durationMs: -1))
        #expect(long.msPlayed == 6_553_400)
        #expect(long.durationMs == -1)
    }
}
