import Foundation
import Hummingbird
import HummingbirdTesting
import JSON
import Testing
@testable import Server

/// The Qdrant compatibility fields and routes: each either works or is refused with a 400.
@Suite("Qdrant compatibility")
struct QdrantCompatTests {
    static func seed(_ client: some TestClientProtocol) async throws {
        try await client.ok(.put, "/collections/c", #"{"vectors":{"size":2,"distance":"Dot"},"metadata":{"team":"a"},"optimizers_config":{"indexing_threshold":500}}"#)
        for id in 1...4 {
            try await client.ok(.put, "/collections/c/points?wait=true", """
                {"points":[{"id":\(id),"vector":[1,\(id)],"payload":{"n":\(id),"g":"\(id % 2 == 0 ? "even" : "odd")","nested":{"id":\(id),"x":"keep"},"nest":[{"a":1},{"a":2}]}}]}
                """)
        }
    }

    @Test("filters match.text_any and datetime ranges (with and without a datetime index); bad bounds 400")
    func textAnyAndDatetime() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            try await client.ok(.put, "/collections/d", #"{"vectors":{"size":2,"distance":"Dot"}}"#)
            let docs = [("burgers and fries", "2024-01-01T00:00:00Z"), ("cheese pizza", "2024-03-01T12:30:00+01:00"),
                        ("fresh salad", "2024-06-30"), ("fries only", "not a date")]
            for (i, (title, at)) in docs.enumerated() {
                try await client.ok(.put, "/collections/d/points?wait=true", """
                    {"points":[{"id":\(i + 1),"vector":[1,\(i)],"payload":{"title":"\(title)","at":"\(at)"}}]}
                    """)
            }
            func ids(_ filter: String) async throws -> [JSONValue] {
                let page = try await client.ok(.post, "/collections/d/points/scroll", #"{"limit":10,"filter":"# + filter + "}")
                return page["points"]?.arrayValue?.compactMap { $0["id"] } ?? []
            }
            // Without a text index, words are substrings (case kept), as Qdrant's value checker; with one, tokens.
            let textAny = #"{"must":[{"key":"title","match":{"text_any":"FRIES pizz"}}]}"#
            #expect(try await ids(textAny) == [.int(2)])
            #expect(try await ids(#"{"must":[{"key":"title","match":{"text_any":"fries pizza"}}]}"#) == [.int(1), .int(2), .int(4)])
            try await client.ok(.put, "/collections/d/index?wait=true", #"{"field_name":"title","field_schema":"text"}"#)
            #expect(try await ids(#"{"must":[{"key":"title","match":{"text_any":"FRIES pizza"}}]}"#) == [.int(1), .int(2), .int(4)])
            #expect(try await ids(textAny) == [.int(1), .int(4)])
            let range = #"{"must":[{"key":"at","range":{"gt":"2024-01-01T00:00:00Z","lte":"2024-06-30T00:00:00+00:00"}}]}"#
            #expect(try await ids(range) == [.int(2), .int(3)])
            try await client.ok(.put, "/collections/d/index?wait=true", #"{"field_name":"at","field_schema":"datetime"}"#)
            #expect(try await ids(range) == [.int(2), .int(3)])
            let info = try await client.ok(.get, "/collections/d")
            #expect(info["payload_schema"]?["at"]?["data_type"] == .string("datetime"))
            #expect(info["payload_schema"]?["at"]?["points"] == .int(3))
            let count = try await client.ok(.post, "/collections/d/points/count", #"{"filter":{"must":[{"key":"at","range":{"lt":"2024-02-01"}}]},"exact":true}"#)
            #expect(count["count"] == .int(1))
            try await client.refused(.post, "/collections/d/points/scroll", #"{"filter":{"must":[{"key":"at","range":{"gt":"2024-02-30"}}]}}"#, status: .badRequest, "RFC 3339")
            try await client.refused(.post, "/collections/d/points/scroll", #"{"filter":{"must":[{"key":"at","range":{"gt":"2024-01-01","lt":3}}]}}"#, status: .badRequest, "all numbers")
            try await client.refused(.post, "/collections/d/points/scroll", #"{"filter":{"must":[{"key":"title","match":{"text_any":["a"]}}]}}"#, status: .badRequest, "text_any")
        }
    }

    @Test("geo filters: radius, bounding box, polygon, with and without a geo index; bad shapes 400")
    func geo() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            try await client.ok(.put, "/collections/g", #"{"vectors":{"size":2,"distance":"Dot"}}"#)
            let cities = [("London", -0.127758, 51.507351), ("Paris", 2.352222, 48.856614), ("Berlin", 13.404954, 52.520008),
                          ("Tokyo", 139.691706, 35.689487), ("Fiji", 179.9, -17.7)]
            for (i, (name, lon, lat)) in cities.enumerated() {
                try await client.ok(.put, "/collections/g/points?wait=true", """
                    {"points":[{"id":\(i + 1),"vector":[1,\(i)],"payload":{"city":{"name":"\(name)","geo":{"lon":\(lon),"lat":\(lat)}}}}]}
                    """)
            }
            try await client.ok(.put, "/collections/g/points?wait=true", #"{"points":[{"id":9,"vector":[1,1],"payload":{"city":{"geo":"nowhere"}}}]}"#)
            func ids(_ condition: String) async throws -> [JSONValue] {
                let page = try await client.ok(.post, "/collections/g/points/scroll", #"{"limit":10,"filter":{"must":["# + condition + "]}}")
                return page["points"]?.arrayValue?.compactMap { $0["id"] } ?? []
            }
            let radius = #"{"key":"city.geo","geo_radius":{"center":{"lon":-0.127758,"lat":51.507351},"radius":400000}}"#
            let box = #"{"key":"city.geo","geo_bounding_box":{"top_left":{"lon":170,"lat":0},"bottom_right":{"lon":145,"lat":-40}}}"#
            let polygon = #"{"key":"city.geo","geo_polygon":{"exterior":{"points":[{"lon":0,"lat":45},{"lon":20,"lat":45},{"lon":20,"lat":60},{"lon":0,"lat":60},{"lon":0,"lat":45}]}}}"#
            for indexed in [false, true] {
                #expect(try await ids(radius) == [.int(1), .int(2)], "indexed: \(indexed)")  // London, Paris (344 km)
                #expect(try await ids(box) == [.int(5)], "indexed: \(indexed)")  // across the antimeridian
                #expect(try await ids(polygon) == [.int(2), .int(3)], "indexed: \(indexed)")
                let count = try await client.ok(.post, "/collections/g/points/count", #"{"filter":{"must_not":["# + radius + #"]},"exact":true}"#)
                #expect(count["count"] == .int(4))
                if !indexed { try await client.ok(.put, "/collections/g/index?wait=true", #"{"field_name":"city.geo","field_schema":"geo"}"#) }
            }
            let info = try await client.ok(.get, "/collections/g")
            #expect(info["payload_schema"]?["city.geo"]?["data_type"] == .string("geo"))
            #expect(info["payload_schema"]?["city.geo"]?["points"] == .int(5))
            try await client.refused(.post, "/collections/g/points/scroll", #"{"filter":{"must":[{"key":"city.geo","geo_radius":{"center":{"lon":0,"lat":95},"radius":1}}]}}"#, status: .badRequest, "[-90, 90]")
            try await client.refused(.post, "/collections/g/points/scroll", #"{"filter":{"must":[{"key":"city.geo","geo_polygon":{"exterior":{"points":[{"lon":0,"lat":0},{"lon":1,"lat":1},{"lon":0,"lat":0}]}}}]}}"#, status: .badRequest, "at least 4 points")
            try await client.refused(.post, "/collections/g/points/count", #"{"filter":{"must":[{"key":"city.geo","geo_bounding_box":{"top_left":{"lon":0}}}]}}"#, status: .badRequest, "needs a number `lat`")
        }
    }

    @Test("has_vector over named dense and sparse vectors, in scroll, count and a conditional upsert")
    func hasVector() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            try await client.ok(.put, "/collections/v", #"{"vectors":{"image":{"size":2,"distance":"Dot"}},"sparse_vectors":{"text":{}}}"#)
            let vectors = [#"{"image":[1,2],"text":{"indices":[1],"values":[0.5]}}"#, #"{"image":[2,1]}"#,
                           #"{"text":{"indices":[2],"values":[1.0]}}"#, #"{}"#]
            for (i, v) in vectors.enumerated() {
                try await client.ok(.put, "/collections/v/points?wait=true", #"{"points":[{"id":"# + "\(i + 1)" + #","vector":"# + v + #","payload":{"n":"# + "\(i + 1)" + "}}]}")
            }
            func ids(_ filter: String) async throws -> [JSONValue] {
                let page = try await client.ok(.post, "/collections/v/points/scroll", #"{"limit":10,"filter":"# + filter + "}")
                return page["points"]?.arrayValue?.compactMap { $0["id"] } ?? []
            }
            #expect(try await ids(#"{"must":[{"has_vector":"image"}]}"#) == [.int(1), .int(2)])
            #expect(try await ids(#"{"must":[{"has_vector":"text"}]}"#) == [.int(1), .int(3)])
            #expect(try await ids(#"{"must_not":[{"has_vector":"image"}]}"#) == [.int(3), .int(4)])
            #expect(try await ids(#"{"should":[{"has_vector":"text"},{"key":"n","range":{"gte":4}}]}"#) == [.int(1), .int(3), .int(4)])
            #expect(try await ids(#"{"must":[{"has_vector":"nope"}]}"#) == [])
            let count = try await client.ok(.post, "/collections/v/points/count", #"{"filter":{"must":[{"has_vector":"image"}]},"exact":true}"#)
            #expect(count["count"] == .int(2))
            // Removing a point's vector takes it out; a conditional upsert only replaces points that pass.
            try await client.ok(.post, "/collections/v/points/vectors/delete?wait=true", #"{"points":[2],"vector":["image"]}"#)
            #expect(try await ids(#"{"must":[{"has_vector":"image"}]}"#) == [.int(1)])
            try await client.ok(.put, "/collections/v/points?wait=true",
                                #"{"points":[{"id":1,"vector":{},"payload":{"n":10}},{"id":3,"vector":{},"payload":{"n":30}}],"update_filter":{"must":[{"has_vector":"image"}]}}"#)
            let got = try await client.ok(.post, "/collections/v/points", #"{"ids":[1,3],"with_payload":true}"#)
            #expect(got.arrayValue?.compactMap { $0["payload"]?["n"] } == [.int(10), .int(3)])
            try await client.refused(.post, "/collections/v/points/scroll", #"{"filter":{"must":[{"has_vector":["image"]}]}}"#, status: .badRequest, "vector name")
        }
    }

    @Test("vector updates with update_filter change only the points that pass it")
    func conditionalVectorUpdate() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            try await Self.seed(client)
            // Points 1…4 hold vectors [1, id] and payload g = odd/even.
            try await client.ok(.put, "/collections/c/points/vectors?wait=true",
                                #"{"points":[{"id":1,"vector":[9,9]},{"id":2,"vector":[9,9]}],"update_filter":{"must":[{"key":"g","match":{"value":"even"}}]}}"#)
            let got = try await client.ok(.post, "/collections/c/points", #"{"ids":[1,2],"with_vector":true}"#)
            #expect(got.arrayValue?.map { $0["vector"] } == [.array([.double(1), .double(1)]), .array([.double(9), .double(9)])])
            try await client.ok(.post, "/collections/c/points/batch?wait=true",
                                #"{"operations":[{"update_vectors":{"points":[{"id":3,"vector":[7,7]},{"id":4,"vector":[7,7]}],"update_filter":{"must":[{"key":"n","range":{"gte":4}}]}}}]}"#)
            let batch = try await client.ok(.post, "/collections/c/points", #"{"ids":[3,4],"with_vector":true}"#)
            #expect(batch.arrayValue?.map { $0["vector"] } == [.array([.double(1), .double(3)]), .array([.double(7), .double(7)])])
            try await client.refused(.put, "/collections/c/points/vectors", #"{"points":[{"id":1,"vector":[1,1]}],"update_filter":{"must":[{"key":"n","match":{}}]}}"#, status: .badRequest, "match")
        }
    }

    @Test("groups with_lookup: each group's id fetched from another collection; missing ones have no lookup")
    func groupsWithLookup() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            try await client.ok(.put, "/collections/books", #"{"vectors":{"size":2,"distance":"Dot"}}"#)
            try await client.ok(.put, "/collections/books/points?wait=true", """
                {"points":[{"id":1,"vector":[1,0],"payload":{"author":7}},{"id":2,"vector":[0.9,0],"payload":{"author":8}},{"id":3,"vector":[0.8,0],"payload":{"author":9}}]}
                """)
            try await client.ok(.put, "/collections/authors", #"{"vectors":{"size":2,"distance":"Dot"}}"#)
            try await client.ok(.put, "/collections/authors/points?wait=true",
                                #"{"points":[{"id":7,"vector":[1,1],"payload":{"name":"Ada"}},{"id":8,"vector":[2,2],"payload":{"name":"Bo"}}]}"#)
            let plain = try await client.ok(.post, "/collections/books/points/query/groups", #"{"query":[1,0],"group_by":"author","limit":3,"with_lookup":"authors"}"#)
            let groups = plain["groups"]?.arrayValue ?? []
            #expect(groups.compactMap { $0["id"] } == [.int(7), .int(8), .int(9)])
            #expect(groups.map { $0["lookup"]?["payload"]?["name"] } == [.string("Ada"), .string("Bo"), nil])
            #expect(groups.first?["lookup"]?["vector"] == nil)
            let shaped = try await client.ok(.post, "/collections/books/points/search/groups",
                                             #"{"vector":[1,0],"group_by":"author","limit":1,"with_lookup":{"collection":"authors","with_payload":false,"with_vectors":true}}"#)
            #expect(shaped["groups"]?.arrayValue?.first?["lookup"]?["vector"] == .array([.double(1), .double(1)]))
            #expect(shaped["groups"]?.arrayValue?.first?["lookup"]?["payload"] == nil)
            try await client.refused(.post, "/collections/books/points/query/groups", #"{"query":[1,0],"group_by":"author","with_lookup":"nobody"}"#, status: .notFound, "nobody")
            try await client.refused(.post, "/collections/books/points/query/groups", #"{"query":[1,0],"group_by":"author","with_lookup":{"with_payload":true}}"#, status: .badRequest, "collection")
        }
    }

    @Test("nested payload selectors include and exclude only the sub-key")
    func selectors() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            try await Self.seed(client)
            let inc = try await client.ok(.post, "/collections/c/points", #"{"ids":[1],"with_payload":["nested.id"]}"#)
            #expect(inc.arrayValue?.first?["payload"] == .object(["nested": .object(["id": .int(1)])]))
            let exc = try await client.ok(.post, "/collections/c/points", #"{"ids":[1],"with_payload":{"exclude":["nested.id"]}}"#)
            #expect(exc.arrayValue?.first?["payload"]?["nested"] == .object(["x": .string("keep")]))
            #expect(exc.arrayValue?.first?["payload"]?["n"] == .int(1))
        }
    }

    @Test("scroll order_by: direction, start_from, order_value; offset with order_by refused")
    func orderBy() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            try await Self.seed(client)
            let page = try await client.ok(.post, "/collections/c/points/scroll", #"{"order_by":{"key":"n","direction":"desc","start_from":3},"limit":10}"#)
            #expect(page["points"]?.arrayValue?.compactMap { $0["id"] } == [.int(3), .int(2), .int(1)])
            #expect(page["points"]?.arrayValue?.first?["order_value"] == .int(3))
            #expect(page["next_page_offset"] == .null)
            try await client.refused(.post, "/collections/c/points/scroll", #"{"order_by":"n","offset":2}"#, status: .badRequest, "offset")
            try await client.refused(.post, "/collections/c/points/scroll", #"{"order_by":{"key":"n","direction":"up"}}"#, status: .badRequest, "direction")
        }
    }

    @Test("upsert update_mode and update_filter write conditionally; bad mode refused")
    func conditionalUpsert() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            try await Self.seed(client)
            try await client.ok(.put, "/collections/c/points?wait=true", #"{"points":[{"id":1,"vector":[1,1],"payload":{"n":100}},{"id":9,"vector":[1,9],"payload":{"n":9}}],"update_mode":"insert_only"}"#)
            #expect(try await client.ok(.get, "/collections/c/points/1")["payload"]?["n"] == .int(1))
            #expect(try await client.ok(.get, "/collections/c/points/9")["payload"]?["n"] == .int(9))
            try await client.ok(.put, "/collections/c/points?wait=true", #"{"points":[{"id":2,"vector":[1,2],"payload":{"n":200}},{"id":3,"vector":[1,3],"payload":{"n":300}}],"update_filter":{"must":[{"key":"g","match":{"value":"even"}}]}}"#)
            #expect(try await client.ok(.get, "/collections/c/points/2")["payload"]?["n"] == .int(200))
            #expect(try await client.ok(.get, "/collections/c/points/3")["payload"]?["n"] == .int(3))
            try await client.ok(.put, "/collections/c/points?wait=true", #"{"points":[{"id":50,"vector":[1,1]}],"update_mode":"update_only"}"#)
            try await client.refused(.get, "/collections/c/points/50", status: .notFound, "50")
            try await client.refused(.put, "/collections/c/points", #"{"points":[],"update_mode":"maybe"}"#, status: .badRequest, "update_mode")
        }
    }

    @Test("refused instead of ignored: strict mode, non-float32 datatypes")
    func refusals() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            try await Self.seed(client)
            try await client.refused(.put, "/collections/s", #"{"vectors":{"size":2,"distance":"Dot"},"strict_mode_config":{"enabled":true}}"#, status: .badRequest, "strict")
            try await client.refused(.put, "/collections/m", #"{"vectors":{"size":2,"distance":"Dot","datatype":"uint8"}}"#, status: .badRequest, "float32")
            try await client.refused(.post, "/collections/c/points/query", #"{"query":[1,0],"lookup_from":{"collection":"x"}}"#, status: .notFound, "x")
            #expect(try await client.call(.get, "/collections/s").status == .notFound)
        }
    }

    @Test("collection info: metadata, optimizers_config, sparse modifier omitted when unset; PATCH merges and refuses engine changes")
    func infoAndPatch() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            try await Self.seed(client)
            try await client.ok(.put, "/collections/sp", #"{"sparse_vectors":{"t":{}}}"#)
            #expect(try await client.ok(.get, "/collections/sp")["config"]?["params"]?["sparse_vectors"]?["t"] == .object([:]))
            var info = try await client.ok(.get, "/collections/c")
            #expect(info["config"]?["metadata"] == .object(["team": .string("a")]))
            #expect(info["config"]?["optimizer_config"]?["indexing_threshold"] == .int(500))
            try await client.ok(.patch, "/collections/c", #"{"metadata":{"owner":"b"},"optimizers_config":{"deleted_threshold":0.5},"params":{"replication_factor":2}}"#)
            info = try await client.ok(.get, "/collections/c")
            #expect(info["config"]?["metadata"] == .object(["team": .string("a"), "owner": .string("b")]))
            #expect(info["config"]?["optimizer_config"]?["deleted_threshold"] == .double(0.5))
            #expect(info["config"]?["params"]?["replication_factor"] == .int(2))
            try await client.refused(.patch, "/collections/c", #"{"hnsw_config":{"m":4}}"#, status: .badRequest, "hnsw_config")
            try await client.refused(.patch, "/collections/c", #"{"optimizers_config":{"deleted_threshold":7}}"#, status: .unprocessableContent, "deleted_threshold")
            try await client.refused(.patch, "/collections/nope", #"{}"#, status: .notFound, "nope")
        }
    }

    @Test("query by id leaves the point out; no-query scores 1.0; recommend; groups")
    func queries() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            try await Self.seed(client)
            let byID = try await client.ok(.post, "/collections/c/points/query", #"{"query":1,"limit":10}"#)
            let ids = byID["points"]?.arrayValue?.compactMap { $0["id"] } ?? []
            #expect(!ids.contains(.int(1)) && ids.count == 3)
            let plain = try await client.ok(.post, "/collections/c/points/query", #"{"limit":2}"#)
            #expect(plain["points"]?.arrayValue?.first?["score"]?.numberValue == 1)
            let rec = try await client.ok(.post, "/collections/c/points/recommend", #"{"positive":[4],"limit":2}"#)
            #expect(rec.arrayValue?.compactMap { $0["id"] } == [.int(3), .int(2)])
            try await client.refused(.post, "/collections/c/points/recommend", #"{"positive":[4],"strategy":"worst_score"}"#, status: .badRequest, "worst_score")
            let groups = try await client.ok(.post, "/collections/c/points/query/groups", #"{"query":[0,1],"group_by":"g","group_size":1,"limit":2}"#)
            #expect(groups["groups"]?.arrayValue?.compactMap { $0["id"] } == [.string("even"), .string("odd")])
            #expect(groups["groups"]?.arrayValue?.first?["hits"]?.arrayValue?.first?["id"] == .int(4))
            try await client.refused(.post, "/collections/c/points/search/groups", #"{"vector":[0,1]}"#, status: .badRequest, "group_by")
        }
    }

    @Test("set_payload at nest[0]; update and delete vectors; batch; facet; aliases")
    func writesAndAliases() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            try await Self.seed(client)
            try await client.ok(.post, "/collections/c/points/payload", #"{"payload":{"b":5},"key":"nest[0]","points":[1]}"#)
            #expect(try await client.ok(.get, "/collections/c/points/1")["payload"]?["nest"] == .array([.object(["a": .int(1), "b": .int(5)]), .object(["a": .int(2)])]))
            try await client.ok(.put, "/collections/c/points/vectors?wait=true", #"{"points":[{"id":1,"vector":[7,7]}]}"#)
            #expect(try await client.ok(.get, "/collections/c/points/1")["vector"]?.arrayValue?.first?.numberValue == 7)
            try await client.refused(.put, "/collections/c/points/vectors", #"{"points":[{"id":77,"vector":[7,7]}]}"#, status: .notFound, "77")
            try await client.ok(.post, "/collections/c/points/vectors/delete?wait=true", #"{"points":[2],"vector":[""]}"#)
            #expect(try await client.ok(.get, "/collections/c/points/2")["vector"] == .object([:]))
            let batch = try await client.ok(.post, "/collections/c/points/batch?wait=true", #"{"operations":[{"delete":{"points":[3]}},{"set_payload":{"payload":{"z":1},"points":[4]}}]}"#)
            #expect(batch.arrayValue?.count == 2)
            try await client.refused(.get, "/collections/c/points/3", status: .notFound, "3")
            try await client.refused(.post, "/collections/c/points/batch", #"{"operations":[{"explode":{}}]}"#, status: .badRequest, "explode")
            try await client.refused(.post, "/collections/c/facet", #"{"key":"g"}"#, status: .badRequest, "Index required")
            try await client.ok(.put, "/collections/c/index?wait=true", #"{"field_name":"g","field_schema":"keyword"}"#)
            let facet = try await client.ok(.post, "/collections/c/facet", #"{"key":"g"}"#)
            #expect(facet["hits"] == .array([.object(["value": .string("even"), "count": .int(2)]), .object(["value": .string("odd"), "count": .int(1)])]))
            try await client.ok(.post, "/collections/aliases", #"{"actions":[{"create_alias":{"collection_name":"c","alias_name":"al"}}]}"#)
            #expect(try await client.ok(.get, "/collections/al/points/4")["payload"]?["z"] == .int(1))
            #expect(try await client.ok(.get, "/aliases")["aliases"] == .array([.object(["alias_name": .string("al"), "collection_name": .string("c")])]))
            try await client.ok(.post, "/collections/aliases", #"{"actions":[{"rename_alias":{"old_alias_name":"al","new_alias_name":"al2"}}]}"#)
            #expect(try await client.ok(.get, "/collections/c/aliases")["aliases"]?.arrayValue?.first?["alias_name"] == .string("al2"))
            try await client.refused(.post, "/collections/aliases", #"{"actions":[{"create_alias":{"collection_name":"none","alias_name":"x"}}]}"#, status: .notFound, "none")
            try await client.refused(.post, "/collections/aliases", #"{"actions":[{"rename_alias":{"old_alias_name":"zz","new_alias_name":"y"}}]}"#, status: .notFound, "zz")
            try await client.ok(.delete, "/collections/c")
            #expect(try await client.ok(.get, "/aliases")["aliases"] == .array([]))
        }
    }
}
