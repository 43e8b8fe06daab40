import JSON
import Foundation
import Search
import Storage
import Testing
@testable import CollectionStore

/// Search's deterministic generator, so a failing case can be replayed from its seed.
typealias SplitMix = SplitMix64

/// A small in-memory collection: internal id → (external id, payload), and the live set.
struct TestPoints {
    var points: [(PointID, [String: JSONValue])?]
    var capacity: Int { points.count }

    var live: AllowList {
        AllowList(capacity: capacity, ids: points.indices.filter { points[$0] != nil }.map { UInt32($0) })
    }

    func payloadOf(_ id: UInt32) -> (PointID, [String: JSONValue])? { points[Int(id)] }

    func resolveID(_ id: PointID) -> UInt32? {
        points.firstIndex { $0?.0 == id }.map { UInt32($0) }
    }

    var pairs: [(UInt32, [String: JSONValue])] {
        points.indices.compactMap { i in points[i].map { (UInt32(i), $0.1) } }
    }

    /// The ids `matches` accepts, by brute force.
    func bruteForce(_ matches: (PointID, [String: JSONValue]) -> Bool) -> [UInt32] {
        points.indices.compactMap { i in
            guard let (id, payload) = points[i], matches(id, payload) else { return nil }
            return UInt32(i)
        }
    }
}

/// Random payloads and filters over a shared vocabulary, so conditions hit and miss often.
struct RandomCorpus {
    var rng: SplitMix
    static let cities = ["London", "Paris", "Berlin", "Rome"]
    static let uuids = ["9a1c7a52-0000-4000-8000-000000000001", "9a1c7a52-0000-4000-8000-000000000002", "9A1C7A52-0000-4000-8000-000000000003"]
    static let words = ["intro", "swift", "vectors", "search", "db"]

