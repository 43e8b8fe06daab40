import JSON
import Foundation
import Testing
@testable import CollectionStore

/// Filters exactly as qdrant-client 1.20 sends them (copied from the recorded wire transcript),
/// and the other forms of Qdrant's filter schema.
enum WireFilters {
    /// `query_points` with must / should / must_not.
    static let queryDense = """
    {"should": [{"key": "tags", "match": {"any": ["swift", "db"]}}],
     "must": [{"key": "course_id", "match": {"value": 3}}],
     "must_not": [{"key": "organization_id", "match": {"value": "9a1c7a52-0000-4000-8000-000000000002"}}]}
    """
    /// `query_points` exact with a range whose bounds are floats on an integer field.
    static let rangeFloats = """
    {"must": [{"key": "course_id", "range": {"lt": 10.0, "gte": 1.0}}]}
    """
    /// scroll / count / delete / set_payload by filter.
    static let courseFour = """
    {"must": [{"key": "course_id", "match": {"value": 4}}]}
    """

    /// The two points of the transcript.
    static let points: [(PointID, String)] = [
        (.number(1), """
        {"course_id": 3, "organization_id": "9a1c7a52-0000-4000-8000-000000000001",
         "title": "Intro to Swift", "tags": ["swift", "ios"]}
        """),
        (PointID("5c56c793-69f3-4fbf-87e6-c4bf54c28c26")!, """
        {"course_id": 4, "organization_id": "9a1c7a52-0000-4000-8000-000000000002",
         "title": "Vectors 101", "tags": ["ml"]}
        """),
    ]
}

func decodeFilter(_ json: String) throws -> Filter {
    try JSONDecoder().decode(Filter.self, from: Data(json.utf8))
}

func payload(_ json: String) throws -> [String: JSONValue] {
    try JSONDecoder().decode([String: JSONValue].self, from: Data(json.utf8))
}

/// The `debugDescription` of the error decoding `json` throws (nil when it decodes).
func decodingError(_ json: String) -> String? {
    do {
        _ = try decodeFilter(json)
        return nil
    } catch let DecodingError.dataCorrupted(context) {
        return context.debugDescription
    } catch let DecodingError.typeMismatch(_, context) {
        return context.debugDescription
    } catch let DecodingError.keyNotFound(key, _) {
        return "missing \(key.stringValue)"
    } catch {
        return "\(error)"
    }
}

