import Foundation
import Hummingbird
import HummingbirdTesting
import JSON
import Testing
@testable import Server

/// Example-based queries through the real server: recommend strategies, discovery, context search,
/// `lookup_from`, and their legacy routes. Scores are checked against Qdrant's formulas worked by hand.
@Suite("Example-based queries")
struct ExampleQueryTests {
    /// Dot product, 2-d: 1 → [1,0], 2 → [0,1], 3 → [1,1], 4 → [-1,0], 5 → [0.5,0.2].
    static func seed(_ client: some TestClientProtocol) async throws {
        try await client.ok(.put, "/collections/c", #"{"vectors":{"size":2,"distance":"Dot"},"sparse_vectors":{"s":{}}}"#)
        try await client.ok(.put, "/collections/c/points?wait=true", """
            {"points":[{"id":1,"vector":{"":[1,0],"s":{"indices":[1],"values":[1]}}},{"id":2,"vector":{"":[0,1],"s":{"indices":[2],"values":[1]}}},
                       {"id":3,"vector":{"":[1,1],"s":{"indices":[1,2],"values":[1,1]}}},{"id":4,"vector":{"":[-1,0],"s":{"indices":[3],"values":[1]}}},
                       {"id":5,"vector":{"":[0.5,0.2],"s":{"indices":[1,3],"values":[0.5,2]}}}]}
            """)
    }

    static func sigmoid(_ x: Double) -> Double { 0.5 * (x / (1 + abs(x)) + 1) }

    func scored(_ client: some TestClientProtocol, _ uri: String, _ body: String) async throws -> [(JSONValue, Double)] {
        let result = try await client.ok(.post, uri, body)
        let points = result["points"]?.arrayValue ?? result.arrayValue ?? []
        return points.map { ($0["id"] ?? .null, $0["score"]?.numberValue ?? .nan) }
    }

    func expect(_ got: [(JSONValue, Double)], _ expected: [(Int, Double)], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(got.map(\.0) == expected.map { .int(Int64($0.0)) }, "\(got)", sourceLocation: sourceLocation)
        for (g, e) in zip(got, expected) { #expect(abs(g.1 - e.1) < 1e-5, "\(g) vs \(e)", sourceLocation: sourceLocation) }
    }

    @Test("recommend best_score and sum_scores: examples by id left out, scores as Qdrant's formulas")
    func recommendStrategies() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            try await Self.seed(client)
            // best: p = x, n = −x → 3: σ(1), 5: σ(0.5), 2: p = n = 0 → −σ(0).
            let best = try await scored(client, "/collections/c/points/query", #"{"query":{"recommend":{"positive":[1],"negative":[4],"strategy":"best_score"}}}"#)
            expect(best, [(3, Self.sigmoid(1)), (5, Self.sigmoid(0.5)), (2, -0.5)])
            let sum = try await scored(client, "/collections/c/points/query", #"{"query":{"recommend":{"positive":[1],"negative":[4],"strategy":"sum_scores"}}}"#)
            expect(sum, [(3, 2), (5, 1), (2, 0)])
            // Negatives only: every score is −σ(best negative similarity).
            let onlyNegative = try await scored(client, "/collections/c/points/query", #"{"query":{"recommend":{"negative":[[-1,0]],"strategy":"best_score"}},"limit":2}"#)
            expect(onlyNegative, [(1, -Self.sigmoid(-1)), (3, -Self.sigmoid(-1))])
            // The legacy route takes the strategy too.
            let legacy = try await scored(client, "/collections/c/points/recommend", #"{"positive":[1],"negative":[4],"strategy":"best_score","limit":2}"#)
            expect(legacy, [(3, Self.sigmoid(1)), (5, Self.sigmoid(0.5))])
            // Sparse: similarities are dot products, 0 without a shared index.
            let sparse = try await scored(client, "/collections/c/points/query", #"{"query":{"recommend":{"positive":[1],"strategy":"sum_scores"}},"using":"s"}"#)
            expect(sparse, [(3, 1), (5, 0.5), (2, 0), (4, 0)])
            let averageSparse = try await scored(client, "/collections/c/points/query", #"{"query":{"recommend":{"positive":[3],"negative":[4]}},"using":"s"}"#)
            #expect(averageSparse.map(\.0).first == .int(1))  // target 2·[1,1,0] − [0,0,1]: 1 and 2 score 2, 5 scores −1
            try await client.refused(.post, "/collections/c/points/query", #"{"query":{"recommend":{"positive":[1],"strategy":"best"}}}"#, status: .badRequest, "unknown variant")
            try await client.refused(.post, "/collections/c/points/query", #"{"query":{"recommend":{"strategy":"best_score"}}}"#, status: .badRequest, "no positive or negative")
            try await client.refused(.post, "/collections/c/points/query", #"{"query":{"recommend":{"positive":[99],"strategy":"best_score"}}}"#, status: .notFound, "99")
        }
    }

    @Test("discovery ranks by context pairs then target; context search penalises the negative side")
    func discoveryAndContext() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            try await Self.seed(client)
            // Pair (1, 4): rank sign(2x); target [0,1]: σ(y).
            let discover = try await scored(client, "/collections/c/points/query",
                                            #"{"query":{"discover":{"target":[0,1],"context":[{"positive":1,"negative":4}]}}}"#)
            expect(discover, [(3, 1 + Self.sigmoid(1)), (5, 1 + Self.sigmoid(0.2)), (2, Self.sigmoid(1))])
            let legacy = try await scored(client, "/collections/c/points/discover", #"{"target":[0,1],"context":[{"positive":1,"negative":4}],"limit":1}"#)
            expect(legacy, [(3, 1 + Self.sigmoid(1))])
            // Context: min(2x − ε, 0) through the fast sigmoid: 0 on the positive side, just below 0 at x = 0.
            let context = try await scored(client, "/collections/c/points/query", #"{"query":{"context":{"positive":1,"negative":4}}}"#)
            #expect(context.map(\.0) == [.int(3), .int(5), .int(2)])
            #expect(context[0].1 == 0 && context[1].1 == 0 && context[2].1 < 0 && context[2].1 > -1e-6)
            let legacyContext = try await scored(client, "/collections/c/points/discover", #"{"context":[{"positive":1,"negative":4}]}"#)
            #expect(legacyContext.map(\.0) == [.int(3), .int(5), .int(2)])
            // Batches of the legacy routes answer one list per item.
            let batch = try await client.ok(.post, "/collections/c/points/discover/batch", #"{"searches":[{"target":2,"context":[{"positive":1,"negative":4}],"limit":1},{"context":[{"positive":4,"negative":1}],"limit":1}]}"#)
            #expect(batch.arrayValue?.map { $0.arrayValue?.first?["id"] } == [.int(3), .int(2)])
            let recommendBatch = try await client.ok(.post, "/collections/c/points/recommend/batch", #"{"searches":[{"positive":[2],"limit":1},{"positive":[1],"strategy":"sum_scores","limit":1}]}"#)
            #expect(recommendBatch.arrayValue?.map { $0.arrayValue?.first?["id"] } == [.int(3), .int(3)])
            try await client.refused(.post, "/collections/c/points/query", #"{"query":{"discover":{"context":[]}}}"#, status: .badRequest, "target")
            try await client.refused(.post, "/collections/c/points/query", #"{"query":{"context":[]}}"#, status: .badRequest, "at least one pair")
            try await client.refused(.post, "/collections/c/points/query", #"{"query":{"context":[{"positive":1}]}}"#, status: .badRequest, "negative")
            try await client.refused(.post, "/collections/c/points/query", #"{"query":{"discover":{"target":[0,1,2],"context":[]}}}"#, status: .badRequest, "dimension")
            try await client.refused(.post, "/collections/c/points/discover", #"{"limit":3}"#, status: .badRequest, "target or at least one context pair")
        }
    }

    @Test("lookup_from takes examples from another collection and leaves nothing of this one out")
    func lookupFrom() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            try await Self.seed(client)
            try await client.ok(.put, "/collections/other", #"{"vectors":{"image":{"size":2,"distance":"Dot"}}}"#)
            try await client.ok(.put, "/collections/other/points?wait=true", #"{"points":[{"id":3,"vector":{"image":[0.1,1]}}]}"#)
            let lookup = #""lookup_from":{"collection":"other","vector":"image"}"#
            // Point 3 of `other` is [0.1, 1]; this collection's point 3 stays in the results.
            let recommend = try await scored(client, "/collections/c/points/query", #"{"query":{"recommend":{"positive":[3]}},"limit":2,"# + lookup + "}")
            expect(recommend, [(3, 1.1), (2, 1)])
            let nearest = try await scored(client, "/collections/c/points/query", #"{"query":3,"limit":1,"# + lookup + "}")
            expect(nearest, [(3, 1.1)])
            let legacy = try await scored(client, "/collections/c/points/recommend", #"{"positive":[3],"limit":1,"# + lookup + "}")
            expect(legacy, [(3, 1.1)])
            try await client.refused(.post, "/collections/c/points/query", #"{"query":{"recommend":{"positive":[3]}},"lookup_from":{"collection":"missing"}}"#, status: .notFound, "missing")
            try await client.refused(.post, "/collections/c/points/query", #"{"query":{"recommend":{"positive":[3]}},"lookup_from":{"vector":"image"}}"#, status: .badRequest, "collection")
            try await client.refused(.post, "/collections/c/points/query", #"{"query":{"recommend":{"positive":[3]}},"lookup_from":{"collection":"other"}}"#, status: .badRequest, "Not existing vector name error: default vector")
        }
    }

    @Test("distance matrix: pairs and offsets over a sample, each point's nearest others; bad sizes refused")
    func distanceMatrix() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            try await Self.seed(client)
            // All 5 points sampled (sample ≥ count), so the answer is deterministic.
            let pairs = try await client.ok(.post, "/collections/c/points/search/matrix/pairs", #"{"sample":10,"limit":2}"#)
            let list = pairs["pairs"]?.arrayValue ?? []
            #expect(list.count == 10)
            // Point 1 = [1,0]: nearest others by dot are 3 (1) and 5 (0.5).
            let fromOne = list.filter { $0["a"] == .int(1) }
            #expect(fromOne.map { $0["b"] } == [.int(3), .int(5)])
            #expect(fromOne.map { $0["score"]?.numberValue } == [1, 0.5])
            let offsets = try await client.ok(.post, "/collections/c/points/search/matrix/offsets", #"{"sample":10,"limit":1,"using":"","filter":{"must_not":[{"has_id":[4]}]}}"#)
            #expect(offsets["ids"] == .array([.int(1), .int(2), .int(3), .int(5)]))
            // Nearest other to 1 is 3 (offset 2), to 2 is 3, to 3 is 1 (dot 1, lower id first) or 2 (dot 1), to 5 is 3.
            #expect(offsets["offsets_row"] == .array([.int(0), .int(1), .int(2), .int(3)]))
            #expect(offsets["offsets_col"]?.arrayValue?[0] == .int(2) && offsets["offsets_col"]?.arrayValue?[3] == .int(2))
            #expect(offsets["scores"]?.arrayValue?.count == 4)
            // Sparse space, default sample of 10 and limit of 3.
            let sparse = try await client.ok(.post, "/collections/c/points/search/matrix/pairs", #"{"using":"s"}"#)
            #expect(sparse["pairs"]?.arrayValue?.contains { $0["a"] == .int(1) && $0["b"] == .int(3) } == true)
            let tiny = try await client.ok(.post, "/collections/c/points/search/matrix/pairs", #"{"filter":{"must":[{"has_id":[1]}]}}"#)
            #expect(tiny["pairs"] == .array([]))
            try await client.refused(.post, "/collections/c/points/search/matrix/pairs", #"{"sample":0}"#, status: .unprocessableContent, "sample")
            try await client.refused(.post, "/collections/c/points/search/matrix/offsets", #"{"sample":100000}"#, status: .unprocessableContent, "sample")
            try await client.refused(.post, "/collections/c/points/search/matrix/pairs", #"{"limit":0}"#, status: .unprocessableContent, "limit")
            try await client.refused(.post, "/collections/c/points/search/matrix/pairs", #"{"using":"nope"}"#, status: .badRequest, "nope")
            try await client.refused(.post, "/collections/missing/points/search/matrix/pairs", "{}", status: .notFound, "missing")
        }
    }

    @Test("mmr re-ranks nearest candidates for diversity, keeping their scores; bad options refused")
    func maximalMarginalRelevance() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            try await Self.seed(client)
            func ids(_ body: String) async throws -> [JSONValue] {
                try await scored(client, "/collections/c/points/query", body).map(\.0)
            }
            // Nearest to [1, 0.1] by dot: 3 (1.1), 1 (1.0), 5 (0.52), 2 (0.1), 4 (−1).
            #expect(try await ids(#"{"query":{"nearest":[1,0.1],"mmr":{"diversity":0}},"limit":5}"#) == [.int(3), .int(1), .int(5), .int(2), .int(4)])
            // Pure diversity: after 3, each pick is the least similar to those picked (ties to the last).
            #expect(try await ids(#"{"query":{"nearest":[1,0.1],"mmr":{"diversity":1}},"limit":5}"#) == [.int(3), .int(4), .int(5), .int(1), .int(2)])
            #expect(try await ids(#"{"query":{"nearest":[1,0.1],"mmr":{"diversity":1}},"limit":2}"#) == [.int(3), .int(1)])
            let picked = try await scored(client, "/collections/c/points/query", #"{"query":{"nearest":[1,0.1],"mmr":{"diversity":1,"candidates_limit":5}},"limit":2}"#)
            expect(picked, [(3, 1.1), (4, -1)])
            // score_threshold cuts the candidates before the pick (Qdrant): 3, 1, 5 remain, and 5 is the least like 3.
            let aboveThreshold = try await scored(client, "/collections/c/points/query", #"{"query":{"nearest":[1,0.1],"mmr":{"diversity":1,"candidates_limit":5}},"limit":2,"score_threshold":0.3}"#)
            expect(aboveThreshold, [(3, 1.1), (5, 0.52)])
            // By point id (left out of its own results), and on the sparse space.
            #expect(try await ids(#"{"query":{"nearest":3,"mmr":{"diversity":0.5,"candidates_limit":4}},"limit":2}"#).count == 2)
            #expect(try await ids(#"{"query":{"nearest":{"indices":[1],"values":[1]},"mmr":{}},"using":"s","limit":3}"#).first == .int(3))  // 1 and 3 tie at 1: the last maximum seeds
            try await client.refused(.post, "/collections/c/points/query", #"{"query":{"nearest":[1,0],"mmr":{"diversity":1.5}}}"#, status: .unprocessableContent, "diversity")
            try await client.refused(.post, "/collections/c/points/query", #"{"query":{"nearest":[1,0],"mmr":{"candidates_limit":5000}}}"#, status: .unprocessableContent, "candidates_limit")
            try await client.refused(.post, "/collections/c/points/query", #"{"query":{"mmr":{"diversity":0.5}}}"#, status: .badRequest, "nearest")
        }
    }
}
