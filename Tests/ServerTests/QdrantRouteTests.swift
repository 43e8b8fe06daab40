import Foundation
import Hummingbird
import HummingbirdTesting
import JSON
import Testing
@testable import Server

/// Every Qdrant route through the real `buildApplication`: its happy path, its bad inputs (each a
/// clear error in Qdrant's envelope, nothing changed), and the server still answering afterwards
/// with a known point unchanged.
@Suite("Qdrant routes")
struct QdrantRouteTests {
    static let create = """
        {"vectors":{"dense":{"size":4,"distance":"Cosine"}},"sparse_vectors":{"text":{"modifier":"idf"}}}
        """
    static let known = """
        {"points":[{"id":1,"vector":{"dense":[1,0,0,0],"text":{"indices":[1,2],"values":[1,0.5]}},"payload":{"title":"intro","n":1}}]}
        """

    /// Creates `lessons` with the known point (id 1) and four more.
    static func seed(_ client: some TestClientProtocol) async throws {
        try await client.ok(.put, "/collections/lessons", create)
        try await client.ok(.put, "/collections/lessons/points?wait=true", known)
        for id in 2...5 {
            try await client.ok(.put, "/collections/lessons/points?wait=true", """
                {"points":[{"id":\(id),"vector":{"dense":[1,\(id),0,0]},"payload":{"title":"t\(id)","n":\(id)}}]}
                """)
        }
    }

