import Foundation
import Testing

@testable import JSON

@Suite("JSONText")
struct JSONTextTests {
    /// A small seeded generator, so a failure names a reproducible input.
    struct XorShift: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
    }

    static func parsedDouble(_ text: String) throws -> Double? {
        switch try JSONText.parse(text) {
        case .double(let d): return d
        case .int(let i): return Double(i)
        case .uint(let u): return Double(u)
        default: return nil
        }
    }

    static func strtodValue(_ text: String) -> Double { text.withCString { strtod($0, nil) } }

    @Test("integers stay exact: Int64 and UInt64 bounds, negative zero, 20-digit values")
    func integers() throws {
        #expect(try JSONText.parse("0") == .int(0))
        #expect(try JSONText.parse("-0") == .int(0))
        #expect(try JSONText.parse("9223372036854775807") == .int(.max))
        #expect(try JSONText.parse("-9223372036854775808") == .int(.min))
        #expect(try JSONText.parse("9223372036854775808") == .uint(1 << 63))
        #expect(try JSONText.parse("18446744073709551615") == .uint(.max))
        #expect(try JSONText.parse("18446744073709551616") == .double(18446744073709551616.0))
        #expect(try JSONText.parse("-9223372036854775809") == .double(-9223372036854775809.0))
        #expect(try JSONText.parse("123456789012345678901234567890") == .double(1.2345678901234568e29))
    }

    @Test("every number parses to exactly the double strtod gives (shortest reprs, float32 reprs, random digits, exponents)")
    func doublesMatchStrtod() throws {
        var rng = XorShift(state: 0x9E37_79B9_7F4A_7C15)
        var texts: [String] = [
            "0.0", "-0.0", "1.0", "0.1", "0.30000001192092896", "1e22", "1e23", "1.7976931348623157e308",
            "5e-324", "2.2250738585072014e-308", "1e-27", "1e27", "1e28", "123456789012345678e-5",
            "9007199254740993.0", "9007199254740993e0", "900719925474099.3e1", "9007199254740995.0",
            "4.35679e-5", "0.000001", "1E+2", "1e-0", "0.1e1", "12345678901234567890.5",
        ]
        for _ in 0..<20_000 {
            let bits = rng.next()
            let double = Double(bitPattern: bits & 0x7FFF_FFFF_FFFF_FFFF)
            if double.isFinite { texts.append("\(double)") }
            let float = Float(bitPattern: UInt32(truncatingIfNeeded: bits >> 32) & 0x7F7F_FFFF)
            if float.isFinite { texts.append("\(Double(float))") }
            let gaussian = (Double(rng.next() % 2_000_000) - 1_000_000) / 3_000_000
            texts.append("\(Double(Float(gaussian)))")
            // Random digit strings of 1–22 digits with a decimal point and an exponent.
            let count = Int(rng.next() % 22) + 1
            var digits = String((0..<count).map { _ in Character(String(rng.next() % 10)) })
            let point = Int(rng.next() % UInt64(count))
            digits.insert(".", at: digits.index(digits.startIndex, offsetBy: point))
            if digits.hasPrefix(".") { digits = "0" + digits }
            while digits.hasPrefix("0") && digits.count > 1 && !digits.hasPrefix("0.") { digits.removeFirst() }
            if digits.hasSuffix(".") { digits += "0" }
            let exponent = Int(rng.next() % 80) - 40
            texts.append(digits)
            texts.append("\(digits)e\(exponent)")
            texts.append("-\(digits)E\(exponent)")
        }
        var checked = 0
        for text in texts {
            let expected = Self.strtodValue(text)
            guard expected.isFinite else { continue }
            let parsed = try Self.parsedDouble(text)
            #expect(parsed?.bitPattern == expected.bitPattern, "\(text): \(String(describing: parsed)) != \(expected)")
            checked += 1
        }
        #expect(checked > 90_000)
    }

    @Test("digit runs of every length, eight at a time or one by one, end exactly at the next byte")
    func digitRunsAtEveryLength() throws {
        // Runs of 1–40 digits cross the eight-byte word boundary at every offset; the bytes
        // just outside '0'…'9' ('/' and ':') and the JSON delimiters must end a run.
        for length in 1...40 {
            let run = String((0..<length).map { Character(String(($0 * 7 + 1) % 10)) })
            let integer = "1" + run.dropFirst()
            let fraction = "0." + run
            for text in ["[\(integer),\(fraction)]", "[\(fraction)e-3 , -\(integer).5]", "{\"a\":\(fraction)}"] {
                let parsed = try JSONText.parse(text)
                let numbers: [JSONValue]
                switch parsed {
                case .array(let items): numbers = items
                case .object(let fields): numbers = [fields["a"]!]
                default: Issue.record("\(text) parsed to \(parsed)"); continue
                }
                let expected = text.split(whereSeparator: { "[]{},: \"a".contains($0) }).map(String.init)
                #expect(numbers.count == expected.count, "\(text)")
                for (value, source) in zip(numbers, expected) {
                    #expect(value.numberValue?.bitPattern == Self.strtodValue(source).bitPattern, "\(source) in \(text)")
                }
            }
            for bad in ["\(integer)/", "\(integer):", "0.\(run)/1", "[\(integer):1]"] {
                #expect(throws: JSONText.SyntaxError.self, "\(bad)") { try JSONText.parse(bad) }
            }
        }
    }

    @Test("malformed numbers are syntax errors with an offset")
    func malformedNumbers() {
        for text in ["01", "1.", "-", "1e", "1e+", ".5", "+1", "1.e5", "-01.5", "1e400", "-1e400", "0x10"] {
            #expect(throws: JSONText.SyntaxError.self, "\(text)") { try JSONText.parse(text) }
        }
    }

    @Test("serialising and parsing again gives the same value")
    func roundTrip() throws {
        let value: JSONValue = .object([
            "a": .array([.int(-3), .uint(.max), .double(0.1), .double(-2.5e-300), .bool(true), .null]),
            "text": .string("quote \" backslash \\ tab \t unicode é 😀"),
            "nested": .object(["x": .array([]), "y": .object([:])]),
        ])
        #expect(try JSONText.parse(JSONText.serialize(value)) == value)
    }

    @Test("nesting deeper than the limit is refused instead of exhausting the stack")
    func depthLimit() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONText.SyntaxError.self) { try JSONText.parse(deep) }
        let fine = String(repeating: "[", count: 10) + String(repeating: "]", count: 10)
        #expect((try? JSONText.parse(fine)) != nil)
    }

    @Test("writeFloat9 reads back as the same Float: every exponent, subnormals, extremes, random bit patterns")
    func float9RoundTrips() throws {
        var rng = XorShift(state: 0xD1B5_4A32_D192_ED03)
        var values: [Float] = [0, -0, 1, -1, 0.1, 1e-45, -1e-45, .leastNormalMagnitude, .greatestFiniteMagnitude,
                               -.greatestFiniteMagnitude, 123456789, 1e9, 9.9999999e8, 1e-6, 9.99999e-7, 1e8, 100, 0.5]
        for exponent in -149...127 { values.append(Float(sign: .plus, exponent: exponent, significand: 1)) }
        for _ in 0..<300_000 {
            let f = Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))
            if f.isFinite { values.append(f) }
        }
        var failures = 0
        for value in values {
            var out: [UInt8] = []
            JSONText.writeFloat9(value, into: &out)
            let text = String(decoding: out, as: UTF8.self)
            let parsed = try Self.parsedDouble(text).map(Float.init)
            if parsed?.bitPattern != value.bitPattern && !(value == 0 && parsed == 0) {
                failures += 1
                if failures < 5 { Issue.record("\(value) (\(value.bitPattern)) printed as \(text), read back as \(String(describing: parsed))") }
            }
            #expect(text.utf8.count <= 17)  // "-0.00000" + 9 digits at most
        }
        #expect(failures == 0)
        var nan: [UInt8] = []
        JSONText.writeFloat9(.nan, into: &nan)
        #expect(nan == Array("null".utf8))
    }
}
