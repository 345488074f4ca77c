import EncoreCore
import EncoreNumerics
import Testing

/// The retrieval index (hnswlib through CHNSW): recall against exact inner products on a seeded,
/// clustered catalogue, determinism, items added after the build, and its errors.
struct InnerProductIndexTests {
    /// A catalogue shaped like trained embeddings (clusters around 24 centres) and queries that
    /// lean towards one or two clusters, as users' tastes do.
    static func catalogue(items: Int, dimension: Int, queries: Int, seed: UInt64) -> (rows: [Float], queries: [Float]) {
        var random = SeededGenerator(seed: seed)
        func gaussian() -> Float {
            // Sum of uniforms: close enough to normal for clustering.
            (0..<4).reduce(Float(0)) { sum, _ in sum + random.nextUniform() } - 2
        }
        let centres = (0..<(24 * dimension)).map { _ in gaussian() }
        var rows = [Float](repeating: 0, count: items * dimension)
        for item in 0..<items {
            let centre = Int(random.next() % 24)
            for k in 0..<dimension { rows[item * dimension + k] = centres[centre * dimension + k] + 0.6 * gaussian() }
        }
        var query = [Float](repeating: 0, count: queries * dimension)
        for q in 0..<queries {
            let a = Int(random.next() % 24), b = Int(random.next() % 24)
            for k in 0..<dimension {
                query[q * dimension + k] = 0.7 * centres[a * dimension + k] + 0.3 * centres[b * dimension + k] + 0.3 * gaussian()
            }
        }
        return (rows, query)
    }

    static func exactTop(_ rows: [Float], _ query: ArraySlice<Float>, dimension: Int, k: Int) -> [Int32] {
        let count = rows.count / dimension
        var scores = [Float](repeating: 0, count: count)
        for item in 0..<count {
            var sum: Float = 0
            for (offset, value) in query.enumerated() { sum += value * rows[item * dimension + offset] }
            scores[item] = sum
        }
        var selector = TopKSelector(k: k)
        return selector.select(scores)
    }

    @Test func recallAgainstExactScoringHasAFloor() throws {
        let dimension = 33, items = 5_000, queries = 200, k = 20
        let data = Self.catalogue(items: items, dimension: dimension, queries: queries, seed: 11)
        let index = try data.rows.withUnsafeBufferPointer {
            try InnerProductIndex(rows: $0, count: items, dimension: dimension)
        }
        #expect(index.count == items)
        var labels = [UInt64](repeating: 0, count: k)
        var scores = [Float](repeating: 0, count: k)
        var hits = 0
        for q in 0..<queries {
            let query = data.queries[(q * dimension)..<((q + 1) * dimension)]
            let found = query.withUnsafeBufferPointer { query in
                labels.withUnsafeMutableBufferPointer { labels in
                    scores.withUnsafeMutableBufferPointer { index.search(query.baseAddress!, labels: labels, scores: $0) }
                }
            }
            #expect(found == k)
            let exact = Set(Self.exactTop(data.rows, query, dimension: dimension, k: k))
            hits += labels.prefix(found).filter { exact.contains(Int32($0)) }.count
            // The reported scores are the inner products (through the Euclidean transform).
            let first = Int(labels[0])
            let product = zip(query, data.rows[(first * dimension)..<((first + 1) * dimension)]).reduce(Float(0)) {
                $0 + $1.0 * $1.1
            }
            #expect(abs(scores[0] - product) <= 1e-3 * max(1, abs(product)))
        }
        let recall = Double(hits) / Double(queries * k)
        #expect(recall >= 0.95, "recall@20 \(recall)")
    }

    @Test func theSameVectorsGiveTheSameAnswers() throws {
        let dimension = 16, items = 2_000
        let data = Self.catalogue(items: items, dimension: dimension, queries: 50, seed: 5)
        func answers() throws -> [UInt64] {
            let index = try data.rows.withUnsafeBufferPointer { try InnerProductIndex(rows: $0, count: items, dimension: dimension) }
            var all: [UInt64] = []
            var labels = [UInt64](repeating: 0, count: 30), scores = [Float](repeating: 0, count: 30)
            for q in 0..<50 {
                let found = data.queries.withUnsafeBufferPointer { queries in
                    index.search(queries.baseAddress! + q * dimension, labels: labels.withUnsafeMutableBufferPointer { $0 }, scores: scores.withUnsafeMutableBufferPointer { $0 })
                }
                all += labels.prefix(found)
            }
            return all
        }
        #expect(try answers() == answers())
    }

    @Test func itemsAddedAfterTheBuildAreFound() throws {
        let dimension = 8, items = 500
        let data = Self.catalogue(items: items, dimension: dimension, queries: 1, seed: 3)
        let index = try data.rows.withUnsafeBufferPointer { try InnerProductIndex(rows: $0, count: items, dimension: dimension) }
        // A new item pointing along the query, longer than every stored vector but within the headroom.
        let query = Array(data.queries[0..<dimension])
        let norm = query.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        let longest = (0..<items).map { item in
            data.rows[(item * dimension)..<((item + 1) * dimension)].reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        }.max()!
        let newcomer = query.map { $0 / norm * longest * 1.1 }
        try newcomer.withUnsafeBufferPointer { try index.add($0, label: items) }
        #expect(index.count == items + 1)
        #expect(index.overlongVectors == 0)
        var labels = [UInt64](repeating: 0, count: 5), scores = [Float](repeating: 0, count: 5)
        _ = query.withUnsafeBufferPointer { query in
            index.search(query.baseAddress!, labels: labels.withUnsafeMutableBufferPointer { $0 }, scores: scores.withUnsafeMutableBufferPointer { $0 })
        }
        #expect(labels[0] == UInt64(items))
        // Far beyond the headroom: still stored, and counted.
        try newcomer.map { $0 * 10 }.withUnsafeBufferPointer { try index.add($0, label: items + 1) }
        #expect(index.overlongVectors == 1)
    }

    @Test func badInputIsRefusedWithAReason() throws {
        let rows: [Float] = [1, 0, 0, 1]
        #expect(throws: InnerProductIndex.Failure.self) {
            try rows.withUnsafeBufferPointer { try InnerProductIndex(rows: $0, count: 3, dimension: 2) }
        }
        #expect(throws: InnerProductIndex.Failure.self) {
            try rows.withUnsafeBufferPointer { try InnerProductIndex(rows: $0, count: 2, dimension: 0) }
        }
        let index = try rows.withUnsafeBufferPointer { try InnerProductIndex(rows: $0, count: 2, dimension: 2) }
        do {
            try [Float](repeating: 1, count: 3).withUnsafeBufferPointer { vector throws(InnerProductIndex.Failure) in
                try index.add(vector, label: 2)
            }
            Issue.record("a vector of the wrong width was accepted")
        } catch {
            #expect(error.description.contains("3 values"))
        }
        #expect(throws: InnerProductIndex.Failure.self) {
            try [Float](repeating: 1, count: 2).withUnsafeBufferPointer { try index.add($0, label: -1) }
        }
        #expect(throws: InnerProductIndex.Failure.self) {
            try [Float.nan, 1].withUnsafeBufferPointer { try index.add($0, label: 3) }
        }
    }
}