    mutating func pick<T>(_ options: [T]) -> T { options[Int.random(in: 0..<options.count, using: &rng)] }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }

    mutating func scalar() -> JSONValue {
        switch Int.random(in: 0..<7, using: &rng) {
        case 0: .string(pick(Self.cities))
        case 1: .int(Int64.random(in: -3...3, using: &rng))
        case 2: .double(pick([0.5, 1.0, 2.5, -1.5]))
        case 3: .bool(chance(0.5))
        case 4: .null
        case 5: .string(pick(Self.uuids))
        default: .string(pick(["3", "", "x y"]))
        }
    }

    /// A value for a field whose usual type is produced by `typical`.
    mutating func value(_ typical: (inout SplitMix) -> JSONValue) -> JSONValue? {
        switch Int.random(in: 0..<10, using: &rng) {
        case 0: return nil
        case 1: return scalar()
        case 2: return .array([])
        case 3: return .array((0..<Int.random(in: 1...3, using: &rng)).map { _ in chance(0.8) ? typical(&rng) : scalar() })
        default: return typical(&rng)
        }
    }

    mutating func payload() -> [String: JSONValue] {
        var p: [String: JSONValue] = [:]
        p["city"] = value { .string(Self.cities.randomElement(using: &$0)!) }
        p["n"] = value { .int(Int64.random(in: -3...3, using: &$0)) }
        p["price"] = value { Bool.random(using: &$0) ? .double(Double(Int.random(in: -4...8, using: &$0)) / 2) : .int(Int64.random(in: -2...4, using: &$0)) }
        p["flag"] = value { .bool(Bool.random(using: &$0)) }
        p["org"] = value { .string(Self.uuids.randomElement(using: &$0)!) }
        p["title"] = value { rng in
            .string((0..<Int.random(in: 1...3, using: &rng)).map { _ in Self.words.randomElement(using: &rng)! }.joined(separator: " "))
        }
        if chance(0.7) {
            let meta: JSONValue = .object(["level": .int(Int64.random(in: 0...3, using: &rng)), "name": .string(pick(Self.cities))])
            p["meta"] = chance(0.3) ? .array([meta, .object(["level": .int(Int64.random(in: 0...3, using: &rng))])]) : meta
        }
        return p
    }

    mutating func condition(depth: Int, ids: [PointID]) -> Condition {
        let keys = ["city", "n", "price", "flag", "org", "title", "meta.level", "meta[].level", "meta.name", "missing"]
        let key = PayloadPath(pick(keys))!
        switch Int.random(in: 0..<(depth > 0 ? 14 : 12), using: &rng) {
        case 0: return .field(FieldCondition(key: key, match: .value(.keyword(pick(Self.cities + Self.uuids + ["3"])))))
        case 1: return .field(FieldCondition(key: key, match: .value(.integer(Int64.random(in: -3...3, using: &rng)))))
        case 2: return .field(FieldCondition(key: key, match: .value(.bool(chance(0.5)))))
        case 3: return .field(FieldCondition(key: key, match: .any(.keywords((0..<Int.random(in: 0...2, using: &rng)).map { _ in pick(Self.cities + Self.uuids) }))))
        case 4: return .field(FieldCondition(key: key, match: .any(.integers((0..<Int.random(in: 0...3, using: &rng)).map { _ in Int64.random(in: -3...3, using: &rng) }))))
        case 5: return .field(FieldCondition(key: key, match: .except(chance(0.5) ? .keywords([pick(Self.cities)]) : .integers([Int64.random(in: -3...3, using: &rng)]))))
        case 6:
            var r = NumberRange()
            if chance(0.6) { if chance(0.5) { r.gt = Double(Int.random(in: -4...4, using: &rng)) / 2 } else { r.gte = Double(Int.random(in: -3...3, using: &rng)) } }
            if chance(0.6) { if chance(0.5) { r.lt = Double(Int.random(in: -2...8, using: &rng)) / 2 } else { r.lte = Double(Int.random(in: -3...3, using: &rng)) } }
            return .field(FieldCondition(key: key, range: r))
        case 7: return .isEmpty(key)
        case 8: return .isNull(key)
        case 9: return .hasID(Set((0..<Int.random(in: 0...4, using: &rng)).map { _ in pick(ids) }))
        case 10: return .field(FieldCondition(key: key, predicate: .valuesCount(ValuesCount(gte: Int.random(in: 0...2, using: &rng)))))
        case 11: return .field(FieldCondition(key: PayloadPath("title")!, match: .text(pick(Self.words + ["Swift", "ctor", "intro search"]))))
        case 12: return .nested(NestedCondition(key: PayloadPath("meta")!, filter: filter(depth: 0, ids: ids)))
        default: return .filter(filter(depth: depth - 1, ids: ids))
        }
    }

    /// A condition that `corpusIndexes` answer exactly (so a filter of these reads no payload).
    mutating func indexedCondition(depth: Int, ids: [PointID]) -> Condition {
        func key(_ k: String) -> PayloadPath { PayloadPath(k)! }
        switch Int.random(in: 0..<(depth > 0 ? 10 : 9), using: &rng) {
        case 0: return .field(FieldCondition(key: key(pick(["city", "meta.name"])), match: .value(.keyword(pick(Self.cities)))))
        case 1: return .field(FieldCondition(key: key(pick(["city", "meta.name"])), match: .any(.keywords((0..<Int.random(in: 0...2, using: &rng)).map { _ in pick(Self.cities) }))))
        case 2: return .field(FieldCondition(key: key("org"), match: chance(0.5) ? .value(.keyword(pick(Self.uuids))) : .any(.keywords([pick(Self.uuids), pick(Self.uuids)]))))
        case 3: return .field(FieldCondition(key: key(pick(["n", "meta.level"])), match: chance(0.5) ? .value(.integer(Int64.random(in: -3...3, using: &rng))) : .any(.integers([Int64.random(in: -3...3, using: &rng), Int64.random(in: 0...3, using: &rng)]))))
        case 4:
            var r = NumberRange()
            if chance(0.7) { if chance(0.5) { r.gt = Double(Int.random(in: -4...6, using: &rng)) / 2 } else { r.gte = Double(Int.random(in: -4...6, using: &rng)) / 2 } }
            if chance(0.7) { if chance(0.5) { r.lt = Double(Int.random(in: -2...8, using: &rng)) / 2 } else { r.lte = Double(Int.random(in: -2...8, using: &rng)) / 2 } }
            return .field(FieldCondition(key: key(pick(["n", "meta.level", "price", "meta[].level"])), range: r))
        case 5: return .field(FieldCondition(key: key("flag"), match: .value(.bool(chance(0.5)))))
        case 6: return .isEmpty(key(pick(corpusIndexes.map(\.0))))
        case 7: return .isNull(key(pick(corpusIndexes.map(\.0))))
        case 8: return .hasID(Set((0..<Int.random(in: 0...6, using: &rng)).map { _ in pick(ids) }))
        default: return .filter(indexedFilter(depth: depth - 1, ids: ids))
        }
    }

    mutating func indexedFilter(depth: Int, ids: [PointID]) -> Filter {
        func clause(_ me: inout RandomCorpus) -> [Condition]? {
            switch Int.random(in: 0..<4, using: &me.rng) {
            case 0: return nil
            case 1: return []
            default: return (0..<Int.random(in: 1...2, using: &me.rng)).map { _ in me.indexedCondition(depth: depth, ids: ids) }
            }
        }
        var f = Filter(must: clause(&self), should: clause(&self), mustNot: clause(&self))
        if chance(0.2) {
            let list = (0..<Int.random(in: 1...3, using: &rng)).map { _ in indexedCondition(depth: depth, ids: ids) }
            f.minShould = MinShould(conditions: list, minCount: Int.random(in: 1...3, using: &rng))
        }
        return f
    }

    mutating func conditions(depth: Int, ids: [PointID]) -> [Condition]? {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: return nil
        case 1: return []
        default: return (0..<Int.random(in: 1...3, using: &rng)).map { _ in condition(depth: depth, ids: ids) }
        }
    }

    mutating func filter(depth: Int, ids: [PointID]) -> Filter {
        var f = Filter(must: conditions(depth: depth, ids: ids), should: conditions(depth: depth, ids: ids), mustNot: conditions(depth: depth, ids: ids))
        if chance(0.2) {
            let list = (0..<Int.random(in: 1...3, using: &rng)).map { _ in condition(depth: depth, ids: ids) }
            f.minShould = MinShould(conditions: list, minCount: Int.random(in: 1...3, using: &rng))
        }
        return f
    }
}

