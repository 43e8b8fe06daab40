import Foundation
import Hummingbird
import HummingbirdTesting
import JSON
import Testing
@testable import Server

/// `PUT`/`DELETE /collections/{c}/vectors/{name}` through the real server: the collection info, upserts,
/// queries and retrieves follow; bad inputs answer in Qdrant's envelope.
@Suite("Vector names added and removed over HTTP")
struct VectorSpaceRouteTests {
    @Test("create a multivector and a sparse name, use them, delete them; errors")
    func createAndDelete() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            try await client.ok(.put, "/collections/c", #"{"vectors":{"text":{"size":2,"distance":"Cosine"}}}"#)
            try await client.ok(.put, "/collections/c/points?wait=true", #"{"points":[{"id":1,"vector":{"text":[1,0]},"payload":{"a":1}},{"id":2,"vector":{"text":[0,1]}}]}"#)
            let created = try await client.ok(.put, "/collections/c/vectors/multi-image?wait=true",
                                              #"{"dense":{"size":3,"distance":"Cosine","multivector_config":{"comparator":"max_sim"}}}"#)
            #expect(created["status"] == .string("completed"))
            try await client.ok(.put, "/collections/c/vectors/sparse-idf", #"{"sparse":{"modifier":"idf"}}"#)
            let info = try await client.ok(.get, "/collections/c")
            let params = info["config"]?["params"]
            #expect(params?["vectors"]?["multi-image"]?["multivector_config"]?["comparator"] == .string("max_sim"))
            #expect(params?["vectors"]?["text"]?["size"] == .int(2))
            #expect(params?["sparse_vectors"]?["sparse-idf"]?["modifier"] == .string("idf"))
            #expect(info["points_count"] == .int(2))

            try await client.ok(.put, "/collections/c/points?wait=true", """
                {"points":[{"id":3,"vector":{"text":[1,1],"multi-image":[[1,0,0],[0,1,0]],"sparse-idf":{"indices":[1,2],"values":[0.5,1]}}}]}
                """)
            let nearest = try await client.ok(.post, "/collections/c/points/query", #"{"query":[[0,1,0]],"using":"multi-image"}"#)
            #expect(nearest["points"]?.arrayValue?.compactMap { $0["id"] } == [.int(3)])
            let sparse = try await client.ok(.post, "/collections/c/points/query", #"{"query":{"indices":[2],"values":[1]},"using":"sparse-idf"}"#)
            #expect(sparse["points"]?.arrayValue?.first?["id"] == .int(3))

            try await client.ok(.delete, "/collections/c/vectors/multi-image?wait=true")
            try await client.ok(.delete, "/collections/c/vectors/sparse-idf")
            let after = try await client.ok(.get, "/collections/c")
            #expect(after["config"]?["params"]?["vectors"]?["multi-image"] == nil)
            #expect(after["config"]?["params"]?["sparse_vectors"]?["sparse-idf"] == nil)
            let point = try await client.ok(.post, "/collections/c/points", #"{"ids":[3,1],"with_vector":true,"with_payload":true}"#)
            #expect(point.arrayValue?.first?["vector"]?.objectValue?.keys.sorted() == ["text"])
            #expect(point.arrayValue?.last?["payload"] == .object(["a": .int(1)]))
            try await client.refused(.post, "/collections/c/points/query", #"{"query":[[0,1,0]],"using":"multi-image"}"#, status: .badRequest, "Not existing vector name")

            // Refusals, each in Qdrant's envelope.
            try await client.refused(.put, "/collections/c/vectors/text", #"{"sparse":{}}"#, status: .badRequest, "already exists")
            try await client.refused(.delete, "/collections/c/vectors/nope", status: .badRequest, "Not existing vector name")
            try await client.refused(.put, "/collections/c/vectors/x", #"{"dense":{"size":2}}"#, status: .badRequest, "distance")
            try await client.refused(.put, "/collections/c/vectors/x", #"{"dense":{"size":0,"distance":"Dot"}}"#, status: .unprocessableContent, "size")
            try await client.refused(.put, "/collections/c/vectors/x", #"{"other":{}}"#, status: .badRequest, "dense")
            try await client.refused(.put, "/collections/c/vectors/x", #"{"sparse":{"modifier":"bm42"}}"#, status: .badRequest, "modifier")
            try await client.refused(.put, "/collections/missing/vectors/x", #"{"sparse":{}}"#, status: .notFound, "missing")
            try await client.refused(.delete, "/collections/missing/vectors/x", status: .notFound, "missing")
            try await client.ok(.put, "/collections/plain", #"{"vectors":{"size":2,"distance":"Dot"}}"#)
            try await client.refused(.put, "/collections/plain/vectors/x", #"{"dense":{"size":2,"distance":"Dot"}}"#, status: .badRequest, "unnamed")
            // A sparse space beside the unnamed dense vector is the usual hybrid layout: allowed.
            try await client.ok(.put, "/collections/plain/vectors/words", #"{"sparse":{}}"#)
            try await client.ok(.put, "/collections/plain/points?wait=true", #"{"points":[{"id":1,"vector":{"":[1,0],"words":{"indices":[1],"values":[1]}}}]}"#)
            let both = try await client.ok(.post, "/collections/plain/points", #"{"ids":[1],"with_vector":true}"#)
            #expect(both.arrayValue?.first?["vector"]?.objectValue?.keys.sorted() == ["", "words"])
            // The collection still answers.
            let count = try await client.ok(.post, "/collections/c/points/count", #"{}"#)
            #expect(count["count"] == .int(3))
        }
    }
}
