import Foundation
import JSON

/// Reads a procedure's input the way the platform's zod schema does, collecting zod-shaped issues.
///
/// tRPC answers a failed input parse with BAD_REQUEST whose `message` is the zod issue list as
/// `JSON.stringify(issues, null, 2)`; the web app shows those messages. Each reader method records an
/// issue (zod v3 shape and key order) and returns nil when the field is wrong; `finish()` throws them
/// all at once, as zod reports every issue of an input, not only the first.
struct InputReader {
    private(set) var issues: [WireValue] = []
    private let fields: [String: JSONValue]
    /// The path prefix of nested readers (`data.name`).
    private let prefix: [String]

    /// - `input`: the procedure's input, nil when the client sent none (`undefined`).
    /// - `optional`: whether the whole input may be omitted (`z.object({...}).optional()`).
    init(_ input: JSONValue?, optional: Bool = false, prefix: [String] = []) {
        self.prefix = prefix
        switch input {
        case .object(let object)?:
            fields = object
        case nil where optional, .null? where optional:
            fields = [:]
        case nil:
            fields = [:]
            issues.append(Self.invalidType(expected: "object", received: "undefined", path: prefix, message: "Required"))
        case let other?:
            fields = [:]
            issues.append(Self.invalidType(expected: "object", received: Self.typeName(other), path: prefix))
        }
    }

    /// Whether the input carries `key` at all (also as null).
    func has(_ key: String) -> Bool { fields[key] != nil }
    func raw(_ key: String) -> JSONValue? { fields[key] }

    /// Throws BAD_REQUEST with the collected issues, if any.
    func finish() throws {
        guard !issues.isEmpty else { return }
        throw TRPCError(.badRequest, WireValue.array(issues).prettyPrinted())
    }

    mutating func record(_ issue: WireValue) { issues.append(issue) }

    // MARK: Fields

    /// A string; `uuid` checks the canonical 8-4-4-4-12 form; `url` an absolute http(s) URL.
    mutating func string(
        _ key: String, required: Bool = true, nullable: Bool = false, min: Int? = nil, max: Int? = nil, uuid: Bool = false, url: Bool = false,
        minMessage: String? = nil, maxMessage: String? = nil, formatMessage: String? = nil
    ) -> String? {
        guard let value = present(key, required: required, nullable: nullable, expected: "string") else { return nil }
        guard case .string(let text) = value else { issues.append(Self.invalidType(expected: "string", received: Self.typeName(value), path: path(key))); return nil }
        var ok = true
        let length = text.utf16.count  // JavaScript string length
        if let min, length < min {
            issues.append(.object([
                ("code", .string("too_small")), ("minimum", .int(min)), ("type", .string("string")), ("inclusive", .bool(true)), ("exact", .bool(false)),
                ("message", .string(minMessage ?? "String must contain at least \(min) character(s)")), ("path", pathWire(key)),
            ]))
            ok = false
        }
        if let max, length > max {
            issues.append(.object([
                ("code", .string("too_big")), ("maximum", .int(max)), ("type", .string("string")), ("inclusive", .bool(true)), ("exact", .bool(false)),
                ("message", .string(maxMessage ?? "String must contain at most \(max) character(s)")), ("path", pathWire(key)),
            ]))
            ok = false
        }
        if uuid, !Self.isUUID(text) {
            issues.append(.object([
                ("validation", .string("uuid")), ("code", .string("invalid_string")), ("message", .string(formatMessage ?? "Invalid uuid")), ("path", pathWire(key)),
            ]))
            ok = false
        }
        if url, !Self.isURL(text) {
            issues.append(.object([
                ("validation", .string("url")), ("code", .string("invalid_string")), ("message", .string(formatMessage ?? "Invalid url")), ("path", pathWire(key)),
            ]))
            ok = false
        }
        return ok ? text : nil
    }

    /// A UUID-valued string.
    mutating func uuid(_ key: String, required: Bool = true, message: String? = nil) -> UUID? {
        string(key, required: required, uuid: true, formatMessage: message).flatMap(UUID.init(uuidString:))
    }

    /// A number; `integer` refuses fractions (zod `.int()`); bounds as zod's `.min/.max/.positive`.
    mutating func number(
        _ key: String, required: Bool = true, integer: Bool = false, minimum: Double? = nil, exclusiveMinimum: Bool = false, maximum: Double? = nil,
        integerMessage: String? = nil, minMessage: String? = nil, maxMessage: String? = nil
    ) -> Double? {
        guard let value = present(key, required: required, nullable: false, expected: "number") else { return nil }
        guard let number = value.numberValue else {
            issues.append(Self.invalidType(expected: "number", received: Self.typeName(value), path: path(key)))
            return nil
        }
        var ok = true
        if integer, number != number.rounded() {
            issues.append(.object([
                ("code", .string("invalid_type")), ("expected", .string("integer")), ("received", .string("float")),
                ("message", .string(integerMessage ?? "Expected integer, received float")), ("path", pathWire(key)),
            ]))
            ok = false
        }
        if let minimum, exclusiveMinimum ? !(number > minimum) : !(number >= minimum) {
            issues.append(.object([
                ("code", .string("too_small")), ("minimum", Self.numberWire(minimum)), ("type", .string("number")), ("inclusive", .bool(!exclusiveMinimum)),
                ("exact", .bool(false)),
                ("message", .string(minMessage ?? (exclusiveMinimum ? "Number must be greater than \(Self.format(minimum))" : "Number must be greater than or equal to \(Self.format(minimum))"))),
                ("path", pathWire(key)),
            ]))
            ok = false
        }
        if let maximum, !(number <= maximum) {
            issues.append(.object([
                ("code", .string("too_big")), ("maximum", Self.numberWire(maximum)), ("type", .string("number")), ("inclusive", .bool(true)), ("exact", .bool(false)),
                ("message", .string(maxMessage ?? "Number must be less than or equal to \(Self.format(maximum))")), ("path", pathWire(key)),
            ]))
            ok = false
        }
        return ok ? number : nil
    }

