import Foundation

/// Writes one JSON object member by member straight into bytes, for answers built often enough that a
/// `WireValue` tree (an array and a box per member) costs more than the text: a 20-course `courses.list` page
/// spent a sixth of its CPU building and walking that tree.
///
/// Keys are the caller's own identifiers (static strings without `"` or `\`) and are written as they are;
/// every value is escaped as `JSONText` escapes it. Members appear in the order they are written.
public struct JSONObjectWriter {
    private var text: [UInt8]
    private var empty = true

    public init(capacity: Int = 512) {
        text = []
        text.reserveCapacity(capacity)
        text.append(UInt8(ascii: "{"))
    }

    /// The finished object (the writer is used up, so its text is closed without a copy).
    public consuming func finish() -> WireValue {
        text.append(UInt8(ascii: "}"))
        return .raw(text)
    }

    private mutating func key(_ key: StaticString) {
        if !empty { text.append(UInt8(ascii: ",")) }
        empty = false
        text.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { text.append(contentsOf: $0) }
        text.append(UInt8(ascii: "\""))
        text.append(UInt8(ascii: ":"))
    }

    private mutating func null() { text.append(contentsOf: "null".utf8) }

    /// A string member, `null` for nil.
    public mutating func string(_ name: StaticString, _ value: String?) {
        key(name)
        if let value { JSONText.writeString(value, into: &text) } else { null() }
    }

    /// A UUID as its lower-case 8-4-4-4-12 text, `null` for nil.
    public mutating func uuid(_ name: StaticString, _ value: UUID?) {
        key(name)
        guard let value else { return null() }
        text.append(UInt8(ascii: "\""))
        value.writeLowercased(into: &text)
        text.append(UInt8(ascii: "\""))
    }

    /// Any JSON value, `null` for nil.
    public mutating func json(_ name: StaticString, _ value: JSONValue?) {
        key(name)
        if let value { JSONText.write(value, into: &text) } else { null() }
    }

    /// Any wire value.
    public mutating func wire(_ name: StaticString, _ value: WireValue) {
        key(name)
        value.write(into: &text)
    }
}
