import Foundation
import Hummingbird
import HummingbirdTesting
import JSON
import Storage
import Testing
@testable import CollectionStore
@testable import Server

/// Restarts on data directories that hold the records older versions could commit and that used
/// to crash every start: the server starts, names the damage on `/readyz`, serves the rest, and
/// lets the broken collection be deleted.
@Suite("Restart on damaged data directories")
struct RestartTests {
    @Test("an unopenable collection, a too-deep payload and a damaged graph checkpoint do not stop the server")
    func damagedRecords() async throws {
        var configuration = testConfiguration()
        configuration.checkpointInterval = .seconds(3600)
        do {
            let app = try await buildApplication(configuration)
            try await app.test(.router) { client in
                try await QdrantRouteTests.seed(client)
                try await client.ok(.put, "/collections/other", #"{"vectors":{"size":2,"distance":"Dot"}}"#)
            }
        }
        let environment = try Environment.open(path: configuration.dataDirectory)
        let tables = try StoreTables(environment: environment)
        let lessons = try #require(try environment.read { try tables.registry.get("lessons", in: $0) }?.value)
        let wide = CollectionRecord(
            cid: 77, name: "wide", config: CollectionConfig(vectors: ["": DenseVectorConfig(size: 70_000, distance: .cosine)]),
            slots: ["": 0], createdAt: Date()
        )
        var deep: [UInt8] = [UInt8(PointID.number(2).sortKey.count)] + PointID.number(2).sortKey + Keys.bigEndian(UInt64(1))
        deep += Array(String(repeating: "{\"k\":", count: 35_000).utf8) + Array("1".utf8) + Array(String(repeating: "}", count: 35_000).utf8)
        try environment.write { txn in
            try tables.registry.put(JSONStored(wide), for: "wide", in: txn)
            try tables.points.put(deep, for: Keys.point(lessons.cid, 1), in: txn)
            // A checkpoint header that decodes to nothing usable.
            try tables.graphs.put(Array("{\"operation\":1}".utf8), for: GraphCheckpoint.key(lessons.cid, 0, part: 0, chunk: 0), in: txn)
        }

        let app = try await buildApplication(configuration)
        try await app.test(.router) { client in
            let ready = try await client.call(.get, "/readyz")
            #expect(ready.status == .ok)
            #expect(ready.text.contains("- wide: "), "\(ready.text)")
            try await client.refused(.get, "/collections/wide", status: .serviceUnavailable, "cannot be opened")
            try await client.refused(.post, "/collections/wide/points/scroll", "{}", status: .serviceUnavailable, "cannot be opened")
            try await QdrantRouteTests.expectIntact(client)
            #expect(try await client.ok(.get, "/collections/lessons/points/2")["payload"] == .object([:]))
            let nearest = try await client.ok(.post, "/collections/lessons/points/query", #"{"query":[1,0,0,0],"using":"dense","limit":5}"#)
            #expect(nearest["points"]?.arrayValue?.count == 5)
            #expect(try await client.ok(.get, "/collections/other")["status"] == .string("green"))
            #expect(try await client.ok(.delete, "/collections/wide") == .bool(true))
            #expect(try await client.call(.get, "/readyz").text == "all shards are ready")
        }
    }
}