/// Every index type over the corpus's fields.
let corpusIndexes: [(String, PayloadFieldSchema)] = [
    ("city", PayloadFieldSchema(.keyword)), ("n", PayloadFieldSchema(.integer)), ("price", PayloadFieldSchema(.float)),
    ("flag", PayloadFieldSchema(.bool)), ("org", PayloadFieldSchema(.uuid)), ("title", PayloadFieldSchema(.text)),
    ("meta.level", PayloadFieldSchema(.integer)), ("meta[].level", PayloadFieldSchema(.float)), ("meta.name", PayloadFieldSchema(.keyword)),
]

@Suite("Payload indexes")
struct PayloadIndexTests {
    func makeCorpus(seed: UInt64, count: Int) -> (RandomCorpus, TestPoints) {
        var corpus = RandomCorpus(rng: SplitMix(seed: seed))
        var points = TestPoints(points: [])
        for i in 0..<count {
            let id: PointID = i % 5 == 0 ? .uuid(UUID(uuid: (0, 0, 0, 0, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, UInt8(i % 256)))) : .number(UInt64(i * 3))
            points.points.append((id, corpus.payload()))
        }
        return (corpus, points)
    }

    @Test("indexed, unindexed and brute-force answers agree on random payloads and filters, through updates and deletes")
    func equivalence() throws {
        for seed: UInt64 in [1, 2, 3] {
            var (corpus, points) = makeCorpus(seed: seed, count: 160)
            let unindexed = PayloadIndexSet()
            let indexed = PayloadIndexSet()
            // Half the indexes exist before the points arrive, half are built over existing points.
            for (field, schema) in corpusIndexes.prefix(4) { try indexed.createIndex(field: field, schema: schema) }
            for (id, payload) in points.pairs { indexed.update(id: id, payload: payload) }
            for (field, schema) in corpusIndexes.dropFirst(4) { try indexed.createIndex(field: field, schema: schema, points: points.pairs) }

            for round in 0..<3 {
                let ids = points.points.compactMap { $0?.0 } + [.number(999_999)]
                for _ in 0..<70 {
                    let filter = corpus.filter(depth: 2, ids: ids)
                    // Text conditions compare tokens on text-indexed keys and substrings elsewhere (as Qdrant).
                    let expected = points.bruteForce { filter.matches(id: $0, payload: $1, tokenizedKeys: indexed.tokenizedKeys) }
                    let expectedPlain = points.bruteForce { filter.matches(id: $0, payload: $1) }
                    let plain = unindexed.allowList(for: filter, capacity: points.capacity, liveIDs: points.live, payloadOf: points.payloadOf)
                    let fast = indexed.allowList(for: filter, capacity: points.capacity, liveIDs: points.live, payloadOf: points.payloadOf, resolveID: points.resolveID)
                    #expect(plain.ids == expectedPlain, "seed \(seed) round \(round) unindexed: \(filter)")
                    #expect(fast.ids == expected, "seed \(seed) round \(round) indexed: \(filter)")

                }
                // Rewrite, delete and add points, then check again.
                for _ in 0..<40 {
                    let i = Int.random(in: 0..<points.capacity, using: &corpus.rng)
                    if corpus.chance(0.3) {
                        points.points[i] = nil
                        indexed.update(id: UInt32(i), payload: nil)
                    } else {
                        let p = corpus.payload()
                        points.points[i] = (points.points[i]?.0 ?? .number(UInt64(10_000 + i)), p)
                        indexed.update(id: UInt32(i), payload: p)
                    }
                }
                for _ in 0..<10 {
                    let p = corpus.payload()
                    points.points.append((.number(UInt64(20_000 + points.capacity)), p))
                    indexed.update(id: UInt32(points.capacity - 1), payload: p)
                }
            }
        }
    }

