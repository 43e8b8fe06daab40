/// The message JavaScript's `JSON.parse` (V8, as in Node 20) gives for malformed JSON, which tRPC
/// puts in its BAD_REQUEST for an unparsable input: clients and logs see the same text as from the
/// platform (`Unexpected end of JSON input`, `Expected property name or '}' in JSON at position 1`).
///
/// A recogniser only (it builds no values), used after the project's own parser refused the bytes;
/// nesting is bounded like the parser's, so it cannot recurse without limit.
enum V8JSONMessage {
    static func describe(_ bytes: [UInt8], maxDepth: Int = 64) -> String {
        var scanner = Scanner(bytes: bytes, maxDepth: maxDepth)
        do {
            scanner.skipWhitespace()
            try scanner.value(depth: 0)
            scanner.skipWhitespace()
            if scanner.position < bytes.count { return "Unexpected non-whitespace character after JSON at position \(scanner.position)" }
            return "JSON nested deeper than \(maxDepth) levels"
        } catch {
            return error.message
        }
    }

    struct Failure: Error { let message: String }

    struct Scanner {
        let bytes: [UInt8]
        let maxDepth: Int
        var position = 0

        init(bytes: [UInt8], maxDepth: Int) {
            self.bytes = bytes
            self.maxDepth = maxDepth
        }

        var atEnd: Bool { position >= bytes.count }
        var current: UInt8 { bytes[position] }

        mutating func skipWhitespace() {
            while !atEnd, [0x20, 0x09, 0x0A, 0x0D].contains(current) { position += 1 }
        }

        func unexpectedToken() -> Failure {
            if atEnd { return Failure(message: "Unexpected end of JSON input") }
            let text = String(decoding: bytes, as: UTF8.self)
            let token = String(decoding: [current], as: UTF8.self)
            let shown = text.count <= 30 ? "\"\(text)\"" : "\"\(text.prefix(10))\"..."
            return Failure(message: "Unexpected token '\(token)', \(shown) is not valid JSON")
        }

        func expected(_ what: String) -> Failure {
            atEnd ? Failure(message: "Unexpected end of JSON input") : Failure(message: "\(what) in JSON at position \(position)")
        }

        mutating func value(depth: Int) throws(Failure) {
            guard !atEnd else { throw Failure(message: "Unexpected end of JSON input") }
            switch current {
            case UInt8(ascii: "{"):
                guard depth < maxDepth else { throw Failure(message: "JSON nested deeper than \(maxDepth) levels") }
                position += 1
                skipWhitespace()
                if !atEnd, current == UInt8(ascii: "}") { position += 1; return }
                while true {
                    guard !atEnd, current == UInt8(ascii: "\"") else { throw expected("Expected property name or '}'") }
                    try string()
                    skipWhitespace()
                    guard !atEnd, current == UInt8(ascii: ":") else { throw expected("Expected ':' after property name") }
                    position += 1
                    skipWhitespace()
                    try value(depth: depth + 1)
                    skipWhitespace()
                    guard !atEnd else { throw Failure(message: "Unexpected end of JSON input") }
                    if current == UInt8(ascii: "}") { position += 1; return }
                    guard current == UInt8(ascii: ",") else { throw expected("Expected ',' or '}' after property value") }
                    position += 1
                    skipWhitespace()
                }
            case UInt8(ascii: "["):
                guard depth < maxDepth else { throw Failure(message: "JSON nested deeper than \(maxDepth) levels") }
                position += 1
                skipWhitespace()
                if !atEnd, current == UInt8(ascii: "]") { position += 1; return }
                while true {
                    try value(depth: depth + 1)
                    skipWhitespace()
                    guard !atEnd else { throw Failure(message: "Unexpected end of JSON input") }
                    if current == UInt8(ascii: "]") { position += 1; return }
                    guard current == UInt8(ascii: ",") else { throw expected("Expected ',' or ']' after array element") }
                    position += 1
                    skipWhitespace()
                }
            case UInt8(ascii: "\""):
                try string()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                try number()
            default:
                throw unexpectedToken()
            }
        }

        mutating func literal(_ word: String) throws(Failure) {
            for expectedByte in word.utf8 {
                guard !atEnd, current == expectedByte else { throw unexpectedToken() }
                position += 1
            }
        }

        mutating func string() throws(Failure) {
            position += 1  // opening quote
            while !atEnd {
                let byte = current
                if byte == UInt8(ascii: "\"") { position += 1; return }
                if byte < 0x20 { throw Failure(message: "Bad control character in string literal in JSON at position \(position)") }
                if byte == UInt8(ascii: "\\") {
                    position += 1
                    guard !atEnd else { break }
                    switch current {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"),
                         UInt8(ascii: "r"), UInt8(ascii: "t"):
                        position += 1
                    case UInt8(ascii: "u"):
                        position += 1
                        for _ in 0..<4 {
                            guard !atEnd else { throw Failure(message: "Unterminated string in JSON at position \(position)") }
                            guard isHex(current) else { throw Failure(message: "Bad Unicode escape in JSON at position \(position)") }
                            position += 1
                        }
                    default:
                        throw Failure(message: "Bad escaped character in JSON at position \(position)")
                    }
                    continue
                }
                position += 1
            }
            throw Failure(message: "Unterminated string in JSON at position \(position)")
        }

        func isHex(_ byte: UInt8) -> Bool {
            (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
        }

        mutating func number() throws(Failure) {
            if current == UInt8(ascii: "-") {
                position += 1
                guard !atEnd else { throw Failure(message: "No number after minus sign in JSON at position \(position)") }
                guard (0x30...0x39).contains(current) else { throw Failure(message: "No number after minus sign in JSON at position \(position)") }
            }
            while !atEnd, (0x30...0x39).contains(current) { position += 1 }
            if !atEnd, current == UInt8(ascii: ".") {
                position += 1
                guard !atEnd, (0x30...0x39).contains(current) else {
                    throw atEnd ? Failure(message: "Unterminated fractional number in JSON at position \(position)")
                        : Failure(message: "Unterminated fractional number in JSON at position \(position)")
                }
                while !atEnd, (0x30...0x39).contains(current) { position += 1 }
            }
            if !atEnd, current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                position += 1
                if !atEnd, current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
                guard !atEnd, (0x30...0x39).contains(current) else { throw Failure(message: "Exponent part is missing a number in JSON at position \(position)") }
                while !atEnd, (0x30...0x39).contains(current) { position += 1 }
            }
        }
    }
}
