import Foundation

/// A fast JSON reader and writer for `JSONValue` over UTF-8 bytes.
///
/// Reading keeps integers exact (`Int64`, or `UInt64` past `Int64.max`); numbers with a fraction or an
/// exponent become `Double`. Nesting deeper than `maxDepth` is an error, so a hostile body cannot
/// exhaust the stack. Writing prints integers as integers and doubles in their shortest round-trip form.
public enum JSONText {
    public struct SyntaxError: Error, CustomStringConvertible, Equatable, Sendable {
        public let message: String
        public let offset: Int
        public var description: String { "\(message) at byte \(offset)" }
    }

    public static let defaultMaxDepth = 64

    public static func parse(_ bytes: some Sequence<UInt8>, maxDepth: Int = defaultMaxDepth) throws -> JSONValue {
        let array = Array(bytes)
        return try array.withUnsafeBufferPointer { buffer in
            var reader = Reader(bytes: buffer, maxDepth: maxDepth)
            reader.skipWhitespace()
            let value = try reader.value(depth: 0)
            reader.skipWhitespace()
            guard reader.position == buffer.count else { throw reader.error("trailing characters after the JSON value") }
            return value
        }
    }

    public static func parse(_ text: String, maxDepth: Int = defaultMaxDepth) throws -> JSONValue {
        try parse(Array(text.utf8), maxDepth: maxDepth)
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        let maxDepth: Int
        var position = 0

        init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
            self.bytes = bytes
            self.maxDepth = maxDepth
        }

        func error(_ message: String) -> SyntaxError { SyntaxError(message: message, offset: position) }