    /// The server answers and point 1 is exactly as seeded.
    static func expectIntact(_ client: some TestClientProtocol, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let point = try await client.ok(.get, "/collections/lessons/points/1", sourceLocation: sourceLocation)
        #expect(point["payload"] == .object(["title": .string("intro"), "n": .int(1)]), sourceLocation: sourceLocation)
        #expect(point["vector"]?["dense"] == .array([.int(1), .int(0), .int(0), .int(0)]) || point["vector"]?["dense"]?.arrayValue?.first?.numberValue == 1,
                sourceLocation: sourceLocation)
        #expect(try await client.call(.get, "/healthz").status == .ok, sourceLocation: sourceLocation)
    }

    @Test("GET / answers the version object qdrant-client checks")
    func root() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            let answer = try await client.call(.get, "/")
            #expect(answer.status == .ok)
            #expect(answer.json?["version"] == .string(QdrantAPI.version))
        }
    }

    @Test("collections: create, list, info, exists, delete; and every bad create refused before anything is stored")
    func collections() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            #expect(try await client.ok(.get, "/collections")["collections"] == .array([]))
            try await Self.seed(client)
            try await client.refused(.put, "/collections/lessons", Self.create, status: .conflict, "already exists")
            try await client.ok(.put, "/collections/plain", #"{"vectors":{"size":3,"distance":"Dot"},"hnsw_config":{"m":8}}"#)
            #expect(try await client.ok(.get, "/collections")["collections"] == .array([.object(["name": .string("lessons")]), .object(["name": .string("plain")])]))
            let info = try await client.ok(.get, "/collections/lessons")
            #expect(info["points_count"] == .int(5))
            #expect(info["config"]?["params"]?["vectors"]?["dense"]?["size"] == .int(4))
            #expect(info["config"]?["params"]?["sparse_vectors"]?["text"]?["modifier"] == .string("idf"))
            #expect(try await client.ok(.get, "/collections/plain")["config"]?["params"]?["vectors"]?["distance"] == .string("Dot"))
            #expect(try await client.ok(.get, "/collections/lessons/exists")["exists"] == .bool(true))
            #expect(try await client.ok(.get, "/collections/nope/exists")["exists"] == .bool(false))
            try await client.refused(.get, "/collections/nope", status: .notFound, "Collection `nope` doesn't exist!")

            let bad: [(String, String, HTTPResponse.Status, String)] = [
                ("x1", #"{"vectors":{"size":65537,"distance":"Cosine"}}"#, .unprocessableContent, "must be from 1 to 65536"),
                ("x2", #"{"vectors":{"size":0,"distance":"Cosine"}}"#, .unprocessableContent, "must be from 1 to 65536"),
                ("x3", #"{"vectors":{"size":4,"distance":"Cosine"},"quantization_config":{"scalar":{"type":"int8","quantile":5}}}"#, .unprocessableContent, "quantile"),
                ("x4", #"{"vectors":{"size":4,"distance":"Cosine","quantization_config":{"scalar":{"type":"int8","quantile":-1}}}}"#, .unprocessableContent, "quantile"),
                ("x5", #"{"vectors":{"size":1,"distance":"Cosine"},"hnsw_config":{"full_scan_threshold":9223372036854775000}}"#, .unprocessableContent, "full_scan_threshold"),
                ("x6", #"{"vectors":{"size":4,"distance":"Cosine"},"hnsw_config":{"m":0}}"#, .unprocessableContent, "m"),
                ("x7", #"{"vectors":{"size":4,"distance":"Manhattan?"}}"#, .badRequest, "unknown distance"),
                ("x7m", #"{"vectors":{"size":4,"distance":"Manhattan"}}"#, .badRequest, "Manhattan distance is not supported"),
                ("x7b", #"{"vectors":{"size":4,"distance":"Dot"},"quantization_config":{"binary":{"always_ram":true}}}"#, .badRequest, "binary quantization is not supported"),
                ("x7p", #"{"vectors":{"size":4,"distance":"Dot","quantization_config":{"product":{"compression":"x16"}}}}"#, .badRequest, "product quantization is not supported"),
                ("x8", #"{"vectors":{"distance":"Cosine"}}"#, .badRequest, "missing field `size`"),
                ("x9", #"{"vectors":[1,2]}"#, .badRequest, "vectors"),
                ("x10", #"[1,2,3]"#, .badRequest, "expected a JSON object"),
                ("x11", #"{"vectors":"#, .badRequest, "Format error"),
                ("x12", "", .badRequest, "EOF"),
                ("x13", #"{"vectors":{"size":4,"distance":"Cosine"},"sparse_vectors":{"s":{"modifier":"bm42"}}}"#, .badRequest, "modifier"),
                ("x14", "{\"vectors\":{" + (0..<65).map { "\"v\($0)\":{\"size\":4,\"distance\":\"Dot\"}" }.joined(separator: ",") + "}}", .unprocessableContent, "at most 64"),
                ("x%0D%0Ay", Self.create, .unprocessableContent, "not a valid collection name"),
                ("x%00y", Self.create, .unprocessableContent, "not a valid collection name"),
                (String(repeating: "n", count: 256), Self.create, .unprocessableContent, "length must be from 1 to 255"),
                ("bad%ZZname", Self.create, .badRequest, "percent-encoding"),
            ]
            for (name, body, status, fragment) in bad {
                try await client.refused(.put, "/collections/\(name)", body, status: status, fragment)
            }
            #expect(try await client.ok(.get, "/collections")["collections"]?.arrayValue?.count == 2)
            #expect(try await client.ok(.delete, "/collections/plain") == .bool(true))
            #expect(try await client.ok(.delete, "/collections/plain") == .bool(false))
            try await Self.expectIntact(client)
        }
    }

    @Test("payload indexes: create, report in payload_schema, drop; bad definitions refused")
    func payloadIndexes() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            try await Self.seed(client)
            try await client.ok(.put, "/collections/lessons/index?wait=true", #"{"field_name":"n","field_schema":"integer"}"#)
            let schema = try await client.ok(.get, "/collections/lessons")["payload_schema"]
            #expect(schema?["n"]?["data_type"] == .string("integer"))
            #expect(schema?["n"]?["points"] == .int(5))
            try await client.refused(.put, "/collections/lessons/index", #"{"field_schema":"integer"}"#, status: .badRequest, "field_name")
            try await client.refused(.put, "/collections/lessons/index", #"{"field_name":"n","field_schema":"complex"}"#, status: .badRequest, "field_schema")
            try await client.refused(.put, "/collections/lessons/index", #"{"field_name":"a b c","field_schema":"keyword"}"#, status: .badRequest, "not a valid payload field")
            try await client.refused(.put, "/collections/nope/index", #"{"field_name":"n","field_schema":"integer"}"#, status: .notFound, "doesn't exist")
            try await client.ok(.delete, "/collections/lessons/index/n?wait=true")
            #expect(try await client.ok(.get, "/collections/lessons")["payload_schema"] == .object([:]))
            try await Self.expectIntact(client)
        }
    }

    @Test("upsert: points and batch forms; wrong vectors, ids and payloads refused with nothing stored")
    func upsert() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            try await Self.seed(client)
            let operation = try await client.ok(.put, "/collections/lessons/points?wait=true",
                                                #"{"batch":{"ids":[10,"7b8f3b1e-7e5a-4c1e-9a39-0d2f8f2f9e11"],"vectors":{"dense":[[0,1,0,0],[0,0,1,0]]},"payloads":[{"a":1},{"a":2}]}}"#)
            #expect(operation["status"] == .string("completed"))
            #expect(try await client.ok(.post, "/collections/lessons/points/count", "{}")["count"] == .int(7))
            let bad: [(String, HTTPResponse.Status, String)] = [
                (#"{"points":[{"id":20,"vector":{"dense":[1,2,3]}}]}"#, .badRequest, "dimension"),
                (#"{"points":[{"id":20,"vector":{"nope":[1,2,3,4]}}]}"#, .badRequest, "Not existing vector name"),
                (#"{"points":[{"id":20,"vector":{"dense":[0,0,0,0]}}]}"#, .badRequest, "zero vector"),
                (#"{"points":[{"id":20,"vector":{"dense":[1e39,0,0,0]}}]}"#, .badRequest, "NaN or infinite"),
                (#"{"points":[{"id":-3,"vector":{"dense":[1,0,0,0]}}]}"#, .badRequest, "negative"),
                (#"{"points":[{"id":"not-a-uuid","vector":{"dense":[1,0,0,0]}}]}"#, .badRequest, "UUID"),
                (#"{"points":[{"vector":{"dense":[1,0,0,0]}}]}"#, .badRequest, "missing field `id`"),
                (#"{"points":[{"id":20,"vector":{"dense":[1,0,0,0]},"payload":[1]}]}"#, .badRequest, "payload must be a JSON object"),
                (#"{"points":[{"id":20,"vector":{"text":{"indices":[1,1],"values":[1,2]}}}]}"#, .unprocessableContent, "duplicate index"),
                (#"{"points":[{"id":20,"vector":{"text":{"indices":[1],"values":[1,2]}}}]}"#, .unprocessableContent, "same length"),
                (#"{"points":[{"id":20,"vector":{"text":{"indices":[-1],"values":[1]}}}]}"#, .unprocessableContent, "out of range"),
                (#"{"points":[{"id":20,"vector":{"dense":{"indices":[1],"values":[1]}}}]}"#, .badRequest, "Conversion between sparse and regular"),
                (#"{"batch":{"ids":[1,2],"vectors":{"dense":[[1,0,0,0]]}}}"#, .badRequest, "expected one vector per id"),
                (#"{"nothing":true}"#, .badRequest, "expected `points` or `batch`"),
                (#"{"points":[{"id":20,"vector":{"dense":[1,0,0,0]}},{"id":21,"vector":{"dense":[1,2]}}]}"#, .badRequest, "dimension"),
            ]
            for (body, status, fragment) in bad {
                try await client.refused(.put, "/collections/lessons/points?wait=true", body, status: status, fragment)
            }
            // The request with one bad point among good ones stored nothing.
            #expect(try await client.ok(.post, "/collections/lessons/points/count", "{}")["count"] == .int(7))
            try await client.refused(.put, "/collections/nope/points", Self.known, status: .notFound, "doesn't exist")
            try await Self.expectIntact(client)
        }
    }

    @Test("retrieve and get by id; missing and malformed ids")
    func retrieve() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            try await Self.seed(client)
            let records = try await client.ok(.post, "/collections/lessons/points", #"{"ids":[2,1,99],"with_payload":["title"],"with_vector":["text"]}"#)
            #expect(records.arrayValue?.map { $0["id"] } == [.int(2), .int(1)])
            #expect(records.arrayValue?.last?["payload"] == .object(["title": .string("intro")]))
            #expect(records.arrayValue?.last?["vector"]?["text"]?["indices"] == .array([.int(1), .int(2)]))
            try await client.refused(.get, "/collections/lessons/points/99", status: .notFound, "No point with id 99")
            try await client.refused(.get, "/collections/lessons/points/abc", status: .badRequest, "not an unsigned integer or a UUID")
            try await client.refused(.post, "/collections/lessons/points", #"{"ids":"1"}"#, status: .badRequest, "list of point ids")
            try await client.refused(.post, "/collections/lessons/points", #"{"ids":[1],"with_payload":7}"#, status: .badRequest, "with_payload")
            try await Self.expectIntact(client)
        }
    }

    @Test("delete by ids, by filter and by an empty filter (all points); neither is refused")
    func delete() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            try await Self.seed(client)
            try await client.ok(.post, "/collections/lessons/points/delete?wait=true", #"{"points":[5]}"#)
            try await client.ok(.post, "/collections/lessons/points/delete?wait=true", #"{"filter":{"must":[{"key":"n","match":{"value":4}}]}}"#)
            #expect(try await client.ok(.post, "/collections/lessons/points/count", "{}")["count"] == .int(3))
            try await client.refused(.post, "/collections/lessons/points/delete", #"{}"#, status: .badRequest, "expected `points` or `filter`")
            try await client.refused(.post, "/collections/lessons/points/delete", #"{"filter":{"must":[{"key":"n","match":{}}]}}"#, status: .badRequest, "filter")
            try await client.refused(.post, "/collections/lessons/points/delete", #"{"filter":[]}"#, status: .badRequest, "filter")
            try await Self.expectIntact(client)
            try await client.ok(.post, "/collections/lessons/points/delete?wait=true", #"{"filter":{}}"#)
            #expect(try await client.ok(.post, "/collections/lessons/points/count", "{}")["count"] == .int(0))
            #expect(try await client.call(.get, "/healthz").status == .ok)
        }
    }

    @Test("payload: set (merge and at a key), overwrite, delete keys, clear; bad keys refused")
    func payload() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            try await Self.seed(client)
            try await client.ok(.post, "/collections/lessons/points/payload?wait=true", #"{"payload":{"extra":true},"points":[2]}"#)
            try await client.ok(.post, "/collections/lessons/points/payload?wait=true", #"{"payload":{"x":1},"points":[2],"key":"meta.info"}"#)
            var two = try await client.ok(.get, "/collections/lessons/points/2")["payload"]
            #expect(two?["extra"] == .bool(true) && two?["meta"]?["info"]?["x"] == .int(1) && two?["n"] == .int(2))
            try await client.ok(.post, "/collections/lessons/points/payload/delete?wait=true", #"{"keys":["meta.info.x","extra"],"points":[2]}"#)
            two = try await client.ok(.get, "/collections/lessons/points/2")["payload"]
            #expect(two?["extra"] == nil && two?["meta"]?["info"] == .object([:]))
            try await client.ok(.put, "/collections/lessons/points/payload?wait=true", #"{"payload":{"only":1},"filter":{"must":[{"key":"n","match":{"value":3}}]}}"#)
            #expect(try await client.ok(.get, "/collections/lessons/points/3")["payload"] == .object(["only": .int(1)]))
            try await client.ok(.post, "/collections/lessons/points/payload/clear?wait=true", #"{"points":[4]}"#)
            #expect(try await client.ok(.get, "/collections/lessons/points/4")["payload"] == .object([:]))

            let deepKey = Array(repeating: "k", count: 100_000).joined(separator: ".")
            try await client.refused(.post, "/collections/lessons/points/payload", "{\"payload\":{\"x\":1},\"points\":[1],\"key\":\"\(deepKey)\"}",
                                     status: .unprocessableContent, "levels")
            try await client.refused(.post, "/collections/lessons/points/payload", #"{"payload":{"x":1},"points":[1],"key":""}"#,
                                     status: .unprocessableContent, "must not be empty")
            try await client.refused(.post, "/collections/lessons/points/payload", #"{"payload":3,"points":[1]}"#, status: .badRequest, "JSON object")
            try await client.refused(.post, "/collections/lessons/points/payload/delete", #"{"keys":"x","points":[1]}"#, status: .badRequest, "list of payload keys")
            try await client.refused(.post, "/collections/lessons/points/payload/clear", #"{}"#, status: .badRequest, "expected `points` or `filter`")
            try await Self.expectIntact(client)
        }
    }

    @Test("scroll pages in id order and count filters; bad limits, offsets and filters refused")
    func scrollAndCount() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            try await Self.seed(client)
            let first = try await client.ok(.post, "/collections/lessons/points/scroll", #"{"limit":2}"#)
            #expect(first["points"]?.arrayValue?.map { $0["id"] } == [.int(1), .int(2)])
            #expect(first["next_page_offset"] == .int(3))
            let rest = try await client.ok(.post, "/collections/lessons/points/scroll", #"{"limit":10,"offset":3,"with_payload":false}"#)
            #expect(rest["points"]?.arrayValue?.map { $0["id"] } == [.int(3), .int(4), .int(5)])
            #expect(rest["next_page_offset"] == .null)
            let filtered = try await client.ok(.post, "/collections/lessons/points/count", #"{"filter":{"must":[{"key":"n","range":{"gte":2,"lt":4}}]}}"#)
            #expect(filtered["count"] == .int(2))
            try await client.refused(.post, "/collections/lessons/points/scroll", #"{"limit":0}"#, status: .unprocessableContent, "limit")
            try await client.refused(.post, "/collections/lessons/points/scroll", #"{"limit":100001}"#, status: .unprocessableContent, "limit")
            try await client.refused(.post, "/collections/lessons/points/scroll", #"{"offset":-1}"#, status: .badRequest, "offset")
            try await client.refused(.post, "/collections/lessons/points/scroll", #"{"filter":{"must":{"key":"n"}}}"#, status: .badRequest, "filter")
            try await client.refused(.post, "/collections/lessons/points/count", #"{"filter":7}"#, status: .badRequest, "filter")
            try await Self.expectIntact(client)
        }
    }

    @Test("query: nearest, by point id, prefetch with RRF and DBSF, batch, legacy search; out-of-range inputs refused")
    func query() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            try await Self.seed(client)
            let nearest = try await client.ok(.post, "/collections/lessons/points/query", #"{"query":[1,0,0,0],"using":"dense","limit":2,"with_payload":true}"#)
            #expect(nearest["points"]?.arrayValue?.first?["id"] == .int(1))
            #expect(nearest["points"]?.arrayValue?.first?["payload"]?["title"] == .string("intro"))
            let byID = try await client.ok(.post, "/collections/lessons/points/query", #"{"query":2,"using":"dense","limit":3}"#)
            #expect(byID["points"]?.arrayValue?.count == 3)
            let fused = try await client.ok(.post, "/collections/lessons/points/query", """
                {"prefetch":[{"query":[1,0,0,0],"using":"dense","limit":5},{"query":{"indices":[1],"values":[1]},"using":"text","limit":5}],
                 "query":{"fusion":"rrf"},"limit":3}
                """)
            #expect(fused["points"]?.arrayValue?.first?["id"] == .int(1))
            let dbsf = try await client.ok(.post, "/collections/lessons/points/query", """
                {"prefetch":[{"query":[1,0,0,0],"using":"dense","limit":5},{"query":[1,1,0,0],"using":"dense","limit":5}],"query":{"fusion":"dbsf"},"limit":2}
                """)
            #expect(dbsf["points"]?.arrayValue?.count == 2)
            let batch = try await client.ok(.post, "/collections/lessons/points/query/batch",
                                            #"{"searches":[{"query":[1,0,0,0],"using":"dense","limit":1},{"query":[0,1,0,0],"using":"dense","limit":1}]}"#)
            #expect(batch.arrayValue?.count == 2)
            let legacy = try await client.ok(.post, "/collections/lessons/points/search", #"{"vector":{"name":"dense","vector":[1,0,0,0]},"limit":1}"#)
            #expect(legacy.arrayValue?.first?["id"] == .int(1))
            let legacyBatch = try await client.ok(.post, "/collections/lessons/points/search/batch", #"{"searches":[{"vector":{"name":"dense","vector":[1,0,0,0]},"limit":1}]}"#)
            #expect(legacyBatch.arrayValue?.first?.arrayValue?.first?["id"] == .int(1))

            let tooMany = "{\"prefetch\":[" + (0..<65).map { _ in #"{"query":[1,0,0,0],"using":"dense","limit":1}"# }.joined(separator: ",") + "],\"query\":{\"fusion\":\"rrf\"}}"
            let bad: [(String, HTTPResponse.Status, String)] = [
                (#"{"query":[1,0,0,0],"using":"dense","offset":9223372036854775807}"#, .unprocessableContent, "limit + offset"),
                (#"{"query":[1,0,0,0],"using":"dense","limit":0}"#, .unprocessableContent, "limit"),
                (#"{"query":[1,0,0,0],"using":"dense","params":{"hnsw_ef":0}}"#, .unprocessableContent, "hnsw_ef"),
                (#"{"query":[1,0,0,0],"using":"dense","params":{"hnsw_ef":9223372036854775807}}"#, .unprocessableContent, "hnsw_ef"),
                (#"{"query":[1,0,0],"using":"dense"}"#, .badRequest, "dimension"),
                (#"{"query":[1,0,0,0],"using":"nope"}"#, .badRequest, "Not existing vector name"),
                (#"{"query":[0,0,0,0],"using":"dense"}"#, .badRequest, "zero vector"),
                (#"{"query":99,"using":"dense"}"#, .notFound, "No point with id 99"),
                (#"{"query":{"fusion":"rrf"}}"#, .badRequest, "fusion needs prefetches"),
                (#"{"query":{"fusion":"max"}}"#, .badRequest, "fusion"),
                (#"{"prefetch":[{"query":[1,0,0,0],"using":"dense","limit":0}],"query":{"fusion":"rrf"}}"#, .unprocessableContent, "limit"),
                (tooMany, .unprocessableContent, "more than 64 prefetches"),
                (#"{"query":{"rrf":{"k":0}},"prefetch":[{"query":[1,0,0,0],"using":"dense"}]}"#, .unprocessableContent, "k"),
            ]
            for (body, status, fragment) in bad {
                try await client.refused(.post, "/collections/lessons/points/query", body, status: status, fragment)
            }
            let hugeBatch = "{\"searches\":[" + (0..<257).map { _ in #"{"query":[1,0,0,0],"using":"dense"}"# }.joined(separator: ",") + "]}"
            try await client.refused(.post, "/collections/lessons/points/query/batch", hugeBatch, status: .unprocessableContent, "at most 256")
            try await client.refused(.post, "/collections/lessons/points/query/batch", #"{"searches":{}}"#, status: .badRequest, "searches")
            try await client.refused(.post, "/collections/lessons/points/search", #"{"vector":"x"}"#, status: .badRequest, "vector")
            try await client.refused(.post, "/collections/lessons/points/search/batch", #"{"searches":[7]}"#, status: .badRequest, "searches[0]")
            try await Self.expectIntact(client)
        }
    }

    @Test("bodies past the configured limit get 413 before they are read")
    func bodyLimit() async throws {
        var configuration = testConfiguration()
        configuration.maxBodyBytes = 1024
        let app = try await buildApplication(configuration)
        try await app.test(.router) { client in
            try await Self.seed(client)
            let big = "{\"points\":[" + (0..<40).map { #"{"id":\#($0 + 100),"vector":{"dense":[1,0,0,0]}}"# }.joined(separator: ",") + "]}"
            try await client.refused(.put, "/collections/lessons/points", big, status: .contentTooLarge, "exceeds 1024 bytes")
            try await Self.expectIntact(client)
        }
    }
}