@Suite("Filter decoding")
struct FilterDecodingTests {
    @Test("the client's recorded filters decode to the expected model")
    func recordedFilters() throws {
        let dense = try decodeFilter(WireFilters.queryDense)
        #expect(dense.must == [.field(FieldCondition(key: PayloadPath("course_id")!, match: .value(.integer(3))))])
        #expect(dense.should == [.field(FieldCondition(key: PayloadPath("tags")!, match: .any(.keywords(["swift", "db"]))))])
        #expect(dense.mustNot == [.field(FieldCondition(
            key: PayloadPath("organization_id")!, match: .value(.keyword("9a1c7a52-0000-4000-8000-000000000002"))))])
        #expect(dense.minShould == nil)

        let range = try decodeFilter(WireFilters.rangeFloats)
        #expect(range.must == [.field(FieldCondition(key: PayloadPath("course_id")!, range: NumberRange(gte: 1, lt: 10)))])
    }

    @Test("every condition form of the schema decodes")
    func conditionForms() throws {
        let filter = try decodeFilter("""
        {"must": [
          {"key": "city", "match": {"value": "London"}},
          {"key": "archived", "match": {"value": false}},
          {"key": "tags", "match": {"except": [1, 2]}},
          {"key": "title", "match": {"text": "swift"}},
          {"key": "meta.level", "range": {"gt": 1, "lte": 2.5}},
          {"key": "chapters[].title", "values_count": {"gte": 2}},
          {"has_id": [1, "5C56C793-69F3-4FBF-87E6-C4BF54C28C26", "5c56c79369f34fbf87e6c4bf54c28c27"]},
          {"is_empty": {"key": "x"}},
          {"is_null": {"key": "y"}},
          {"nested": {"key": "diet", "filter": {"must": [{"key": "food", "match": {"value": "meat"}}]}}},
          {"should": [{"key": "a", "match": {"any": []}}], "must_not": {"key": "b", "match": {"value": 1}}},
          {}
        ],
        "min_should": {"conditions": [{"key": "a", "match": {"value": 1}}, {"key": "b", "match": {"value": 2}}], "min_count": 1}}
        """)
        let must = try #require(filter.must)
        #expect(must.count == 12)
        #expect(must[1] == .field(FieldCondition(key: PayloadPath("archived")!, match: .value(.bool(false)))))
        #expect(must[2] == .field(FieldCondition(key: PayloadPath("tags")!, match: .except(.integers([1, 2])))))
        #expect(must[3] == .field(FieldCondition(key: PayloadPath("title")!, match: .text("swift"))))
        #expect(must[4] == .field(FieldCondition(key: PayloadPath(firstKey: "meta", steps: [.key("level")]), range: NumberRange(gt: 1, lte: 2.5))))
        #expect(must[5] == .field(FieldCondition(
            key: PayloadPath(firstKey: "chapters", steps: [.everyElement, .key("title")]), predicate: .valuesCount(ValuesCount(gte: 2)))))
        #expect(must[6] == .hasID([
            .number(1),
            PointID("5c56c793-69f3-4fbf-87e6-c4bf54c28c26")!,
            PointID("5c56c793-69f3-4fbf-87e6-c4bf54c28c27")!,
        ]))
        #expect(must[7] == .isEmpty(PayloadPath("x")!))
        #expect(must[8] == .isNull(PayloadPath("y")!))
        guard case .nested(let nested) = must[9] else { Issue.record("not nested"); return }
        #expect(nested.key == PayloadPath("diet")!)
        guard case .filter(let inner) = must[10] else { Issue.record("not a filter"); return }
        #expect(inner.should == [.field(FieldCondition(key: PayloadPath("a")!, match: .any(.keywords([]))))])
        #expect(inner.mustNot?.count == 1)  // a single condition object, not a list
        #expect(must[11] == .filter(Filter()))
        #expect(filter.minShould?.minCount == 1)
    }

    @Test("encoding gives back what decoding reads")
    func roundTrip() throws {
        let json = """
        {"must": [{"key": "a[].b", "match": {"any": [1, 2]}}, {"has_id": [7, "5c56c793-69f3-4fbf-87e6-c4bf54c28c26"]},
                  {"key": "\\"odd key\\".x", "range": {"gte": 0.5}}, {"is_null": {"key": "n"}},
                  {"nested": {"key": "d", "filter": {"should": [{"key": "t", "match": {"text": "hi"}}]}}}],
         "should": [], "must_not": [{"must": [{"key": "c", "values_count": {"lt": 3}}]}],
         "min_should": {"conditions": [{"key": "k", "match": {"except": ["x"]}}], "min_count": 1}}
        """
        let filter = try decodeFilter(json)
        let encoded = try JSONEncoder().encode(filter)
        #expect(try JSONDecoder().decode(Filter.self, from: encoded) == filter)
        #expect(filter.should == [])
    }

    @Test("malformed filters are rejected with a message naming the problem")
    func badFilters() {
        let cases: [(String, String)] = [
            (#"{"muts": []}"#, "unknown field `muts`"),
            (#"{"must": [{"filter": {"must": []}}]}"#, "Expected some form of condition"),
            (#"{"must": [{"key": "a"}]}"#, "At least one field condition"),
            (#"{"must": [{"key": "a", "match": {"value": 1.5}}]}"#, "must be a string, an integer or a bool"),
            (#"{"must": [{"key": "a", "match": {"value": [1]}}]}"#, "must be a string, an integer or a bool"),
            (#"{"must": [{"key": "a", "match": {"any": ["x", 1]}}]}"#, "list of strings or a list of integers"),
            (#"{"must": [{"key": "a", "match": {}}]}"#, "exactly one of"),
            (#"{"must": [{"key": "a", "match": {"prefix": "x"}}]}"#, "not supported"),
            (#"{"must": [{"key": "a", "match": {"value": 1}, "range": {"lt": 2}}]}"#, "exactly one of"),
            (#"{"must": [{"key": "a b", "match": {"value": 1}}]}"#, "invalid payload key"),
            (#"{"must": [{"key": "a..b", "match": {"value": 1}}]}"#, "invalid payload key"),
            (#"{"must": [{"key": "a[x]", "match": {"value": 1}}]}"#, "invalid payload key"),
            (#"{"must": [{"key": "a", "range": {"lt": "2024-13-01"}}]}"#, "is not an RFC 3339 datetime"),
            (#"{"must": [{"key": "a", "range": {"lt": "yesterday"}}]}"#, "is not an RFC 3339 datetime"),
            (#"{"must": [{"key": "a", "range": {"gt": "2024-01-01", "lt": 5}}]}"#, "all numbers or all RFC 3339"),
            (#"{"must": [{"key": "a", "match": {"text_any": 5}}]}"#, ""),
            (#"{"must": [{"key": "a", "range": {"lt": true}}]}"#, "must be a number"),
            (#"{"must": [{"key": "a", "values_count": {"lt": -1}}]}"#, "non-negative integer"),
            (#"{"must": [{"has_id": [-1]}]}"#, "unsigned integer or a UUID"),
            (#"{"must": [{"has_id": ["12"]}]}"#, "unsigned integer or a UUID"),
            (#"{"must": [{"has_id": [1.5]}]}"#, "unsigned integer or a UUID"),
            (#"{"must": [{"has_vector": 3}]}"#, "must be a vector name"),
            (#"{"must": [{"key": "g", "geo_radius": {}}]}"#, ""),
            (#"{"must": [{"key": "g", "geo_bounding_box": {"top_left": {"lon": 0, "lat": 100}, "bottom_right": {"lon": 1, "lat": 0}}}]}"#, "outside [-90, 90]"),
            (#"{"min_should": {"conditions": [], "min_count": 0}}"#, "must be 1 or larger"),
            (#"{"must": [3]}"#, "Expected some form of condition"),
            (#"{"must": [{"is_empty": {"key": 3}}]}"#, ""),
        ]
        for (json, expected) in cases {
            let message = decodingError(json)
            #expect(message != nil, "accepted: \(json)")
            if let message, !expected.isEmpty {
                #expect(message.contains(expected), "\(json) → \(message)")
            }
        }
        #expect(decodingError(#"[1]"#) != nil)
    }

    @Test("filters nested deeper than the limit are rejected; at the limit they decode")
    func nestingLimit() throws {
        func nested(_ depth: Int, clause: String) -> String {
            var json = #"{"key": "a", "match": {"value": 1}}"#
            for _ in 0..<depth { json = "{\"\(clause)\": [\(json)]}" }
            return json
        }
        let atLimit = try decodeFilter(nested(Filter.maxNestingDepth, clause: "must"))
        #expect(atLimit.depth == Filter.maxNestingDepth)
        let tooDeep = decodingError(nested(Filter.maxNestingDepth + 1, clause: "should"))
        #expect(tooDeep?.contains("nested more than \(Filter.maxNestingDepth) levels") == true)
        // Very deep input fails cleanly too (no stack exhaustion).
        #expect(decodingError(nested(400, clause: "must_not")) != nil)
    }

    @Test("payload paths parse Qdrant's key syntax and print canonically")
    func paths() {
        #expect(PayloadPath("a")?.steps == [])
        #expect(PayloadPath("a.b[].c[3]")?.steps == [.key("b"), .everyElement, .key("c"), .index(3)])
        #expect(PayloadPath(#""a.b".c"#)?.firstKey == "a.b")
        #expect(PayloadPath("héllo_wörld-2")?.firstKey == "héllo_wörld-2")
        for bad in ["", ".a", "a.", "a[", "a[]]", "a b", "a.[0]", #""unterminated"#] {
            #expect(PayloadPath(bad) == nil, "\(bad)")
        }
        for text in ["a", "a.b", "a[].b", "x[2][]", #""a b".c"#] {
            #expect(PayloadPath(text)?.description == text)
        }
    }
}
