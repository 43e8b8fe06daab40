import Foundation
import Testing
@testable import CollectionStore

/// Evaluates `filterJSON` on one payload (id 1 unless given).
private func check(_ filterJSON: String, _ payloadJSON: String, id: PointID = .number(1)) throws -> Bool {
    try decodeFilter(filterJSON).matches(id: id, payload: payload(payloadJSON))
}

/// `{"must": [condition]}`.
private func must(_ condition: String) -> String { #"{"must": ["# + condition + "]}" }

@Suite("Filter evaluation")
struct FilterEvaluationTests {
    @Test("the client's recorded filters select the recorded points")
    func recorded() throws {
        let points = try WireFilters.points.map { ($0.0, try payload($0.1)) }
        func selected(_ json: String) throws -> [PointID] {
            let filter = try decodeFilter(json)
            return points.filter { filter.matches(id: $0.0, payload: $0.1) }.map(\.0)
        }
        #expect(try selected(WireFilters.queryDense) == [.number(1)])
        #expect(try selected(WireFilters.rangeFloats) == [.number(1), points[1].0])
        #expect(try selected(WireFilters.courseFour) == [points[1].0])
        #expect(try selected(#"{"must": [{"has_id": ["5C56C793-69F3-4FBF-87E6-C4BF54C28C26"]}]}"#) == [points[1].0])
        #expect(try selected(#"{"must_not": [{"key": "tags", "match": {"value": "ml"}}]}"#) == [.number(1)])
    }

    @Test("match value: strings, integers and bools by type; arrays by any element")
    func matchValue() throws {
        #expect(try check(must(#"{"key": "c", "match": {"value": "London"}}"#), #"{"c": "London"}"#))
        #expect(try !check(must(#"{"key": "c", "match": {"value": "london"}}"#), #"{"c": "London"}"#))
        #expect(try check(must(#"{"key": "c", "match": {"value": "London"}}"#), #"{"c": ["Paris", "London"]}"#))
        #expect(try !check(must(#"{"key": "c", "match": {"value": "London"}}"#), #"{"c": [["London"]]}"#))
        #expect(try check(must(#"{"key": "n", "match": {"value": 3}}"#), #"{"n": 3}"#))
        #expect(try !check(must(#"{"key": "n", "match": {"value": 3}}"#), #"{"n": "3"}"#))
        #expect(try !check(must(#"{"key": "n", "match": {"value": "3"}}"#), #"{"n": 3}"#))
        #expect(try !check(must(#"{"key": "n", "match": {"value": 3}}"#), #"{"n": 3.5}"#))
        #expect(try !check(must(#"{"key": "n", "match": {"value": 1}}"#), #"{"n": true}"#))
        #expect(try check(must(#"{"key": "b", "match": {"value": false}}"#), #"{"b": [true, false]}"#))
        #expect(try !check(must(#"{"key": "b", "match": {"value": false}}"#), #"{}"#))
        #expect(try !check(must(#"{"key": "b", "match": {"value": false}}"#), #"{"b": null}"#))
    }

    @Test("match any and except")
    func anyExcept() throws {
        let any = must(#"{"key": "t", "match": {"any": ["swift", "db"]}}"#)
        #expect(try check(any, #"{"t": ["ios", "db"]}"#))
        #expect(try !check(any, #"{"t": ["ios"]}"#))
        #expect(try !check(any, #"{"t": []}"#))
        #expect(try check(must(#"{"key": "n", "match": {"any": [1, 2]}}"#), #"{"n": [5, 2]}"#))
        #expect(try !check(must(#"{"key": "n", "match": {"any": []}}"#), #"{"n": 1}"#))

        let except = must(#"{"key": "t", "match": {"except": ["ml"]}}"#)
        #expect(try check(except, #"{"t": "swift"}"#))
        #expect(try !check(except, #"{"t": "ml"}"#))
        #expect(try check(except, #"{"t": ["ml", "ios"]}"#))  // has a value not listed
        #expect(try !check(except, #"{"t": ["ml"]}"#))
        #expect(try !check(except, #"{"t": []}"#))
        #expect(try !check(except, #"{}"#))
        #expect(try !check(except, #"{"t": null}"#))
        #expect(try check(except, #"{"t": 5}"#))  // another type is "not listed"
        #expect(try check(except, #"{"t": true}"#))
        #expect(try check(must(#"{"key": "n", "match": {"except": [1]}}"#), #"{"n": 1.5}"#))
        #expect(try !check(must(#"{"key": "n", "match": {"except": [1]}}"#), #"{"n": 1}"#))
    }

    @Test("match text: with a text index, every query token is a token of one string value")
    func textIndexed() throws {
        func text(_ query: String) throws -> Filter { try decodeFilter(must(#"{"key": "title", "match": {"text": "\#(query)"}}"#)) }
        func check(_ filter: Filter, _ json: String) throws -> Bool {
            filter.matches(id: .number(1), payload: try payload(json), tokenizedKeys: [PayloadPath("title")!])
        }
        #expect(try check(text("swift"), #"{"title": "Intro to Swift"}"#))
        #expect(try check(text("SWIFT intro"), #"{"title": "Intro to Swift"}"#))
        #expect(try !check(text("Swi"), #"{"title": "Intro to Swift"}"#))
        #expect(try !check(text("swift db"), #"{"title": "Intro to Swift"}"#))
        #expect(try !check(text(""), #"{"title": "Intro to Swift"}"#))
        #expect(try !check(text("--"), #"{"title": "Intro to Swift"}"#))
        #expect(try check(text("swing"), #"{"title": ["x", "Swing"]}"#))
        #expect(try !check(text("intro swift"), #"{"title": ["intro", "swift"]}"#))  // not across values
        #expect(try !check(text("3"), #"{"title": 3}"#))
    }

    @Test("match text without a text index: the query is a substring of one string value, as Qdrant's value checker")
    func textSubstring() throws {
        func text(_ query: String) -> String { must(#"{"key": "title", "match": {"text": "\#(query)"}}"#) }
        #expect(try check(text("Swift"), #"{"title": "Intro to Swift"}"#))
        #expect(try check(text("to Sw"), #"{"title": "Intro to Swift"}"#))
        #expect(try !check(text("swift"), #"{"title": "Intro to Swift"}"#))  // bytes, case kept
        #expect(try !check(text("Intro Swift"), #"{"title": "Intro to Swift"}"#))
        #expect(try check(text("fly"), #"{"title": "dragonfly"}"#))
        #expect(try check(text(""), #"{"title": "anything"}"#))  // "" is in every string
        #expect(try check(text("é"), #"{"title": "café"}"#))
        #expect(try check(text("ing"), #"{"title": ["x", "Swing"]}"#))
        #expect(try !check(text("x Swing"), #"{"title": ["x", "Swing"]}"#))  // not across values
        #expect(try !check(text("3"), #"{"title": 3}"#))
        #expect(try !check(text("a"), #"{}"#))
    }

    @Test("range compares every number as a double; float bounds on integer payloads")
    func range() throws {
        let r = must(#"{"key": "d", "range": {"gte": 30.0, "lt": 60.0}}"#)
        #expect(try check(r, #"{"d": 30}"#))
        #expect(try check(r, #"{"d": 59.99}"#))
        #expect(try !check(r, #"{"d": 60}"#))
        #expect(try check(r, #"{"d": [1, 45]}"#))
        #expect(try !check(r, #"{"d": "45"}"#))
        #expect(try !check(r, #"{}"#))
        #expect(try check(must(#"{"key": "d", "range": {}}"#), #"{"d": -1}"#))
        #expect(try check(must(#"{"key": "d", "range": {"gt": 1e19}}"#), #"{"d": 18446744073709551615}"#))
    }

    @Test("is_empty and is_null follow Qdrant exactly")
    func emptiness() throws {
        let empty = must(#"{"is_empty": {"key": "x"}}"#)
        let null = must(#"{"is_null": {"key": "x"}}"#)
        let table: [(String, Bool, Bool)] = [
            (#"{}"#, true, false),
            (#"{"x": null}"#, true, true),
            (#"{"x": []}"#, true, false),
            (#"{"x": [null]}"#, false, true),  // qdrant#10101: an array holding a null is null
            (#"{"x": [1, null]}"#, false, true),
            (#"{"x": [[null]]}"#, false, false),
            (#"{"x": 0}"#, false, false),
            (#"{"x": ""}"#, false, false),
            (#"{"x": {}}"#, false, false),
            (#"{"x": [1]}"#, false, false),
        ]
        for (json, isEmpty, isNull) in table {
            #expect(try check(empty, json) == isEmpty, "is_empty \(json)")
            #expect(try check(null, json) == isNull, "is_null \(json)")
        }
        // Through an array projection: empty when every value is null or []; null when one is null.
        #expect(try check(must(#"{"is_empty": {"key": "a[].b"}}"#), #"{"a": [{"b": null}, {"b": []}, {}]}"#))
        #expect(try !check(must(#"{"is_empty": {"key": "a[].b"}}"#), #"{"a": [{"b": null}, {"b": 1}]}"#))
        #expect(try check(must(#"{"is_null": {"key": "a[].b"}}"#), #"{"a": [{"b": 1}, {"b": null}]}"#))
    }

    @Test("dotted keys descend into objects only; [] and [n] descend into arrays")
    func paths() throws {
        let doc = #"{"meta": {"level": 2, "tags": ["a"]}, "chapters": [{"title": "One"}, {"title": "Two", "n": [1, 2]}]}"#
        #expect(try check(must(#"{"key": "meta.level", "match": {"value": 2}}"#), doc))
        #expect(try check(must(#"{"key": "meta.tags", "match": {"value": "a"}}"#), doc))
        #expect(try check(must(#"{"key": "chapters[].title", "match": {"value": "Two"}}"#), doc))
        #expect(try !check(must(#"{"key": "chapters.title", "match": {"value": "Two"}}"#), doc))
        #expect(try check(must(#"{"key": "chapters[1].title", "match": {"value": "Two"}}"#), doc))
        #expect(try !check(must(#"{"key": "chapters[0].title", "match": {"value": "Two"}}"#), doc))
        #expect(try check(must(#"{"key": "chapters[].n", "match": {"value": 2}}"#), doc))
        #expect(try check(must(#"{"key": "\"chapters\"[1].title", "values_count": {"lt": 2}}"#), doc))
        #expect(try !check(must(#"{"key": "\"chapters\"[9].title", "values_count": {"lt": 1}}"#), doc))
    }

    @Test("values_count counts array elements and null as 0; a missing key matches no bound")
    func valuesCount() throws {
        let two = must(#"{"key": "t", "values_count": {"gte": 2}}"#)
        #expect(try check(two, #"{"t": [1, 2]}"#))
        #expect(try !check(two, #"{"t": 1}"#))
        #expect(try !check(must(#"{"key": "t", "values_count": {"lt": 1}}"#), #"{}"#))
        #expect(try check(must(#"{"key": "t", "values_count": {"lte": 0}}"#), #"{"t": null}"#))
        #expect(try check(must(#"{"key": "t", "values_count": {"gt": 0, "lt": 2}}"#), #"{"t": "x"}"#))
    }

    @Test("clauses: empty must/should are no constraint; must_not; min_should; nested filters")
    func clauses() throws {
        let doc = #"{"a": 1, "b": 2, "c": 3}"#
        #expect(try check(#"{}"#, doc))
        #expect(try check(#"{"must": [], "should": [], "must_not": []}"#, doc))
        #expect(try check(#"{"should": [{"key": "a", "match": {"value": 9}}, {"key": "b", "match": {"value": 2}}]}"#, doc))
        #expect(try !check(#"{"should": [{"key": "a", "match": {"value": 9}}]}"#, doc))
        #expect(try !check(#"{"must_not": [{"key": "a", "match": {"value": 9}}, {"key": "c", "match": {"value": 3}}]}"#, doc))
        let minShould = #"{"min_should": {"conditions": [{"key": "a", "match": {"value": 1}}, {"key": "b", "match": {"value": 0}}, {"key": "c", "match": {"value": 3}}], "min_count": N}}"#
        #expect(try check(minShould.replacingOccurrences(of: "N", with: "2"), doc))
        #expect(try !check(minShould.replacingOccurrences(of: "N", with: "3"), doc))
        #expect(try !check(minShould.replacingOccurrences(of: "N", with: "4"), doc))
        // A filter as a condition: (a = 1 or b = 9) and not (c = 3 and a = 1).
        #expect(try !check("""
        {"must": [{"should": [{"key": "a", "match": {"value": 1}}, {"key": "b", "match": {"value": 9}}]}],
         "must_not": [{"must": [{"key": "c", "match": {"value": 3}}, {"key": "a", "match": {"value": 1}}]}]}
        """, doc))
        #expect(try check(#"{"must_not": [{"must": [{"key": "c", "match": {"value": 3}}, {"key": "a", "match": {"value": 2}}]}]}"#, doc))
    }

    @Test("nested conditions test each array object on its own")
    func nested() throws {
        let doc = #"{"diet": [{"food": "meat", "likes": false}, {"food": "veg", "likes": true}]}"#
        let bothInOne = #"{"must": [{"nested": {"key": "diet", "filter": {"must": [{"key": "food", "match": {"value": "meat"}}, {"key": "likes", "match": {"value": true}}]}}}]}"#
        #expect(try !check(bothInOne, doc))
        // The same conditions over the flattened array match (different elements).
        #expect(try check(#"{"must": [{"key": "diet[].food", "match": {"value": "meat"}}, {"key": "diet[].likes", "match": {"value": true}}]}"#, doc))
        #expect(try check(#"{"must": [{"nested": {"key": "diet[]", "filter": {"must": [{"key": "food", "match": {"value": "veg"}}, {"key": "likes", "match": {"value": true}}]}}}]}"#, doc))
        #expect(try !check(#"{"must": [{"nested": {"key": "diet", "filter": {"must": [{"has_id": [1]}]}}}]}"#, doc))
    }

    @Test("has_id matches integer and UUID ids")
    func hasID() throws {
        let filter = #"{"must": [{"has_id": [18446744073709551615, "5c56c793-69f3-4fbf-87e6-c4bf54c28c26"]}]}"#
        #expect(try check(filter, "{}", id: .number(UInt64.max)))
        #expect(try check(filter, "{}", id: PointID("5c56c79369f34fbf87e6c4bf54c28c26")!))
        #expect(try !check(filter, "{}", id: .number(1)))
    }

    @Test("text tokenizer lowercases and splits on non-alphanumerics")
    func tokenizer() {
        #expect(TextTokenizer.tokens(of: "Intro to Swift-6, C++ & ÜBER 2x!") == ["intro", "to", "swift", "6", "c", "über", "2x"])
        #expect(TextTokenizer.tokens(of: " ,;") == [])
        #expect(TextTokenizer.tokens(of: "snake_case AND-Dash9") == ["snake", "case", "and", "dash9"])
        // Split first, then lowercase (İ lowercases to i + a combining dot, which stays in the token).
        #expect(TextTokenizer.tokens(of: "İstanbul, Köln") == ["i\u{307}stanbul", "köln"])
    }

    @Test("match text_any: with a text index some query token is a token of one string value; without, some word is a substring")
    func textAny() throws {
        func any(_ query: String) -> String { must(#"{"key": "title", "match": {"text_any": "\#(query)"}}"#) }
        func tokenized(_ filter: String, _ json: String) throws -> Bool {
            try decodeFilter(filter).matches(id: .number(1), payload: try payload(json), tokenizedKeys: [PayloadPath("title")!])
        }
        #expect(try tokenized(any("cheese burger"), #"{"title": "Burgers and Fries"}"#) == false)
        #expect(try tokenized(any("cheese fries"), #"{"title": "Burgers and Fries"}"#))
        #expect(try tokenized(any("FRIES"), #"{"title": ["x", "burgers and fries"]}"#))
        #expect(try !tokenized(any(""), #"{"title": "fries"}"#))
        // Unindexed: whitespace-separated words as substrings, case kept.
        #expect(try check(any("cheese Burger"), #"{"title": "Burgers and Fries"}"#))
        #expect(try !check(any("cheese fries"), #"{"title": "Burgers and Fries"}"#))
        #expect(try check(any("rabbit fly"), #"{"title": "ant dragonfly"}"#))
        #expect(try !check(any(""), #"{"title": "fries"}"#))
        #expect(try !check(any("  "), #"{"title": "fries"}"#))
        #expect(try !check(any("fries"), #"{"title": 5}"#))
        #expect(try !check(any("fries"), #"{}"#))
        let filter = try decodeFilter(any("a b"))
        #expect(try decodeFilter(String(decoding: JSONEncoder().encode(filter), as: UTF8.self)) == filter)
    }

    @Test("datetime ranges: RFC 3339 bounds against string payloads, offsets honoured, numbers never match")
    func datetimeRange() throws {
        func range(_ bounds: String) -> String { must(#"{"key": "t", "range": {\#(bounds)}}"#) }
        let p = #"{"t": "2024-03-01T10:00:00Z"}"#
        #expect(try check(range(#""gte": "2024-03-01T10:00:00Z""#), p))
        #expect(try !check(range(#""gt": "2024-03-01T10:00:00Z""#), p))
        #expect(try check(range(#""lt": "2024-03-01T11:00:00+00:00""#), p))
        #expect(try !check(range(#""lt": "2024-03-01T11:00:00+02:00""#), p))  // 09:00 UTC
        #expect(try check(range(#""gt": "2024-02-29", "lte": "2024-03-01 10:00:00""#), p))
        #expect(try check(range(#""gt": "2024-01-01T00:00:00.5Z""#), #"{"t": ["x", "2024-01-01T00:00:00.600Z"]}"#))
        #expect(try !check(range(#""gt": "2024-01-01""#), #"{"t": 1e18}"#))
        #expect(try !check(range(#""gt": "2024-01-01""#), #"{"t": "not a date"}"#))
        let filter = try decodeFilter(range(#""gte": "2024-03-01T10:20:30.000123+01:00""#))
        let encoded = String(decoding: try JSONEncoder().encode(filter), as: UTF8.self)
        #expect(encoded.contains("2024-03-01T09:20:30.000123Z"), "\(encoded)")
        #expect(try decodeFilter(encoded) == filter)
    }
}