    @Test("filters of indexed conditions are answered from the indexes alone, exactly, through updates")
    func indexedOnly() throws {
        var (corpus, points) = makeCorpus(seed: 21, count: 200)
        let set = PayloadIndexSet()
        for (field, schema) in corpusIndexes { try set.createIndex(field: field, schema: schema, points: points.pairs) }
        var nonTrivial = 0
        for round in 0..<3 {
            let ids = points.points.compactMap { $0?.0 }
            for _ in 0..<120 {
                let filter = corpus.indexedFilter(depth: 2, ids: ids)
                let expected = points.bruteForce { filter.matches(id: $0, payload: $1, tokenizedKeys: set.tokenizedKeys) }
                var reads = 0
                let got = set.allowList(
                    for: filter, capacity: points.capacity, liveIDs: points.live,
                    payloadOf: { reads += 1; return points.payloadOf($0) }, resolveID: points.resolveID)
                #expect(got.ids == expected, "round \(round): \(filter)")
                #expect(reads == 0, "payload read for \(filter)")
                if !expected.isEmpty && expected.count < points.live.count { nonTrivial += 1 }
            }
            for _ in 0..<60 {
                let i = Int.random(in: 0..<points.capacity, using: &corpus.rng)
                let p: [String: JSONValue]? = corpus.chance(0.3) ? nil : corpus.payload()
                points.points[i] = p.map { (points.points[i]?.0 ?? .number(UInt64(50_000 + i)), $0) }
                set.update(id: UInt32(i), payload: p)
            }
        }
        #expect(nonTrivial > 100)  // the filters select real subsets, not just all or nothing
    }

