import EncoreTraining
import EncoreCore
import EncoreEvaluation
import EncoreModels
import EncoreNumerics
import EncoreStore
import Foundation
import Testing

@Suite struct ModelRegistryIntegrationTests {
    /// A small seeded graph: 30 users, 20 items, each user likes a block of items.
    private func interactions() -> SparseMatrix {
        var users: [Int32] = [], items: [Int32] = []
        for user in 0..<30 {
            for offset in 0..<5 {
                users.append(Int32(user))
                items.append(Int32((user / 3 * 2 + offset) % 20))
            }
        }
        return SparseMatrix(rows: 30, columns: 20, rowIndices: users, columnIndices: items, duplicates: .keepFirst)
    }

    @Test func aTrainedModelRoundTripsThroughTheRegistryExactly() throws {
        var configuration = LightGCNConfiguration()
        configuration.epochs = 3
        configuration.embeddingDimension = 8
        configuration.batchSize = 64
        configuration.threads = 1
        let model = try LightGCN.fit(interactions: interactions(), configuration: configuration)
        let artifact = try model.artifact(metrics: ["recall@20": 0.5])

        let store = try EncoreStore(path: nil)
        let registry = ArtifactRegistry(store: store)
        #expect(try registry.save(artifact) == "lightgcn@1")
        #expect(try registry.save(artifact) == "lightgcn@2")
        let loaded = try registry.load(name: "lightgcn")
        #expect(loaded == artifact)
        let restored = try LightGCN(artifact: loaded)
        let users: [Int32] = [0, 7, 29]
        #expect(restored.scores(users: users).storage.map(\.bitPattern) == model.scores(users: users).storage.map(\.bitPattern))
        let entry = try #require(try ModelRegistry(store: store).list(name: "lightgcn").first)
        #expect(entry.version == 2)
        #expect(entry.metadataJSON.contains("recall@20"))
    }

    @Test func theStoreFeedsTraining() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("encore-train-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try EncoreStore(path: path)
        let users = try IdentifierMap(kind: .users, store: store)
        let tracks = try IdentifierMap(kind: .tracks, store: store)
        var batch = BatchWrite(groupID: "g")
        var offset: Int64 = 0
        for user in 0..<10 {
            for play in 0..<6 {
                let event = ListenEvent(
                    userID: UserID("u\(user)"), trackID: TrackID("t\((user + play) % 8)"), timestampMs: 1000 * Int64(play)
                )
                let index = try users.resolve([event.userID.rawValue])[0]
                let item = try tracks.resolve([event.trackID.rawValue])[0]
                batch.listens.append(ListenRow(user: UserIndex(index), item: ItemIndex(item), event: event, position: .init(partition: 0, offset: offset)))
                offset += 1
            }
            // A repeated play counts once.
            batch.listens.append(batch.listens[batch.listens.count - 1])
        }
        try store.commit(batch)
        let data = try StoreInteractions.load(path: path)
        #expect(data.userCount == 10)
        #expect(data.itemCount == 8)
        #expect(data.train.nonzeroCount + data.test.nonzeroCount == 60)
        #expect(data.test.nonzeroCount > 0)
    }
}
