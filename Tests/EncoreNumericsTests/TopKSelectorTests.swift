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
