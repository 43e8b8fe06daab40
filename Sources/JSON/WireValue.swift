
/// A JSON value being written as a response: like `JSONValue`, plus f32 numbers printed in their
/// shortest form and objects that keep their key order (so envelopes read `result, status, time`).
public indirect enum WireValue: Sendable {
    case json(JSONValue)
    case float(Float)
    case double(Double)
    case array([WireValue])
    case object([(String, WireValue)])
    /// JSON text already written (one complete value, e.g. by `JSONObjectWriter`), copied out as it is.
    case raw([UInt8])

    public static let null = WireValue.json(.null)
    public static func bool(_ b: Bool) -> WireValue { .json(.bool(b)) }
    public static func string(_ s: String) -> WireValue { .json(.string(s)) }
    public static func int(_ i: Int) -> WireValue { .json(.int(Int64(i))) }
    public static func uint(_ u: UInt64) -> WireValue { u <= UInt64(Int64.max) ? .json(.int(Int64(u))) : .json(.uint(u)) }

    public func write(into out: inout [UInt8]) {
        switch self {
        case .json(let value): JSONText.write(value, into: &out)
        case .float(let f): JSONText.writeFloat(f, into: &out)
        case .double(let d): JSONText.writeDouble(d, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let fields):
            out.append(UInt8(ascii: "{"))
            for (i, (key, value)) in fields.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONText.writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                value.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        case .raw(let text):
            out.append(contentsOf: text)
        }
    }

    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        write(into: &out)
        return out
    }
}

extension WireValue {
    /// The value indented as JavaScript's `JSON.stringify(value, null, indent)` writes it (what zod
    /// error messages look like on the wire): one member per line, `": "` after keys, `[]` and `{}`
    /// for empty containers.
    public func prettyPrinted(indent: Int = 2) -> String {
        var out: [UInt8] = []
        writePretty(into: &out, indent: indent, level: 0)
        return String(decoding: out, as: UTF8.self)
    }

    private func writePretty(into out: inout [UInt8], indent: Int, level: Int) {
        func newline(_ level: Int) {
            out.append(UInt8(ascii: "\n"))
            out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * level))
        }
        switch self {
        case .array(let items) where !items.isEmpty:
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(level + 1)
                item.writePretty(into: &out, indent: indent, level: level + 1)
            }
            newline(level)
            out.append(UInt8(ascii: "]"))
        case .object(let fields) where !fields.isEmpty:
            out.append(UInt8(ascii: "{"))
            for (i, (key, value)) in fields.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(level + 1)
                JSONText.writeString(key, into: &out)
                out.append(contentsOf: ": ".utf8)
                value.writePretty(into: &out, indent: indent, level: level + 1)
            }
            newline(level)
            out.append(UInt8(ascii: "}"))
        case .json(.array(let items)) where !items.isEmpty:
            WireValue.array(items.map { .json($0) }).writePretty(into: &out, indent: indent, level: level)
        case .json(.object(let fields)) where !fields.isEmpty:
            WireValue.object(fields.keys.sorted().compactMap { key in fields[key].map { (key, .json($0)) } })
                .writePretty(into: &out, indent: indent, level: level)
        default:
            write(into: &out)
        }
    }
}