    @Test("range index stays exact across many rewrites (pending buffer and compaction)")
    func rangeCompaction() throws {
        let set = PayloadIndexSet()
        try set.createIndex(field: "x", schema: PayloadFieldSchema(.float))
        var rng = SplitMix(seed: 7)
        var values = [Double?](repeating: nil, count: 3000)
        for step in 0..<9000 {
            let i = Int.random(in: 0..<values.count, using: &rng)
            if step % 7 == 0 {
                values[i] = nil
                set.update(id: UInt32(i), payload: nil)
            } else {
                let v = Double(Int.random(in: 0..<500, using: &rng)) / 4
                values[i] = v
                set.update(id: UInt32(i), payload: ["x": .double(v)])
            }
        }
        let points = TestPoints(points: values.map { v in v.map { (.number(0), ["x": .double($0)]) } })
        for _ in 0..<60 {
            var range = NumberRange()
            let lo = Double(Int.random(in: -4..<500, using: &rng)) / 4, hi = lo + Double(Int.random(in: 0..<40, using: &rng)) / 4
            if Bool.random(using: &rng) { range.gt = lo } else { range.gte = lo }
            if Bool.random(using: &rng) { range.lt = hi } else { range.lte = hi }
            if Int.random(in: 0..<6, using: &rng) == 0 { range.gt = nil; range.gte = nil }
            if Int.random(in: 0..<6, using: &rng) == 0 { range.lt = nil; range.lte = nil }
            let filter = Filter(must: [.field(FieldCondition(key: PayloadPath("x")!, range: range))])
            let got = set.allowList(for: filter, capacity: points.capacity, liveIDs: points.live, payloadOf: { _ in nil })
            #expect(got.ids == points.bruteForce { filter.matches(id: $0, payload: $1) }, "\(range)")
        }
    }

    @Test("fully indexed filters are answered without reading any payload")
    func noPayloadReads() throws {
        let (_, points) = makeCorpus(seed: 11, count: 120)
        let set = PayloadIndexSet()
        for (field, schema) in corpusIndexes { try set.createIndex(field: field, schema: schema, points: points.pairs) }
        let filter = try decodeFilter("""
        {"must": [{"key": "city", "match": {"any": ["London", "Paris"]}}, {"key": "price", "range": {"gte": 0.0}}],
         "should": [{"key": "n", "match": {"value": 1}}, {"key": "flag", "match": {"value": true}}, {"is_empty": {"key": "org"}}],
         "must_not": [{"key": "meta.level", "match": {"value": 2}}, {"has_id": [3, 6]}],
         "min_should": {"conditions": [{"key": "meta.name", "match": {"value": "Rome"}}, {"is_null": {"key": "city"}}, {"key": "n", "range": {"lt": 2}}], "min_count": 1}}
        """)
        let result = set.allowList(
            for: filter, capacity: points.capacity, liveIDs: points.live,
            payloadOf: { _ in Issue.record("payload read"); return nil }, resolveID: points.resolveID)
        #expect(result.ids == points.bruteForce { filter.matches(id: $0, payload: $1) })
        #expect(!result.ids.isEmpty)
    }

