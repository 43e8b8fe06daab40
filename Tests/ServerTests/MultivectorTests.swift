import Foundation
import Hummingbird
import HummingbirdTesting
import JSON
import Testing
@testable import Server

/// Multivectors (`multivector_config: {comparator: max_sim}`) through the real server.
@Suite("Multivectors")
struct MultivectorTests {
    @Test("an unnamed multivector space: upsert matrices, read them back, MaxSim queries, info, bad input")
    func unnamed() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            try await client.ok(.put, "/collections/m", #"{"vectors":{"size":2,"distance":"Dot","multivector_config":{"comparator":"max_sim"}}}"#)
            try await client.ok(.put, "/collections/m/points?wait=true", """
                {"points":[{"id":1,"vector":[[1,0],[0,1]]},{"id":2,"vector":[[2,0]]},{"id":3,"vector":[[0,3],[1,1]],"payload":{"k":"x"}}]}
                """)
            let info = try await client.ok(.get, "/collections/m")
            #expect(info["config"]?["params"]?["vectors"]?["multivector_config"]?["comparator"] == .string("max_sim"))
            let got = try await client.ok(.post, "/collections/m/points", #"{"ids":[3],"with_vector":true}"#)
            #expect(got.arrayValue?.first?["vector"] == .array([.array([.double(0), .double(3)]), .array([.double(1), .double(1)])]))
            let hits = try await client.ok(.post, "/collections/m/points/query", #"{"query":[[1,0],[0,1]],"limit":3}"#)
            #expect(hits["points"]?.arrayValue?.compactMap { $0["id"] } == [.int(3), .int(1), .int(2)])
            #expect(hits["points"]?.arrayValue?.compactMap { $0["score"]?.numberValue } == [4, 2, 2])
            // A plain vector is a one-row query; a point id queries by its matrix (and is left out).
            let single = try await client.ok(.post, "/collections/m/points/query", #"{"query":[0,1],"limit":1}"#)
            #expect(single["points"]?.arrayValue?.first?["id"] == .int(3))
            let byID = try await client.ok(.post, "/collections/m/points/query", #"{"query":2,"limit":5}"#)
            #expect(byID["points"]?.arrayValue?.compactMap { $0["id"] } == [.int(1), .int(3)])
            // recommend average_vector: one query of every positive row and every negative row negated.
            let recommend = try await client.ok(.post, "/collections/m/points/query", #"{"query":{"recommend":{"positive":[[[0,1]]],"negative":[[[1,0]]]}},"limit":1}"#)
            #expect(recommend["points"]?.arrayValue?.first?["id"] == .int(3))
            let best = try await client.ok(.post, "/collections/m/points/query", #"{"query":{"recommend":{"positive":[2],"strategy":"best_score"}},"limit":2}"#)
            #expect(best["points"]?.arrayValue?.compactMap { $0["id"] } == [.int(1), .int(3)])
            let discover = try await client.ok(.post, "/collections/m/points/query", #"{"query":{"discover":{"target":[[0,1]],"context":[{"positive":2,"negative":[[0,-1]]}]}},"limit":1}"#)
            #expect(discover["points"]?.arrayValue?.first?["id"] == .int(3))
            let withVector = try await client.ok(.post, "/collections/m/points/count", #"{"filter":{"must":[{"has_vector":""}]},"exact":true}"#)
            #expect(withVector["count"] == .int(3))
            try await client.refused(.put, "/collections/m/points?wait=true", #"{"points":[{"id":4,"vector":[[1,0],[1]]}]}"#, status: .badRequest, "dimension")
            try await client.refused(.put, "/collections/m/points?wait=true", #"{"points":[{"id":4,"vector":[1,0]}]}"#, status: .badRequest, "multi")
            try await client.refused(.post, "/collections/m/points/query", #"{"query":[[1,0,0]]}"#, status: .badRequest, "dimension")
            try await client.refused(.put, "/collections/x", #"{"vectors":{"size":2,"distance":"Dot","multivector_config":{"comparator":"min_sim"}}}"#, status: .badRequest, "max_sim")
            try await client.refused(.put, "/collections/x", #"{"vectors":{"size":2,"distance":"Dot","multivector_config":{}}}"#, status: .badRequest, "comparator")
        }
    }

    @Test("named multivector spaces beside dense ones; vector updates and deletes; prefetch re-scoring")
    func named() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            try await client.ok(.put, "/collections/n", #"{"vectors":{"dense":{"size":2,"distance":"Cosine"},"colbert":{"size":2,"distance":"Euclid","multivector_config":{"comparator":"max_sim"}}}}"#)
            try await client.ok(.put, "/collections/n/points?wait=true", """
                {"points":[{"id":1,"vector":{"dense":[1,0],"colbert":[[0,0],[5,5]]}},{"id":2,"vector":{"dense":[0,1],"colbert":[[1,1]]}},{"id":3,"vector":{"dense":[1,1]}}]}
                """)
            // Euclid: √|Σ best −‖q − d‖²|, nearest first: 1 → √2, 2 → √20.
            let hits = try await client.ok(.post, "/collections/n/points/query", #"{"query":[[0,0],[4,4]],"using":"colbert"}"#)
            let scores = hits["points"]?.arrayValue?.compactMap { $0["score"]?.numberValue } ?? []
            #expect(hits["points"]?.arrayValue?.compactMap { $0["id"] } == [.int(1), .int(2)])
            #expect(scores.count == 2 && abs(scores[0] - 2.0.squareRoot()) < 1e-5 && abs(scores[1] - 20.0.squareRoot()) < 1e-4)
            // Dense candidates re-scored by the multivector (the ColBERT pattern).
            let rescored = try await client.ok(.post, "/collections/n/points/query",
                                              #"{"prefetch":{"query":[1,1],"using":"dense","limit":3},"query":[[1,1]],"using":"colbert","limit":2}"#)
            #expect(rescored["points"]?.arrayValue?.compactMap { $0["id"] } == [.int(2), .int(1)])
            try await client.ok(.put, "/collections/n/points/vectors?wait=true", #"{"points":[{"id":3,"vector":{"colbert":[[1,1],[2,2]]}}]}"#)
            let three = try await client.ok(.post, "/collections/n/points/query", #"{"query":[[2,2]],"using":"colbert","limit":1}"#)
            #expect(three["points"]?.arrayValue?.first?["id"] == .int(3))
            try await client.ok(.post, "/collections/n/points/vectors/delete?wait=true", #"{"points":[3],"vector":["colbert"]}"#)
            let after = try await client.ok(.post, "/collections/n/points/query", #"{"query":[[2,2]],"using":"colbert","limit":5}"#)
            #expect(after["points"]?.arrayValue?.compactMap { $0["id"] } == [.int(2), .int(1)])
            try await client.refused(.put, "/collections/n/points?wait=true", #"{"points":[{"id":4,"vector":{"dense":[[1,0]]}}]}"#, status: .badRequest, "multi")
        }
    }
}
