import EncoreStore
import Testing

@Suite struct RegistryPromotionTests {
    private func registry(versions: Int, name: String = "lightgcn") throws -> ModelRegistry {
        let registry = ModelRegistry(store: try EncoreStore(path: nil))
        for index in 0..<versions {
            _ = try registry.save(name: name, metadataJSON: "{}", blob: [Float(index)], createdMs: Int64(index))
        }
        return registry
    }

    private func statuses(_ registry: ModelRegistry, _ name: String = "lightgcn") throws -> [Int: ModelStatus] {
        Dictionary(uniqueKeysWithValues: try registry.list(name: name).map { ($0.version, $0.status) })
    }

    @Test func promotionRetiresThePreviouslyPromotedGeneration() throws {
        let registry = try registry(versions: 3)
        #expect(try registry.promote(name: "lightgcn", version: 1, atMs: 10) == nil)
        #expect(try statuses(registry) == [1: .promoted, 2: .candidate, 3: .candidate])
        #expect(try registry.promote(name: "lightgcn", version: 3, atMs: 20) == 1)
        #expect(try statuses(registry) == [1: .retired, 2: .candidate, 3: .promoted])
        #expect(try registry.promoted(name: "lightgcn")?.version == 3)
        // Promoting the serving generation again changes nothing and logs nothing.
        #expect(try registry.promote(name: "lightgcn", version: 3, atMs: 30) == 3)
        #expect(try registry.promotions(name: "lightgcn").map(\.version) == [3, 1])
    }

    @Test func rollbackWalksBackThroughPromotions() throws {
        let registry = try registry(versions: 3)
        for (version, atMs) in [(1, 10), (2, 20), (3, 30)] as [(Int, Int64)] {
            try registry.promote(name: "lightgcn", version: version, atMs: atMs)
        }
        let first = try registry.rollback(name: "lightgcn", atMs: 40)
        #expect(first.from == 3 && first.to == 2)
        #expect(try statuses(registry) == [1: .retired, 2: .promoted, 3: .retired])
        let second = try registry.rollback(name: "lightgcn", atMs: 50)
        #expect(second.from == 2 && second.to == 1)
        #expect(try statuses(registry) == [1: .promoted, 2: .retired, 3: .retired])
        #expect(throws: StoreError.self) { try registry.rollback(name: "lightgcn", atMs: 60) }
        #expect(try statuses(registry) == [1: .promoted, 2: .retired, 3: .retired])
        let log = try registry.promotions(name: "lightgcn")
        #expect(log.map(\.rolledBackMs) == [40, 50, nil])
        #expect(log.map(\.version) == [3, 2, 1])
        // A new promotion after rollbacks is undone back to the generation serving before it.
        try registry.promote(name: "lightgcn", version: 3, atMs: 70)
        #expect(try registry.rollback(name: "lightgcn", atMs: 80).to == 1)
    }

    @Test func unknownGenerationsAndNamesAreNotFound() throws {
        let registry = try registry(versions: 1)
        do {
            try registry.promote(name: "lightgcn", version: 9, atMs: 1)
            Issue.record("promoted a missing version")
        } catch {
            #expect(error.code == .notFound)
        }
        do {
            try registry.rollback(name: "other", atMs: 1)
            Issue.record("rolled back a model never promoted")
        } catch {
            #expect(error.code == .notFound)
        }
        // Other names are untouched by a promotion.
        _ = try registry.save(name: "other", metadataJSON: "{}", blob: [], createdMs: 5)
        try registry.promote(name: "other", version: 1, atMs: 6)
        try registry.promote(name: "lightgcn", version: 1, atMs: 7)
        #expect(try statuses(registry, "other") == [1: .promoted])
    }
}
