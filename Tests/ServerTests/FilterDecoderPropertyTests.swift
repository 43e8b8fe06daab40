import Foundation
import JSON
import Storage
import Testing
@testable import CollectionStore
@testable import Server

/// Property test over the filter decoder and evaluation: random filter-shaped JSON (the real
/// vocabulary, random values, random nesting) decodes to a `Filter` or is refused as a format error,
/// and every decoded filter evaluates (count and delete-selection) without trapping.
@Suite("Filter decoder properties")
struct FilterDecoderPropertyTests {
    static let keys: [String] = [
        "must", "should", "must_not", "min_should", "key", "match", "value", "any", "except", "text", "range", "gt", "gte", "lt",
        "lte", "has_id", "is_empty", "is_null", "nested", "filter", "values_count", "conditions", "min_count", "a", "a.b", "tags[]", "n",
    ]

    static func randomFilterish(_ rng: inout JSONPropertyTestsRNG, depth: Int = 0) -> JSONValue {
        switch Int.random(in: 0..<(depth > 5 ? 6 : 10), using: &rng) {
        case 0: return .string(keys[Int.random(in: 0..<keys.count, using: &rng)])
        case 1: return .int(Int64.random(in: -3...1_000_000, using: &rng))
        case 2: return .double(Double(Int.random(in: -100...100, using: &rng)) / 3)
        case 3: return .bool(Bool.random(using: &rng))
        case 4: return .null
        case 5: return .string(["x", "", "7b8f3b1e-7e5a-4c1e-9a39-0d2f8f2f9e11", "a b", "\"q\"", "2024-01-01T00:00:00Z"][Int.random(in: 0..<6, using: &rng)])
        case 6, 7:
            return .array((0..<Int.random(in: 0..<4, using: &rng)).map { _ in randomFilterish(&rng, depth: depth + 1) })
        default:
            var fields: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0..<4, using: &rng) {
                fields[keys[Int.random(in: 0..<keys.count, using: &rng)]] = randomFilterish(&rng, depth: depth + 1)
            }
            return .object(fields)
        }
    }

    @Test("20,000 random filter-shaped documents decode or are refused, and decoded ones evaluate")
    func randomFilters() throws {
        let environment = try Environment.open(path: temporaryDataDirectory())
        let collection = try CollectionRegistry(environment: environment).create(
            name: "f", config: CollectionConfig(vectors: ["": DenseVectorConfig(size: 2, distance: .dot)], unnamedVector: true)
        )
        let points = (0..<50).map { i -> PointInput in
            var payload: [String: JSONValue] = ["n": .int(Int64(i)), "text": .string("lesson \(i)")]
            payload["a"] = .object(["b": .string("x\(i % 3)")])
            payload["tags"] = .array([.string("t\(i % 4)"), .int(Int64(i))])
            return PointInput(id: .number(UInt64(i)), vectors: ["": .dense([1, Float(i)])], payload: payload)
        }
        try collection.upsert(points)
        try collection.createPayloadIndex(field: "n", schema: PayloadFieldSchema(.integer))
        var rng = JSONPropertyTestsRNG(state: 99)
        var decoded = 0, refused = 0
        for _ in 0..<20_000 {
            let candidate: JSONValue = Bool.random(using: &rng)
                ? randomWrapped(&rng) : Self.randomFilterish(&rng)
            do {
                guard let filter = try QdrantWire.filter(candidate) else { continue }
                decoded += 1
                let count = try collection.count(filter: filter)
                #expect(count >= 0 && count <= 50)
                #expect(try collection.ids(matching: filter).count == count)
            } catch is QdrantError {
                refused += 1
            } catch let error as CollectionError {
                // Evaluation may refuse a decoded filter (e.g. an unusable key); it must say so, not trap.
                #expect(!error.description.isEmpty)
                refused += 1
            }
        }
        #expect(decoded > 500, "decoded \(decoded), refused \(refused)")
        #expect(refused > 500)
    }

    /// A filter object whose conditions are random: reaches the condition decoders more often.
    func randomWrapped(_ rng: inout JSONPropertyTestsRNG) -> JSONValue {
        let clause = ["must", "should", "must_not"][Int.random(in: 0..<3, using: &rng)]
        let condition: JSONValue = [
            "key": .string(["n", "a.b", "tags[]", "text", "missing"][Int.random(in: 0..<5, using: &rng)]),
            ["match", "range", "values_count"][Int.random(in: 0..<3, using: &rng)]: Self.randomFilterish(&rng, depth: 3),
        ]
        return .object([clause: .array([condition])])
    }

    @Test("deeply nested filters are refused as format errors, not a stack overflow")
    func deepFilters() {
        var filter: JSONValue = ["must": [["key": "n", "match": ["value": 1]]]]
        for _ in 0..<40 { filter = ["must": [filter]] }
        #expect(throws: QdrantError.self) { _ = try QdrantWire.filter(filter) }
    }
}

/// SplitMix64 for the property tests here (seeded, reproducible).
struct JSONPropertyTestsRNG: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