    /// An integer within `range` (zod `z.number().int().min().max()`); nil (with an issue) when out of it.
    mutating func integer(_ key: String, required: Bool = true, in range: ClosedRange<Int>) -> Int? {
        number(key, required: required, integer: true, minimum: Double(range.lowerBound), maximum: Double(range.upperBound)).map { Int($0) }
    }

    mutating func bool(_ key: String, required: Bool = true) -> Bool? {
        guard let value = present(key, required: required, nullable: false, expected: "boolean") else { return nil }
        guard case .bool(let flag) = value else {
            issues.append(Self.invalidType(expected: "boolean", received: Self.typeName(value), path: path(key)))
            return nil
        }
        return flag
    }

    /// One of `options` (zod `z.enum`).
    mutating func enumeration(_ key: String, required: Bool = true, options: [String]) -> String? {
        guard let value = present(key, required: required, nullable: false, expected: options.map { "'\($0)'" }.joined(separator: " | ")) else { return nil }
        guard case .string(let text) = value else {
            issues.append(Self.invalidType(expected: options.map { "'\($0)'" }.joined(separator: " | "), received: Self.typeName(value), path: path(key)))
            return nil
        }
        guard options.contains(text) else {
            issues.append(.object([
                ("received", .string(text)), ("code", .string("invalid_enum_value")), ("options", .array(options.map { .string($0) })), ("path", pathWire(key)),
                ("message", .string("Invalid enum value. Expected \(options.map { "'\($0)'" }.joined(separator: " | ")), received '\(text)'")),
            ]))
            return nil
        }
        return text
    }

    /// A nested object, read by `body` with paths under `key`.
    mutating func object<R>(_ key: String, required: Bool = true, _ body: (inout InputReader) -> R) -> R? {
        guard let value = present(key, required: required, nullable: false, expected: "object") else { return nil }
        var nested = InputReader(value, prefix: prefix + [key])
        let result = body(&nested)
        issues += nested.issues
        return nested.issues.isEmpty ? result : nil
    }

    /// Any JSON object (zod `z.record(z.unknown())`).
    mutating func anyObject(_ key: String, required: Bool = false) -> [String: JSONValue]? {
        guard let value = present(key, required: required, nullable: false, expected: "object") else { return nil }
        guard case .object(let object) = value else {
            issues.append(Self.invalidType(expected: "object", received: Self.typeName(value), path: path(key)))
            return nil
        }
        return object
    }

    // MARK: Plumbing

    /// The value of `key`, or nil: a missing required key records `Required`; a null records
    /// `Expected X, received null` unless `nullable`.
    private mutating func present(_ key: String, required: Bool, nullable: Bool, expected: String) -> JSONValue? {
        switch fields[key] {
        case nil:
            if required { issues.append(Self.invalidType(expected: expected, received: "undefined", path: path(key), message: "Required")) }
            return nil
        case .null?:
            if !nullable { issues.append(Self.invalidType(expected: expected, received: "null", path: path(key))) }
            return nil
        case let value?:
            return value
        }
    }

    private func path(_ key: String) -> [String] { prefix + [key] }
    private func pathWire(_ key: String) -> WireValue { .array(path(key).map { .string($0) }) }

    static func invalidType(expected: String, received: String, path: [String], message: String? = nil) -> WireValue {
        .object([
            ("code", .string("invalid_type")), ("expected", .string(expected)), ("received", .string(received)),
            ("path", .array(path.map { .string($0) })), ("message", .string(message ?? "Expected \(expected), received \(received)")),
        ])
    }

    static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .int, .uint, .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    static func numberWire(_ value: Double) -> WireValue {
        value == value.rounded() && abs(value) < 1e15 ? .int(Int(value)) : .double(value)
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// zod's uuid check: 8-4-4-4-12 hex digits (any version).
    static func isUUID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return false }
        for (i, byte) in bytes.enumerated() {
            if [8, 13, 18, 23].contains(i) { if byte != UInt8(ascii: "-") { return false } ; continue }
            let hex = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
            if !hex { return false }
        }
        return true
    }

    static func isURL(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), url.host?.isEmpty == false else { return false }
        return scheme == "http" || scheme == "https"
    }
}