        mutating func skipWhitespace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x0A, 0x0D, 0x09: position += 1
                default: return
                }
            }
        }

        mutating func value(depth: Int) throws -> JSONValue {
            guard position < bytes.count else { throw error("unexpected end of input") }
            switch bytes[position] {
            case UInt8(ascii: "{"): return try object(depth: depth + 1)
            case UInt8(ascii: "["): return try array(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            default: throw error("unexpected character '\(Character(Unicode.Scalar(bytes[position])))'")
            }
        }

        mutating func literal(_ word: StaticString) throws {
            let count = word.utf8CodeUnitCount
            guard position + count <= bytes.count else { throw error("unexpected end of input") }
            for i in 0..<count where bytes[position + i] != word.utf8Start[i] { throw error("invalid literal") }
            position += count
        }

        mutating func object(depth: Int) throws -> JSONValue {
            guard depth <= maxDepth else { throw error("JSON nested deeper than \(maxDepth) levels") }
            position += 1
            var fields: [String: JSONValue] = [:]
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
                position += 1
                return .object(fields)
            }
            while true {
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw error("expected a string key") }
                let key = try string()
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw error("expected ':'") }
                position += 1
                skipWhitespace()
                fields[key] = try value(depth: depth)
                skipWhitespace()
                guard position < bytes.count else { throw error("unexpected end of input in an object") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "}") { position += 1; return .object(fields) }
                throw error("expected ',' or '}'")
            }
        }

        mutating func array(depth: Int) throws -> JSONValue {
            guard depth <= maxDepth else { throw error("JSON nested deeper than \(maxDepth) levels") }
            position += 1
            var items: [JSONValue] = []
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
                position += 1
                return .array(items)
            }
            while true {
                skipWhitespace()
                items.append(try value(depth: depth))
                skipWhitespace()
                guard position < bytes.count else { throw error("unexpected end of input in an array") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
                throw error("expected ',' or ']'")
            }
        }

        mutating func string() throws -> String {
            position += 1
            let start = position
            // Fast path: no escapes.
            while position < bytes.count {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    let slice = UnsafeBufferPointer(rebasing: bytes[start..<position])
                    position += 1
                    guard let text = String(validating: slice, as: UTF8.self) else { throw error("invalid UTF-8 in a string") }
                    return text
                }
                if byte == UInt8(ascii: "\\") { break }
                if byte < 0x20 { throw error("control character in a string") }
                position += 1
            }
            var scalars = Array(bytes[start..<position])
            while position < bytes.count {
                let byte = bytes[position]
                switch byte {
                case UInt8(ascii: "\""):
                    position += 1
                    guard let text = String(validating: scalars, as: UTF8.self) else { throw error("invalid UTF-8 in a string") }
                    return text
                case UInt8(ascii: "\\"):
                    position += 1
                    guard position < bytes.count else { throw error("unterminated escape") }
                    let escape = bytes[position]
                    position += 1
                    switch escape {
                    case UInt8(ascii: "\""): scalars.append(0x22)
                    case UInt8(ascii: "\\"): scalars.append(0x5C)
                    case UInt8(ascii: "/"): scalars.append(0x2F)
                    case UInt8(ascii: "b"): scalars.append(0x08)
                    case UInt8(ascii: "f"): scalars.append(0x0C)
                    case UInt8(ascii: "n"): scalars.append(0x0A)
                    case UInt8(ascii: "r"): scalars.append(0x0D)
                    case UInt8(ascii: "t"): scalars.append(0x09)
                    case UInt8(ascii: "u"):
                        var code = try hex4()
                        if (0xD800...0xDBFF).contains(code) {
                            guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                                throw error("unpaired surrogate")
                            }
                            position += 2
                            let low = try hex4()
                            guard (0xDC00...0xDFFF).contains(low) else { throw error("invalid surrogate pair") }
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        } else if (0xDC00...0xDFFF).contains(code) {
                            throw error("unpaired surrogate")
                        }
                        guard let scalar = Unicode.Scalar(code) else { throw error("invalid \\u escape") }
                        scalars.append(contentsOf: Array(String(Character(scalar)).utf8))
                    default:
                        throw error("invalid escape")
                    }
                default:
                    if byte < 0x20 { throw error("control character in a string") }
                    scalars.append(byte)
                    position += 1
                }
            }
            throw error("unterminated string")
        }

        mutating func hex4() throws -> UInt32 {
            guard position + 4 <= bytes.count else { throw error("short \\u escape") }
            var code: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[position]
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: throw error("invalid hex digit in \\u escape")
                }
                code = code << 4 | digit
                position += 1
            }
            return code
        }

        mutating func number() throws -> JSONValue {
            let start = position
            var negative = false
            if bytes[position] == UInt8(ascii: "-") { negative = true; position += 1 }
            guard position < bytes.count, Self.isDigit(bytes[position]) else { throw error("invalid number") }
            if bytes[position] == UInt8(ascii: "0"), position + 1 < bytes.count, Self.isDigit(bytes[position + 1]) {
                throw error("leading zeros in a number")
            }
            // The decimal significand: up to 19 significant digits exactly, then only counted.
            var significand: UInt64 = 0
            var digits = 0          // significant digits seen (leading zeros excluded)
            var scale = 0           // power of ten the kept digits are to be multiplied by
            var magnitude: UInt64 = 0  // the integer part, exact unless it overflows
            var overflow = false
            while position < bytes.count, Self.isDigit(bytes[position]) {
                Self.accumulate(bytes[position], into: &significand, digits: &digits, scale: &scale, fraction: false)
                let (m1, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (m2, o2) = m1.addingReportingOverflow(UInt64(bytes[position] &- UInt8(ascii: "0")))
                overflow = overflow || o1 || o2
                magnitude = m2
                position += 1
            }
            var isInteger = true
            if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
                isInteger = false
                position += 1
                guard position < bytes.count, Self.isDigit(bytes[position]) else { throw error("invalid fraction") }
                while position < bytes.count, Self.isDigit(bytes[position]) {
                    Self.accumulate(bytes[position], into: &significand, digits: &digits, scale: &scale, fraction: true)
                    position += 1
                }
            }
            var exponent = 0
            if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
                isInteger = false
                position += 1
                var exponentNegative = false
                if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                    exponentNegative = bytes[position] == UInt8(ascii: "-")
                    position += 1
                }
                guard position < bytes.count, Self.isDigit(bytes[position]) else { throw error("invalid exponent") }
                while position < bytes.count, Self.isDigit(bytes[position]) {
                    if exponent < 100_000 { exponent = exponent * 10 + Int(bytes[position] - UInt8(ascii: "0")) }
                    position += 1
                }
                if exponentNegative { exponent = -exponent }
            }
            if isInteger && !overflow {
                if !negative {
                    return magnitude <= UInt64(Int64.max) ? .int(Int64(magnitude)) : .uint(magnitude)
                }
                if magnitude <= UInt64(Int64.max) { return .int(-Int64(magnitude)) }
                if magnitude == UInt64(Int64.max) + 1 { return .int(.min) }
            }
            if digits <= 19, let value = Self.fastDouble(significand: significand, power: scale + exponent) {
                return .double(negative ? -value : value)
            }
            // The rare rest (over 19 significant digits, huge exponents, a double-rounding tie):
            // strtod on a NUL-terminated stack copy, with no String allocation per number.
            let length = position - start
            let double: Double
            if length < 64 {
                double = withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
                    for i in 0..<length { buffer[i] = CChar(bitPattern: bytes[start + i]) }
                    buffer[length] = 0
                    return strtod(buffer.baseAddress!, nil)
                }
            } else {
                double = Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)) ?? .infinity
            }
            guard double.isFinite else { throw error("number out of range") }
            return .double(double)
        }

        @inline(__always)
        private static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

        /// Adds one decimal digit to the significand. Leading zeros are not significant; past 19
        /// significant digits the digit is only counted (`digits > 19` sends the number to strtod).
        @inline(__always)
        private static func accumulate(_ byte: UInt8, into significand: inout UInt64, digits: inout Int, scale: inout Int, fraction: Bool) {
            let digit = UInt64(byte &- UInt8(ascii: "0"))
            if digits == 0 && digit == 0 {
                if fraction { scale -= 1 }
                return
            }
            digits += 1
            if digits <= 19 {
                significand = significand &* 10 &+ digit
                if fraction { scale -= 1 }
            }
        }

        /// `significand × 10^power`, correctly rounded to a Double, or nil when this fast path cannot
        /// promise that (the caller then asks strtod).
        ///
        /// A significand up to 2^53 with |power| ≤ 22 (most JSON numbers) takes Clinger's exact
        /// Double path. Past that (the 17-digit shortest forms of doubles), on x86 the at most 19
        /// digits are exact in Float80's 64-bit significand, and so is 10^k for k ≤ 27 (5^27 < 2^64);
        /// one Float80 multiply or divide then rounds once, to within 2^-64 relative. Rounding that to Double is correct unless the Float80 value sits at (or one
        /// unit beside) the midpoint between two doubles, which the 11 dropped bits reveal.
        @inline(__always)
        static func fastDouble(significand: UInt64, power: Int) -> Double? {
            if significand == 0 { return 0 }
            // Clinger's fast path: both operands exact in a Double, so one IEEE operation rounds once.
            if significand <= 1 << 53, power >= -22, power <= 22 {
                return power >= 0 ? Double(significand) * powersOfTen[power] : Double(significand) / powersOfTen[-power]
            }
            #if arch(x86_64) || arch(i386)
            guard power >= -27, power <= 27 else { return nil }
            let exact = Float80(significand)
            let value = power >= 0 ? exact * powersOfTen80[power] : exact / powersOfTen80[-power]
            let dropped = value.significandBitPattern & 0x7FF
            guard dropped < 0x3FF || dropped > 0x401 else { return nil }
            return Double(value)
            #else
            return nil
            #endif
        }
    }

    /// 10^0 … 10^22, each exact in Double.
    static let powersOfTen: [Double] = {
        var powers: [Double] = [1]
        for _ in 1...22 { powers.append(powers.last! * 10) }
        return powers
    }()

    #if arch(x86_64) || arch(i386)
    /// 10^0 … 10^27, each exact in Float80.
    static let powersOfTen80: [Float80] = {
        var powers: [Float80] = [1]
        for _ in 1...27 { powers.append(powers.last! * 10) }
        return powers
    }()
    #endif

    // MARK: Writing

    public static func serialize(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, into: &out)
        return out
    }

    public static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .uint(let u): out.append(contentsOf: String(u).utf8)
        case .double(let d): writeDouble(d, into: &out)
        case .string(let s): writeString(s, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let fields):
            out.append(UInt8(ascii: "{"))
            for (i, key) in fields.keys.sorted().enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(fields[key]!, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Doubles in shortest round-trip form; integral values keep a ".0" so they read back as doubles.
    public static func writeDouble(_ d: Double, into out: inout [UInt8]) {
        guard d.isFinite else { out.append(contentsOf: "null".utf8); return }
        out.append(contentsOf: d.description.utf8)
    }

    /// A Float in its shortest round-trip form (scores and stored vectors are f32).
    public static func writeFloat(_ f: Float, into out: inout [UInt8]) {
        guard f.isFinite else { out.append(contentsOf: "null".utf8); return }
        out.append(contentsOf: f.description.utf8)
    }

    public static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 15)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
