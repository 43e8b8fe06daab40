import Foundation
import Testing

@testable import JSON

/// Property tests over the JSON reader: any value round-trips; any byte string (mutations of valid
/// documents, random bytes, depth bombs) either parses or throws `SyntaxError` — never traps.
@Suite("JSON reader properties")
struct JSONPropertyTests {
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func randomValue(_ rng: inout SplitMix, depth: Int = 0) -> JSONValue {
        let leaf = depth >= 6 || Int.random(in: 0..<3, using: &rng) > 0
        if leaf {
            switch Int.random(in: 0..<7, using: &rng) {
            case 0: return .null
            case 1: return .bool(Bool.random(using: &rng))
            case 2: return .int(Int64.random(in: .min ... .max, using: &rng))
            case 3: return .uint(UInt64.random(in: UInt64(Int64.max) + 1 ... .max, using: &rng))
            case 4:
                let d = Double(bitPattern: UInt64.random(in: 0 ... .max, using: &rng))
                return .double(d.isFinite ? d : 0.5)
            case 5: return .string(randomString(&rng))
            default: return .double(Double(Int.random(in: -1000...1000, using: &rng)) / 8)
            }
        }
        if Bool.random(using: &rng) {
            return .array((0..<Int.random(in: 0..<5, using: &rng)).map { _ in randomValue(&rng, depth: depth + 1) })
        }
        var fields: [String: JSONValue] = [:]
        for _ in 0..<Int.random(in: 0..<5, using: &rng) { fields[randomString(&rng)] = randomValue(&rng, depth: depth + 1) }
        return .object(fields)
    }

    static func randomString(_ rng: inout SplitMix) -> String {
        let alphabet: [Unicode.Scalar] = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u{01}", "é", "€", "😀", "\u{7F}", "\u{FFFD}"]
        var s = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0..<12, using: &rng) { s.append(alphabet[Int.random(in: 0..<alphabet.count, using: &rng)]) }
        return String(s)
    }

    /// Doubles compare by value; everything else structurally.
    static func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.double(let x), .double(let y)): return x == y
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
        case (.object(let x), .object(let y)): return x.count == y.count && x.allSatisfy { key, value in y[key].map { same(value, $0) } ?? false }
        default: return a == b
        }
    }

    @Test("any value written by the writer reads back as the same value (5,000 random documents)")
    func roundTrip() throws {
        var rng = SplitMix(state: 2026)
        for n in 0..<5_000 {
            let value = Self.randomValue(&rng)
            let text = JSONText.serialize(value)
            let parsed = try JSONText.parse(text)
            #expect(Self.same(parsed, value), "document \(n): \(String(decoding: text, as: UTF8.self))")
        }
    }

    @Test("mutated and random bytes parse or throw SyntaxError, never trap (50,000 inputs)")
    func mutationsNeverTrap() {
        var rng = SplitMix(state: 7)
        var parsed = 0, refused = 0
        let pieces: [[UInt8]] = ["{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "d83d", "0", "-", "1e", "9999999999999999999999", ".", "e-400",
                                 "true", "nul", " ", "\u{0}", "\u{FF}"].map { Array($0.utf8) }
        for n in 0..<50_000 {
            var bytes = JSONText.serialize(Self.randomValue(&rng))
            switch n % 3 {
            case 0:
                for _ in 0..<Int.random(in: 1...4, using: &rng) where !bytes.isEmpty {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
            case 1:
                let piece = pieces[Int.random(in: 0..<pieces.count, using: &rng)]
                bytes.insert(contentsOf: piece, at: Int.random(in: 0...bytes.count, using: &rng))
            default:
                bytes = (0..<Int.random(in: 0..<40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            }
            do {
                _ = try JSONText.parse(bytes)
                parsed += 1
            } catch is JSONText.SyntaxError {
                refused += 1
            } catch {
                Issue.record("unexpected error \(error) for \(bytes)")
            }
        }
        #expect(parsed + refused == 50_000)
        #expect(parsed > 0 && refused > 0)
    }

    @Test("nesting past the depth limit is a SyntaxError at any depth, also a million levels")
    func depthBombs() {
        for depth in [JSONText.defaultMaxDepth, JSONText.defaultMaxDepth + 1, 10_000, 1_000_000] {
            for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
                let text = String(repeating: open, count: depth) + "1" + String(repeating: close, count: depth)
                let result = Result { try JSONText.parse(text) }
                if depth <= JSONText.defaultMaxDepth {
                    #expect((try? result.get()) != nil, "depth \(depth) \(open)")
                } else {
                    #expect(throws: JSONText.SyntaxError.self, "depth \(depth) \(open)") { try result.get() }
                }
            }
        }
    }

    @Test("nestingDepth is iterative and exact")
    func nestingDepth() {
        var value = JSONValue.int(1)
        for _ in 0..<100_000 { value = .array([value]) }
        #expect(value.nestingDepth == 100_000)
        #expect(JSONValue.object(["a": [1, ["b": [true]]]]).nestingDepth == 4)
        #expect(JSONValue.string("x").nestingDepth == 0)
        // Let the deep value go level by level: releasing it whole would recurse through its
        // destructor (the reason stored payloads are kept to a bounded depth).
        var unwinding = [value]
        value = .null
        while let next = unwinding.popLast() { if case .array(let items) = next { unwinding.append(contentsOf: items) } }
    }
}
