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
        if let value = try bytes.withContiguousStorageIfAvailable({ try parse(buffer: $0, maxDepth: maxDepth) }) {
            return value
        }
        return try Array(bytes).withUnsafeBufferPointer { try parse(buffer: $0, maxDepth: maxDepth) }
    }

    /// Parses bytes in place (a request body's storage): no copy.
    public static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = defaultMaxDepth) throws -> JSONValue {
        try parse(buffer: bytes.assumingMemoryBound(to: UInt8.self), maxDepth: maxDepth)
    }

    private static func parse(buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int) throws -> JSONValue {
        var reader = Reader(bytes: buffer, maxDepth: maxDepth)
        reader.skipWhitespace()
        let value = try reader.value(depth: 0)
        reader.skipWhitespace()
        guard reader.position == buffer.count else { throw reader.error("trailing characters after the JSON value") }
        return value
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
            // Scan first (integer digits, fraction digits, exponent), then convert.
            let integerStart = position
            skipDigits()
            let integerEnd = position
            var fractionStart = position, fractionEnd = position
            if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
                position += 1
                fractionStart = position
                skipDigits()
                fractionEnd = position
                guard fractionEnd > fractionStart else { throw error("invalid fraction") }
            }
            var exponent = 0
            var hasExponent = false
            if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
                hasExponent = true
                position += 1
                var exponentNegative = false
                if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                    exponentNegative = bytes[position] == UInt8(ascii: "-")
                    position += 1
                }
                guard position < bytes.count, Self.isDigit(bytes[position]) else { throw error("invalid exponent") }
                while position < bytes.count, Self.isDigit(bytes[position]) {
                    if exponent < 100_000 { exponent = exponent * 10 + Int(bytes[position] &- UInt8(ascii: "0")) }
                    position += 1
                }
                if exponentNegative { exponent = -exponent }
            }

            if fractionEnd == fractionStart && !hasExponent {
                // An integer: exact as Int64, or UInt64 past Int64.max; beyond that a Double.
                var magnitude: UInt64 = 0
                var overflow = false
                for i in integerStart..<integerEnd {
                    let (m1, o1) = magnitude.multipliedReportingOverflow(by: 10)
                    let (m2, o2) = m1.addingReportingOverflow(UInt64(bytes[i] &- UInt8(ascii: "0")))
                    overflow = overflow || o1 || o2
                    magnitude = m2
                }
                if !overflow {
                    if !negative { return magnitude <= UInt64(Int64.max) ? .int(Int64(magnitude)) : .uint(magnitude) }
                    if magnitude <= UInt64(Int64.max) { return .int(-Int64(magnitude)) }
                    if magnitude == UInt64(Int64.max) + 1 { return .int(.min) }
                }
            } else {
                // value = significand × 10^(exponent − fraction digits). Leading zeros (a lone "0"
                // integer part, zeros opening the fraction) add nothing to the significand.
                var first = integerStart
                if integerEnd - integerStart == 1 && bytes[integerStart] == UInt8(ascii: "0") { first = integerEnd }
                var fractionFirst = fractionStart
                if first == integerEnd {
                    while fractionFirst < fractionEnd && bytes[fractionFirst] == UInt8(ascii: "0") { fractionFirst += 1 }
                }
                let digits = (integerEnd - first) + (fractionEnd - fractionFirst)
                if digits <= 19 {
                    var significand: UInt64 = 0
                    accumulateDigits(first..<integerEnd, into: &significand)
                    accumulateDigits(fractionFirst..<fractionEnd, into: &significand)
                    if let value = Self.fastDouble(significand: significand, power: exponent - (fractionEnd - fractionStart)) {
                        return .double(negative ? -value : value)
                    }
                }
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

        // Digits eight at a time (SWAR): vectors arrive as hundreds of 9–17 digit numbers, and a
        // byte-at-a-time loop was most of their parsing cost.

        /// Advances past a run of ASCII digits.
        @inline(__always) mutating func skipDigits() {
            while position + 8 <= bytes.count, Self.allDigits(word(at: position)) { position += 8 }
            while position < bytes.count, Self.isDigit(bytes[position]) { position += 1 }
        }

        /// Appends the decimal digits in `range` to `significand` (`significand × 10^range.count +
        /// their value`); the caller keeps the total to 19 digits, so nothing overflows.
        @inline(__always) func accumulateDigits(_ range: Range<Int>, into significand: inout UInt64) {
            var i = range.lowerBound
            while i + 8 <= range.upperBound {
                significand = significand &* 100_000_000 &+ Self.eightDigits(word(at: i))
                i += 8
            }
            while i < range.upperBound {
                significand = significand &* 10 &+ UInt64(bytes[i] &- UInt8(ascii: "0"))
                i += 1
            }
        }

        /// The eight bytes at `offset` as a little-endian word; the caller checks `offset + 8 <= bytes.count`.
        @inline(__always) func word(at offset: Int) -> UInt64 {
            UInt64(littleEndian: UnsafeRawPointer(bytes.baseAddress! + offset).loadUnaligned(as: UInt64.self))
        }

        /// Whether all eight bytes of `word` are ASCII digits: each byte's high nibble is 3, and
        /// adding 6 does not carry out of its low nibble (so the low nibble is at most 9).
        @inline(__always) static func allDigits(_ word: UInt64) -> Bool {
            let high: UInt64 = 0xF0F0_F0F0_F0F0_F0F0
            return ((word & high) | (((word &+ 0x0606_0606_0606_0606) & high) >> 4)) == 0x3333_3333_3333_3333
        }

        /// The value of eight ASCII digits (the first in the lowest byte): pairs, then quads,
        /// then the whole, each step one multiply that combines neighbours.
        @inline(__always) static func eightDigits(_ word: UInt64) -> UInt64 {
            var value = word & 0x0F0F_0F0F_0F0F_0F0F
            value = (value &* (10 << 8 + 1)) >> 8
            value = ((value & 0x00FF_00FF_00FF_00FF) &* (100 << 16 + 1)) >> 16
            return ((value & 0x0000_FFFF_0000_FFFF) &* (10_000 << 32 + 1)) >> 32
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

    /// A Float with 9 significant digits (trailing zeros dropped), which reads back as the same
    /// Float; about 3× cheaper than `writeFloat`'s shortest form. For bulk vector bodies.
    public static func writeFloat9(_ f: Float, into out: inout [UInt8]) {
        F32Decimal.write(f, into: &out)
    }

    /// `[v0,v1,…]` with `writeFloat9`'s digits, written straight into one buffer.
    public static func writeFloatArray9(_ values: [Float], into out: inout [UInt8]) {
        F32Decimal.writeArray(values, into: &out)
    }

    /// Appends `s` as a JSON string. Runs of bytes that need no escape are copied in one append each
    /// (byte-at-a-time appends were 8 % of a `courses.list` answer's CPU).
    public static func writeString(_ s: String, into out: inout [UInt8]) {
        var s = s
        s.withUTF8 { utf8 in
            out.append(UInt8(ascii: "\""))
            var runStart = 0
            for index in utf8.indices {
                let byte = utf8[index]
                guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                runStart = index + 1
                switch byte {
                case 0x22: out.append(contentsOf: [0x5C, 0x22])
                case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
                case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
                default:
                    out.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                            UUIDText.hexDigit(byte >> 4), UUIDText.hexDigit(byte & 15)])
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
            out.append(UInt8(ascii: "\""))
        }
    }
}

/// Prints finite Floats with 9 significant digits (trailing zeros dropped).
///
/// Nine significant digits identify every f32, so the text reads back as the same Float. The digits
/// come from the exact Double of the Float scaled by a power of ten in Double arithmetic: at most
/// two roundings of 2^-53 each, so the 9-digit integer is the correctly rounded one or its
/// neighbour. A neighbour is still within 1.5 units of the 9th digit (≤ 1.5e-8 relative), inside the
/// Float's half-ulp (≥ 2.98e-8 relative), so the round trip holds either way. Bytes go straight
/// into the output's storage: no String per number, as `Float.description` needs.
enum F32Decimal {
    /// At most this many bytes per number: "-0.00000" and 9 digits, or "-d.dddddddde-45".
    static let maxBytes = 17

    /// 10^-60 … 10^60 as Doubles (exact up to 10^22, correctly rounded beyond).
    static let powers: [Double] = (-60...60).map { Double("1e\($0)")! }

    /// Appends `[v0,v1,…]`; non-finite components print as `null`.
    static func writeArray(_ values: [Float], into out: inout [UInt8]) {
        let capacity = values.count * (maxBytes + 1) + 2
        let written = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            powers.withUnsafeBufferPointer { powers in
                var p = buffer.baseAddress!
                p.pointee = UInt8(ascii: "["); p += 1
                for (i, value) in values.enumerated() {
                    if i > 0 { p.pointee = UInt8(ascii: ","); p += 1 }
                    p = write(value, to: p, powers: powers.baseAddress!)
                }
                p.pointee = UInt8(ascii: "]"); p += 1
                count = p - buffer.baseAddress!
            }
        }
        out.append(contentsOf: written)
    }

    static func write(_ value: Float, into out: inout [UInt8]) {
        let written = [UInt8](unsafeUninitializedCapacity: maxBytes) { buffer, count in
            powers.withUnsafeBufferPointer { powers in
                count = write(value, to: buffer.baseAddress!, powers: powers.baseAddress!) - buffer.baseAddress!
            }
        }
        out.append(contentsOf: written)
    }

    /// Writes one number at `p` (room for `maxBytes`), returning the byte after it.
    @inline(__always)
    static func write(_ value: Float, to start: UnsafeMutablePointer<UInt8>, powers: UnsafePointer<Double>) -> UnsafeMutablePointer<UInt8> {
        var p = start
        guard value.isFinite else {
            for byte in "null".utf8 { p.pointee = byte; p += 1 }
            return p
        }
        if value.sign == .minus { p.pointee = UInt8(ascii: "-"); p += 1 }
        let magnitude = Double(value.magnitude)
        if magnitude == 0 { p.pointee = UInt8(ascii: "0"); return p + 1 }
        // k = ⌊log10(magnitude)⌋, estimated from the binary exponent and corrected below.
        var k = Int((Double(magnitude.exponent) * 0.30102999566398120).rounded(.down))
        var scaled = magnitude * powers[60 + 8 - k]
        if scaled >= 999_999_999.5 { k += 1; scaled = magnitude * powers[60 + 8 - k] }
        else if scaled < 99_999_999.5 { k -= 1; scaled = magnitude * powers[60 + 8 - k] }
        var digits = UInt64(scaled.rounded(.toNearestOrEven))
        if digits >= 1_000_000_000 { digits /= 10; k += 1 }
        var count = 9
        while count > 1 && digits % 10 == 0 { digits /= 10; count -= 1 }
        // The digits, most significant first, in 16 bytes of scratch.
        var scratch: (UInt64, UInt64) = (0, 0)
        return withUnsafeMutableBytes(of: &scratch) { d in
            var n = digits
            var i = count - 1
            while i >= 0 { d[i] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: n % 10); n /= 10; i -= 1 }
            if k >= 0 && k < 9 {
                // d…d[.d…d]
                let whole = k + 1
                for j in 0..<min(count, whole) { p.pointee = d[j]; p += 1 }
                if count <= whole {
                    for _ in count..<whole { p.pointee = UInt8(ascii: "0"); p += 1 }
                } else {
                    p.pointee = UInt8(ascii: "."); p += 1
                    for j in whole..<count { p.pointee = d[j]; p += 1 }
                }
            } else if k < 0 && k >= -6 {
                // 0.0…0d…d
                p.pointee = UInt8(ascii: "0"); p += 1
                p.pointee = UInt8(ascii: "."); p += 1
                for _ in 0..<(-k - 1) { p.pointee = UInt8(ascii: "0"); p += 1 }
                for j in 0..<count { p.pointee = d[j]; p += 1 }
            } else {
                // d[.d…d]e±k
                p.pointee = d[0]; p += 1
                if count > 1 {
                    p.pointee = UInt8(ascii: "."); p += 1
                    for j in 1..<count { p.pointee = d[j]; p += 1 }
                }
                p.pointee = UInt8(ascii: "e"); p += 1
                var e = k
                if e < 0 { p.pointee = UInt8(ascii: "-"); p += 1; e = -e }
                if e >= 10 { p.pointee = UInt8(ascii: "0") &+ UInt8(e / 10); p += 1 }
                p.pointee = UInt8(ascii: "0") &+ UInt8(e % 10); p += 1
            }
            return p
        }
    }
}
