import EncoreCore
import Testing

@testable import EncoreNumerics

@Suite struct TopKSelectorTests {
    @Test(arguments: [1, 5, 20, 200])
    func matchesFullSortOnRandomInputs(k: Int) {
        var rng = SeededGenerator(seed: UInt64(k))
        // Few distinct values so ties are common.
        let scores = (0..<500).map { _ in Float(rng.nextInt(below: 40)) }
        var selector = TopKSelector(k: k)
        let expected = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }.prefix(k)
            .map(Int32.init)
        #expect(selector.select(scores) == Array(expected))
    }

    @Test func skipsMaskedEntries() {
        var selector = TopKSelector(k: 3)
        let scores: [Float] = [5, -.infinity, 1, .nan, -.infinity]
        #expect(selector.select(scores) == [0, 2])
    }
}

/// The streaming form (``TopKSelector/offer(_:firstIndex:)`` in pieces) selects what one
/// ``TopKSelector/select(_:into:)`` over the whole array does, ties and masked entries included.
struct TopKSelectorStreamingTests {
    @Test func piecesSelectWhatTheWholeDoes() {
        var random = EncoreCore.SeededGenerator(seed: 21)
        for trial in 0..<50 {
            let count = 1 + Int(random.next() % 3000)
            // Few distinct values, so ties are common; some masked.
            let scores: [Float] = (0..<count).map { _ in
                let draw = random.next() % 40
                return draw == 0 ? -.infinity : draw == 1 ? .nan : Float(draw % 17)
            }
            let k = 1 + Int(random.next() % 25)
            var whole = TopKSelector(k: k)
            let expected = whole.select(scores)
            var streaming = TopKSelector(k: k)
            streaming.reset()
            var start = 0
            while start < count {
                let end = min(count, start + 1 + Int(random.next() % 700))
                scores[start..<end].withUnsafeBufferPointer { streaming.offer($0, firstIndex: Int32(start)) }
                start = end
            }
            var indices = [Int32](repeating: -1, count: k), values = [Float](repeating: 0, count: k)
            let found = indices.withUnsafeMutableBufferPointer { indices in
                values.withUnsafeMutableBufferPointer { streaming.finish(into: indices, scores: $0) }
            }
            #expect(Array(indices.prefix(found)) == expected, "trial \(trial)")
            #expect(Array(values.prefix(found)) == expected.map { scores[Int($0)] })
        }
    }
}
