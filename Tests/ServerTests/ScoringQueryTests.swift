import Foundation
import Hummingbird
import HummingbirdTesting
import JSON
import Testing
@testable import Server

/// The Query API's non-vector rankings through the real server: `order_by`, `sample: random` and
/// `formula` (score boosting), at the root and over prefetches, with their bad inputs.
@Suite("Order-by, sample and formula queries")
struct ScoringQueryTests {
    /// Dot product, 2-d. Payloads: n (number), tag, when (datetime), at (geo point), some without.
    static func seed(_ client: some TestClientProtocol) async throws {
        try await client.ok(.put, "/collections/c", #"{"vectors":{"size":2,"distance":"Dot"}}"#)
        try await client.ok(.put, "/collections/c/points?wait=true", """
            {"points":[
              {"id":1,"vector":[1,0],"payload":{"n":3,"tag":"a","when":"2024-01-01T00:00:00Z","at":{"lon":0,"lat":0}}},
              {"id":2,"vector":[0.9,0.1],"payload":{"n":[1,7],"tag":"b","when":"2024-01-02T00:00:00Z","at":{"lon":0,"lat":1}}},
              {"id":3,"vector":[0.5,0.5],"payload":{"n":5,"tag":"a","when":"2024-01-03T00:00:00Z"}},
              {"id":4,"vector":[0,1],"payload":{"tag":"b"}},
              {"id":5,"vector":[0.2,0.2],"payload":{"n":2.5,"tag":"c"}}]}
            """)
    }

    func points(_ client: some TestClientProtocol, _ body: String) async throws -> [JSONValue] {
        try await client.ok(.post, "/collections/c/points/query", body)["points"]?.arrayValue ?? []
    }

    func ids(_ points: [JSONValue]) -> [Int64] { points.compactMap { if case .int(let i)? = $0["id"] { i } else { nil } } }
    func scores(_ points: [JSONValue]) -> [Double] { points.compactMap { $0["score"]?.numberValue } }

    @Test("order_by as a query: points by value (once per value), score 1, order_value reported; over prefetches only their candidates")
    func orderBy() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            try await Self.seed(client)
            let ascending = try await points(client, #"{"query":{"order_by":"n"},"limit":10}"#)
            #expect(ids(ascending) == [2, 5, 1, 3, 2])
            #expect(ascending.map { $0["order_value"]?.numberValue } == [1, 2.5, 3, 5, 7])
            #expect(scores(ascending) == [1, 1, 1, 1, 1])
            let descending = try await points(client, #"{"query":{"order_by":{"key":"n","direction":"desc","start_from":5}},"limit":2,"offset":1,"with_payload":["tag"]}"#)
            #expect(ids(descending) == [1, 5])
            #expect(descending.first?["payload"] == .object(["tag": .string("a")]))
            let filtered = try await points(client, #"{"query":{"order_by":"n"},"filter":{"must":[{"key":"tag","match":{"value":"a"}}]}}"#)
            #expect(ids(filtered) == [1, 3])
            // Dates order as datetimes; the score threshold does not apply.
            let dated = try await points(client, #"{"query":{"order_by":{"key":"when","direction":"desc"}},"score_threshold":5}"#)
            #expect(ids(dated) == [3, 2, 1])
            // Over a prefetch: only the 2 nearest of [1, 0] (1 and 2), ordered by n.
            let rescored = try await points(client, #"{"prefetch":{"query":[1,0],"limit":2},"query":{"order_by":"n"}}"#)
            #expect(ids(rescored) == [2, 1, 2])
            try await client.refused(.post, "/collections/c/points/query", #"{"query":{"order_by":{"direction":"desc"}}}"#, status: .badRequest, "key")
            try await client.refused(.post, "/collections/c/points/query", #"{"query":{"order_by":{"key":"n","direction":"up"}}}"#, status: .badRequest, "direction")
            try await client.refused(.post, "/collections/c/points/query", #"{"query":{"order_by":7}}"#, status: .badRequest, "order_by")
        }
    }

    @Test("sample random: distinct allowed points, each scoring 1, every point reachable; over prefetches only their candidates")
    func sample() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            try await Self.seed(client)
            var seenFirst = Set<Int64>()
            for _ in 0..<60 {
                let drawn = try await points(client, #"{"query":{"sample":"random"},"limit":3}"#)
                #expect(drawn.count == 3 && Set(ids(drawn)).count == 3)
                #expect(scores(drawn) == [1, 1, 1])
                seenFirst.insert(ids(drawn)[0])
            }
            // 60 draws of a uniform first pick miss one of 5 points with probability < 5 · 0.8⁶⁰ ≈ 7e-6.
            #expect(seenFirst == [1, 2, 3, 4, 5])
            let filtered = try await points(client, #"{"query":{"sample":"random"},"filter":{"must":[{"key":"tag","match":{"value":"b"}}]},"limit":10}"#)
            #expect(Set(ids(filtered)) == [2, 4])
            let overPrefetch = try await points(client, #"{"prefetch":{"query":[0,1],"limit":2},"query":{"sample":"random"},"limit":10}"#)
            #expect(Set(ids(overPrefetch)) == [4, 3])
            // The offset does not shrink a sample (Qdrant ignores it: there is no order to skip into).
            let offset = try await points(client, #"{"query":{"sample":"random"},"limit":5,"offset":3}"#)
            #expect(Set(ids(offset)) == [1, 2, 3, 4, 5])
            try await client.refused(.post, "/collections/c/points/query", #"{"query":{"sample":"uniform"}}"#, status: .badRequest, "random")
        }
    }

    @Test("formula re-scores prefetch candidates: $score, payload variables with defaults, conditions, arithmetic, decays, datetimes, geo")
    func formula() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            try await Self.seed(client)
            // Prefetch [1,0] limit 3 → 1 (1.0), 2 (0.9), 3 (0.5). score + 0.5·[tag = a].
            let boosted = try await points(client, """
                {"prefetch":{"query":[1,0],"limit":3},
                 "query":{"formula":{"sum":["$score",{"mult":[0.5,{"key":"tag","match":{"value":"a"}}]}]}}}
                """)
            #expect(ids(boosted) == [1, 3, 2])
            #expect(zip(scores(boosted), [1.5, 1.0, 0.9]).allSatisfy { abs($0 - $1) < 1e-6 })
            // A payload variable (2, whose n holds two values, is left out): 4 has no n and takes the default.
            let single = try await points(client, """
                {"prefetch":{"query":[0,1],"limit":5},"filter":{"must_not":[{"has_id":[2]}]},
                 "query":{"formula":{"sum":["n",{"div":{"left":"$score","right":0,"by_zero_default":100}}]},"defaults":{"n":10}}}
                """)
            // 4: 10 + 100 (score 1 / 0 → default), 3: 5 + 100, 5: 2.5 + 100, 1: score 0 → div is 0 → 3.
            #expect(ids(single) == [4, 3, 5, 1])
            #expect(zip(scores(single), [110, 105, 102.5, 3]).allSatisfy { abs($0 - $1) < 1e-4 })
            // $score[1]: a point absent from the second prefetch scores 0 there, or its default.
            let second = try await points(client, """
                {"prefetch":[{"query":[1,0],"limit":2},{"query":[0,1],"limit":1}],
                 "query":{"formula":{"sum":["$score[0]","$score[1]"]},"defaults":{"$score[1]":0.25}}}
                """)
            // 1: 1 + 0.25, 2: 0.9 + 0.25, 4: 0 ("$score" has no default) + 1.
            #expect(ids(second) == [1, 2, 4])
            #expect(zip(scores(second), [1.25, 1.15, 1]).allSatisfy { abs($0 - $1) < 1e-5 })
            // Decays (the prefetch without 2 holds 1, 3, 5): gauss of n around 3, scale 2 — 1 (n 3): 1,
            // 5 (n 2.5): 0.5^(0.5²/2²), 3 (n 5, at the scale): the midpoint 0.5.
            let decayed = try await points(client, """
                {"prefetch":{"query":[1,0],"limit":3},"filter":{"must_not":[{"has_id":[2]}]},
                 "query":{"formula":{"gauss_decay":{"x":"n","target":3,"scale":2}}}}
                """)
            #expect(ids(decayed) == [1, 5, 3])
            #expect(zip(scores(decayed), [1, pow(0.5, 1.0 / 16), 0.5]).allSatisfy { abs($0 - $1) < 1e-6 })
            let linear = try await points(client, """
                {"prefetch":{"query":[1,0],"limit":3},"filter":{"must_not":[{"has_id":[2]}]},
                 "query":{"formula":{"lin_decay":{"x":"n","target":3,"scale":4,"midpoint":0.5}}}}
                """)
            #expect(zip(scores(linear), [1, 0.9375, 0.75]).allSatisfy { abs($0 - $1) < 1e-6 })  // 1 − (1 − 0.5)/4 · |n − 3|
            let exponential = try await points(client, """
                {"prefetch":{"query":[1,0],"limit":3},"filter":{"must_not":[{"has_id":[2]}]},
                 "query":{"formula":{"exp_decay":{"x":"n","target":3,"scale":2,"midpoint":0.25}}}}
                """)
            #expect(zip(scores(exponential), [1, pow(0.25, 0.25), 0.25]).allSatisfy { abs($0 - $1) < 1e-6 })  // 0.25^(|n − 3|/2)
            // Datetimes in seconds: when − 2024-01-01 → 0, 86400, 172800.
            let dated = try await points(client, """
                {"prefetch":{"query":[1,0],"limit":3},
                 "query":{"formula":{"sum":[{"datetime_key":"when"},{"neg":{"datetime":"2024-01-01T00:00:00Z"}}]}}}
                """)
            #expect(ids(dated) == [3, 2, 1])
            #expect(zip(scores(dated), [172_800, 86_400, 0]).allSatisfy { abs($0 - $1) < 1 })
            // Metres from (0, 0): 1 is there, 2 one degree of latitude north (≈ 111.2 km).
            let far = try await points(client, """
                {"prefetch":{"query":[1,0],"limit":2},"query":{"formula":{"geo_distance":{"origin":{"lon":0,"lat":0},"to":"at"}}}}
                """)
            #expect(ids(far) == [2, 1])
            #expect(abs(scores(far)[0] - 111_195) < 5 && scores(far)[1] == 0)
            // pow, sqrt, abs, ln, log10, exp together: sqrt(|−4|)^3 + ln(e) + log10(100) − exp(0) = 8 + 1 + 2 − 1.
            let arithmetic = try await points(client, """
                {"prefetch":{"query":[1,0],"limit":1},"query":{"formula":{"sum":[{"pow":{"base":{"sqrt":{"abs":-4}},"exponent":3}},{"ln":2.718281828459045},{"log10":100},{"neg":{"exp":0}}]}}}
                """)
            #expect(abs(scores(arithmetic)[0] - 10) < 1e-5)
            // A prefetch without a query is its filter's points in id order, scoring 1 (as a scroll).
            let scrolled = try await points(client, #"{"prefetch":{"filter":{"must":[{"key":"tag","match":{"value":"a"}}]},"limit":5},"query":{"formula":{"sum":["$score","n"]}}}"#)
            #expect(ids(scrolled) == [3, 1] && scores(scrolled) == [6, 4])
            let firstTwo = try await points(client, #"{"prefetch":{"limit":2},"query":{"formula":"$score"}}"#)
            #expect(ids(firstTwo) == [1, 2] && scores(firstTwo) == [1, 1])
            // score_threshold cuts formula scores.
            let cut = try await points(client, #"{"prefetch":{"query":[1,0],"limit":3},"query":{"formula":"$score"},"score_threshold":0.8}"#)
            #expect(ids(cut) == [1, 2])
        }
    }

    @Test("grouped queries lift prefetch limits as they widen, so a small prefetch does not starve the groups")
    func groupsOverPrefetch() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            try await Self.seed(client)
            let result = try await client.ok(.post, "/collections/c/points/query/groups",
                                             #"{"prefetch":{"query":[1,0],"limit":1},"query":[1,0],"group_by":"tag","group_size":2,"limit":2}"#)
            let groups = result["groups"]?.arrayValue ?? []
            #expect(groups.map { $0["id"] } == [.string("a"), .string("b")])
            #expect(groups.map { ids($0["hits"]?.arrayValue ?? []) } == [[1, 3], [2, 4]])
        }
    }

    @Test("relevance feedback (naive): a·sim(target) + c·Δscore^b·(sim(better) − sim(worse)); examples by id left out")
    func relevanceFeedback() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            try await Self.seed(client)
            // 4 ([0,1]) scored 0.9, the vector [1,0] scored 0.1: one pair, weight c · 0.8^b.
            // b = 1: 0.2·x + 0.8·y → 3: 0.5, 2: 0.26; b = 2: 0.36·x + 0.64·y → 3: 0.5, 2: 0.388, 1: 0.36.
            let body = { (b: Int) in
                #"{"query":{"relevance_feedback":{"target":[1,0],"feedback":[{"example":4,"score":0.9},{"example":[1,0],"score":0.1}],"strategy":{"naive":{"a":1,"b":\#(b),"c":1}}}},"limit":3}"#
            }
            let linear = try await points(client, body(1))
            #expect(ids(linear).prefix(2) == [3, 2] && !ids(linear).contains(4))
            #expect(zip(scores(linear), [0.5, 0.26, 0.2]).allSatisfy { abs($0 - $1) < 1e-6 })
            let squared = try await points(client, body(2))
            #expect(ids(squared) == [3, 2, 1])
            #expect(zip(scores(squared), [0.5, 0.388, 0.36]).allSatisfy { abs($0 - $1) < 1e-6 })
            // Equal scores make no pair: only a · sim(target) is left.
            let flat = try await points(client, #"{"query":{"relevance_feedback":{"target":[0,1],"feedback":[{"example":1,"score":0.5},{"example":2,"score":0.5}],"strategy":{"naive":{"a":2,"b":1,"c":1}}}},"limit":2}"#)
            #expect(ids(flat) == [4, 3] && scores(flat) == [2, 1])
            let uri = "/collections/c/points/query"
            try await client.refused(.post, uri, #"{"query":{"relevance_feedback":{"target":[1,0],"feedback":[]}}}"#, status: .badRequest, "strategy")
            try await client.refused(.post, uri, #"{"query":{"relevance_feedback":{"target":[1,0],"feedback":[{"example":1}],"strategy":{"naive":{"a":1,"b":1,"c":1}}}}}"#, status: .badRequest, "score")
            try await client.refused(.post, uri, #"{"query":{"relevance_feedback":{"target":[1,0],"feedback":[],"strategy":{"naive":{"a":1,"b":1}}}}}"#, status: .badRequest, "`c`")
            try await client.refused(.post, uri, #"{"query":{"relevance_feedback":{"feedback":[],"strategy":{"naive":{"a":1,"b":1,"c":1}}}}}"#, status: .badRequest, "target")
            try await client.refused(.post, uri, #"{"query":{"relevance_feedback":{"target":99,"feedback":[],"strategy":{"naive":{"a":1,"b":1,"c":1}}}}}"#, status: .notFound, "99")
            try await client.refused(.post, uri, #"{"query":{"relevance_feedback":{"target":[1,0,0],"feedback":[],"strategy":{"naive":{"a":1,"b":1,"c":1}}}}}"#, status: .badRequest, "dim")
        }
    }

    @Test("formula errors: no prefetch, missing values, non-numbers, non-finite results, bad parameters; the server stays up")
    func formulaErrors() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            try await Self.seed(client)
            let uri = "/collections/c/points/query"
            try await client.refused(.post, uri, #"{"query":{"formula":"$score"}}"#, status: .badRequest, "without prefetches")
            try await client.refused(.post, uri, #"{"prefetch":{"query":[0,1],"limit":5},"filter":{"must_not":[{"has_id":[2]}]},"query":{"formula":"n"}}"#, status: .badRequest, "No value found for n")
            try await client.refused(.post, uri, #"{"prefetch":{"query":[1,0],"limit":2},"query":{"formula":"n"}}"#, status: .badRequest, "not a number")
            try await client.refused(.post, uri, #"{"prefetch":{"query":[1,0],"limit":1},"query":{"formula":{"div":{"left":1,"right":0}}}}"#, status: .badRequest, "non-finite")
            try await client.refused(.post, uri, #"{"prefetch":{"query":[1,0],"limit":1},"query":{"formula":{"ln":0}}}"#, status: .badRequest, "non-finite")
            try await client.refused(.post, uri, #"{"prefetch":{"query":[1,0],"limit":1},"query":{"formula":{"sqrt":-1}}}"#, status: .badRequest, "non-finite")
            try await client.refused(.post, uri, #"{"prefetch":{"query":[1,0],"limit":1},"query":{"formula":{"exp":1000}}}"#, status: .badRequest, "non-finite")
            try await client.refused(.post, uri, #"{"prefetch":{"query":[1,0],"limit":1},"query":{"formula":{"pow":{"base":-8,"exponent":0.5}}}}"#, status: .badRequest, "non-finite")
            try await client.refused(.post, uri, #"{"prefetch":{"query":[1,0],"limit":1},"query":{"formula":{"mult":[1e300,1e300]}}}"#, status: .badRequest, "non-finite")
            try await client.refused(.post, uri, #"{"prefetch":{"query":[1,0],"limit":1},"query":{"formula":{"gauss_decay":{"x":1,"midpoint":1}}}}"#, status: .badRequest, "midpoint")
            try await client.refused(.post, uri, #"{"prefetch":{"query":[1,0],"limit":1},"query":{"formula":{"exp_decay":{"x":1,"scale":0}}}}"#, status: .badRequest, "scale")
            try await client.refused(.post, uri, #"{"prefetch":{"query":[1,0],"limit":1},"query":{"formula":"$score[x]"}}"#, status: .badRequest, "score pattern")
            try await client.refused(.post, uri, #"{"prefetch":{"query":[1,0],"limit":1},"query":{"formula":{"datetime":"yesterday"}}}"#, status: .badRequest, "datetime")
            try await client.refused(.post, uri, #"{"prefetch":{"query":[1,0],"limit":1},"query":{"formula":{"geo_distance":{"origin":{"lon":0,"lat":0},"to":"tag"}}}}"#, status: .badRequest, "geo point")
            try await client.refused(.post, uri, #"{"prefetch":{"query":[1,0],"limit":1},"query":{"formula":{"geo_distance":{"origin":{"lon":500,"lat":0},"to":"at"}}}}"#, status: .badRequest, "origin")
            try await client.refused(.post, uri, #"{"prefetch":{"query":[1,0],"limit":1},"query":{"formula":{"datetime_key":"tag"}}}"#, status: .badRequest, "Expected datetime")
            try await client.refused(.post, uri, #"{"prefetch":{"query":[1,0],"limit":1},"query":{"formula":{"mult":3}}}"#, status: .badRequest, "list")
            try await client.refused(.post, uri, #"{"prefetch":{"query":[1,0],"limit":1},"query":{"formula":{"div":{"left":1}}}}"#, status: .badRequest, "right")
            try await client.refused(.post, uri, #"{"prefetch":{"query":[1,0],"limit":1},"query":{"formula":[1]}}"#, status: .badRequest, "expected")
            try await client.refused(.post, uri, #"{"prefetch":{"query":[1,0],"limit":1},"query":{"formula":"$score","defaults":[1]}}"#, status: .badRequest, "defaults")
            try await client.refused(.post, uri, #"{"prefetch":{"query":[1,0],"limit":1},"query":{"formula":{"bogus":1}}}"#, status: .badRequest, "filter")
            // Deep nesting is refused before it is evaluated.
            let deep = String(repeating: #"{"neg":"#, count: 40) + "1" + String(repeating: "}", count: 40)
            try await client.refused(.post, uri, #"{"prefetch":{"query":[1,0],"limit":1},"query":{"formula":\#(deep)}}"#, status: .badRequest, "deeper")
            let alive = try await points(client, #"{"prefetch":{"query":[1,0],"limit":1},"query":{"formula":{"mult":[2,"$score"]}}}"#)
            #expect(scores(alive) == [2])
        }
    }
}