    @Test("the result has the requested capacity whatever the live list's capacity")
    func capacityMismatch() throws {
        let points = TestPoints(points: (0..<10).map { (.number(UInt64($0)), ["n": .int(Int64($0 % 3))]) })
        let set = PayloadIndexSet()
        try set.createIndex(field: "n", schema: PayloadFieldSchema(.integer), points: points.pairs)
        let filter = try decodeFilter(#"{"must": [{"key": "n", "match": {"value": 1}}]}"#)
        let bigger = set.allowList(for: filter, capacity: 100, liveIDs: points.live, payloadOf: points.payloadOf)
        #expect(bigger.capacity == 100 && bigger.ids == [1, 4, 7])
        let smaller = set.allowList(for: filter, capacity: 5, liveIDs: points.live, payloadOf: points.payloadOf)
        #expect(smaller.capacity == 5 && smaller.ids == [1, 4])
        let scanned = PayloadIndexSet().allowList(for: filter, capacity: 100, liveIDs: points.live, payloadOf: points.payloadOf)
        #expect(scanned.capacity == 100 && scanned.ids == [1, 4, 7])
        let everything = set.allowList(for: Filter(), capacity: 100, liveIDs: points.live, payloadOf: points.payloadOf)
        #expect(everything.capacity == 100 && everything.count == 10)
    }

    @Test("a text index answers match.text exactly, or as candidates when a point holds several strings")
    func textIndex() throws {
        var docs: [JSONValue] = ["Intro to Swift", "swift vectors", "Swiftly", "SEARCH in Swift and DB", "db"].map { .string($0) }
        var points = TestPoints(points: docs.enumerated().map { (.number(UInt64($0.offset)), ["title": $0.element]) })
        let set = PayloadIndexSet()
        try set.createIndex(field: "title", schema: PayloadFieldSchema(.text), points: points.pairs)
        func ids(_ text: String, expectReads: Bool = false) -> [UInt32] {
            let filter = Filter(must: [.field(FieldCondition(key: PayloadPath("title")!, match: .text(text)))])
            var reads = 0
            let got = set.allowList(for: filter, capacity: points.capacity, liveIDs: points.live, payloadOf: { reads += 1; return points.payloadOf($0) })
            #expect(got.ids == points.bruteForce { filter.matches(id: $0, payload: $1, tokenizedKeys: set.tokenizedKeys) })
            #expect((reads > 0) == expectReads, "\(text): \(reads) payload reads")
            return got.ids
        }
        #expect(ids("swift") == [0, 1, 3])
        #expect(ids("Swift DB") == [3])
        #expect(ids("swi") == [])
        #expect(ids("!!") == [])
        // A point with two strings: its tokens are pooled in the index, but a match needs one string.
        docs.append(.array([.string("search"), .string("swift")]))
        points.points.append((.number(5), ["title": docs[5]]))
        set.update(id: 5, payload: ["title": docs[5]])
        #expect(ids("swift search", expectReads: true) == [3])
        #expect(ids("swift", expectReads: true) == [0, 1, 3, 5])
        set.update(id: 5, payload: nil)
        points.points[5] = nil
        #expect(ids("swift") == [0, 1, 3])
    }

    @Test("a datetime index answers datetime ranges exactly, without payload reads, as brute force does")
    func datetimeIndex() throws {
        let values: [JSONValue] = [
            .string("2024-01-01T00:00:00Z"), .string("2024-01-01T01:00:00+02:00"), .string("2024-06-30"),
            .array([.string("2023-01-01"), .string("2025-01-01 12:00:00")]), .string("not a date"), .int(5), .null,
        ]
        let points = TestPoints(points: values.enumerated().map { (.number(UInt64($0.offset)), ["t": $0.element]) })
        let set = PayloadIndexSet()
        try set.createIndex(field: "t", schema: PayloadFieldSchema(.datetime), points: points.pairs)
        #expect(set.schema["t"]?.points == 4)
        func ids(_ range: DatetimeRange) -> [UInt32] {
            let filter = Filter(must: [.field(FieldCondition(key: PayloadPath("t")!, predicate: .datetimeRange(range)))])
            var reads = 0
            let got = set.allowList(for: filter, capacity: points.capacity, liveIDs: points.live, payloadOf: { reads += 1; return points.payloadOf($0) })
            #expect(got.ids == points.bruteForce { filter.matches(id: $0, payload: $1) })
            #expect(reads == 0)
            return got.ids
        }
        let jan1 = DateTime.microseconds("2024-01-01")!
        #expect(ids(DatetimeRange(gte: jan1)) == [0, 2, 3])
        #expect(ids(DatetimeRange(lt: jan1)) == [1, 3])  // 2023-12-31T23:00Z, and 2023-01-01
        #expect(ids(DatetimeRange(gt: jan1, lt: DateTime.microseconds("2024-12-31")!)) == [2])
    }

    @Test("payload_schema reports types, params and indexed point counts; indexes drop and rebuild")
    func schema() throws {
        let points = TestPoints(points: try WireFilters.points.map { ($0.0, try payload($0.1)) }
            + [(.number(9), ["course_id": .string("x"), "tags": .array([])])])
        let set = PayloadIndexSet()
        let keyword = try JSONDecoder().decode(PayloadFieldSchema.self, from: Data(#"{"type": "keyword", "is_tenant": true}"#.utf8))
        try set.createIndex(field: "organization_id", schema: keyword, points: points.pairs)
        try set.createIndex(field: "course_id", schema: PayloadFieldSchema(.integer), points: points.pairs)
        try set.createIndex(field: "tags", schema: PayloadFieldSchema(.keyword), points: points.pairs)
        #expect(set.schema["organization_id"] == PayloadSchemaInfo(dataType: .keyword, params: ["type": .string("keyword"), "is_tenant": .bool(true)], points: 2))
        #expect(set.schema["course_id"] == PayloadSchemaInfo(dataType: .integer, params: nil, points: 2))
        #expect(set.schema["tags"]?.points == 2)

        let encoded = String(decoding: try JSONEncoder().encode(set.schema["course_id"]!), as: UTF8.self)
        #expect(encoded.contains(#""data_type":"integer""#) && encoded.contains(#""points":2"#))

        set.update(id: 0, payload: nil)
        #expect(set.schema["course_id"]?.points == 1)
        #expect(set.dropIndex(field: "tags"))
        #expect(!set.dropIndex(field: "tags"))
        #expect(set.schema["tags"] == nil)

        // Recreating from the persisted definitions, then replaying the points, gives the same state.
        let restored = try PayloadIndexSet(definitions: set.definitions)
        for (id, payload) in points.pairs where id != 0 { restored.update(id: id, payload: payload) }
        #expect(restored.schema == set.schema)
        #expect(restored.indexType(of: "organization_id") == .keyword)

        #expect(throws: PayloadIndexError.invalidFieldName("a b")) { try set.createIndex(field: "a b", schema: PayloadFieldSchema(.bool)) }
    }

    @Test("field_schema decodes the string and object forms and rejects the rest")
    func fieldSchemaCoding() throws {
        func decode(_ json: String) throws -> PayloadFieldSchema {
            try JSONDecoder().decode(PayloadFieldSchema.self, from: Data(json.utf8))
        }
        for type in PayloadSchemaType.allCases {
            #expect(try decode("\"\(type.rawValue)\"") == PayloadFieldSchema(type))
        }
        let text = try decode(#"{"type": "text", "tokenizer": "word", "lowercase": true}"#)
        #expect(text.type == .text && text.params?["tokenizer"] == .string("word"))
        #expect(try JSONDecoder().decode(PayloadFieldSchema.self, from: JSONEncoder().encode(text)) == text)
        #expect(String(decoding: try JSONEncoder().encode(PayloadFieldSchema(.uuid)), as: UTF8.self) == #""uuid""#)
        for bad in [#""geography""#, #""datetim""#, #""keywrd""#, #"{"tokenizer": "word"}"#, "3", #"["keyword"]"#] {
            #expect(throws: DecodingError.self, "\(bad)") { try decode(bad) }
        }
    }
}

@Suite("Posting list")
struct PostingListTests {
    @Test("agrees with a Set through appends, out-of-order inserts, removals and compactions")
    func againstSet() {
        var rng = SplitMix(seed: 3)
        var list = PostingList()
        var reference = Set<UInt32>()
        var next: UInt32 = 0
        for step in 0..<20_000 {
            let roll = Int.random(in: 0..<10, using: &rng)
            if roll < 4 {
                list.insert(next); reference.insert(next); next += 1
            } else if roll < 6, next > 0 {
                let id = UInt32.random(in: 0..<next, using: &rng)
                list.insert(id); reference.insert(id)
            } else if next > 0 {
                let id = UInt32.random(in: 0..<next, using: &rng)
                list.remove(id); reference.remove(id)
            }
            if step % 997 == 0 || step == 19_999 {
                var seen: [UInt32] = []
                list.forEach { seen.append($0) }
                #expect(seen.sorted() == reference.sorted())
                #expect(list.count == reference.count)
                for id in 0..<next where id % 7 == 0 { #expect(list.contains(id) == reference.contains(id)) }
            }
        }
        #expect(reference.count > 1000)
    }
}
