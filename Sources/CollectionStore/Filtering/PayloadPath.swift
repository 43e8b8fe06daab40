import JSON

/// A path into a point's payload, in Qdrant's key syntax.
///
/// Grammar (as Qdrant's `JsonPath`): a first key, then any number of `.key`, `."quoted key"`,
/// `[n]` (one array element) or `[]` (every array element). Raw keys are made of letters, digits,
/// `_` and `-`; anything else must be quoted (`"a b"."c.d"`).
///
/// Resolution follows Qdrant exactly: `.key` descends only into objects (a plain `a.b` does not
/// look inside an array `a`), `[]` fans out over an array, and a value that is itself an array is
/// returned as one value (conditions then look at its elements).
public struct PayloadPath: Hashable, Sendable, CustomStringConvertible {
    /// One step after the first key.
    public enum Step: Hashable, Sendable {
        case key(String)
        case index(Int)
        case everyElement
    }

    public let firstKey: String
    public let steps: [Step]

    public init(firstKey: String, steps: [Step] = []) {
        self.firstKey = firstKey
        self.steps = steps
    }

    /// Parses Qdrant's key syntax; nil when `text` is not a valid path.
    public init?(_ text: String) {
        var parser = Parser(Array(text.unicodeScalars))
        guard let first = parser.key(), let steps = parser.steps(), parser.atEnd else { return nil }
        self.firstKey = first
        self.steps = steps
    }

    /// The canonical text form (what `init?(_:)` parses back to an equal path).
    public var description: String {
        var out = Self.render(firstKey)
        for step in steps {
            switch step {
            case .key(let k): out += "." + Self.render(k)
            case .index(let i): out += "[\(i)]"
            case .everyElement: out += "[]"
            }
        }
        return out
    }

    /// This path with a trailing `[]` (used by `nested` conditions, which look at array elements).
    public var withTrailingEveryElement: PayloadPath {
        steps.last == .everyElement ? self : PayloadPath(firstKey: firstKey, steps: steps + [.everyElement])
    }

    /// Calls `body` with every value the path resolves to in `payload` (none when it is absent).
    @inlinable
    public func forEachValue(in payload: [String: JSONValue], _ body: (JSONValue) -> Void) {
        guard let root = payload[firstKey] else { return }
        if steps.isEmpty { body(root); return }
        Self.walk(root, steps[...], body)
    }

    /// Every value the path resolves to in `payload`.
    public func values(in payload: [String: JSONValue]) -> [JSONValue] {
        var out: [JSONValue] = []
        forEachValue(in: payload) { out.append($0) }
        return out
    }

    @usableFromInline
    static func walk(_ value: JSONValue, _ steps: ArraySlice<Step>, _ body: (JSONValue) -> Void) {
        guard let step = steps.first else { body(value); return }
        let rest = steps.dropFirst()
        switch (step, value) {
        case (.key(let k), .object(let fields)):
            if let next = fields[k] { walk(next, rest, body) }
        case (.index(let i), .array(let elements)):
            if i < elements.count { walk(elements[i], rest, body) }
        case (.everyElement, .array(let elements)):
            for element in elements { walk(element, rest, body) }
        default:
            return
        }
    }

    private static func isRaw(_ c: Unicode.Scalar) -> Bool {
        c.properties.isAlphabetic || c.properties.numericType != nil || c == "_" || c == "-"
    }

    private static func render(_ key: String) -> String {
        !key.isEmpty && key.unicodeScalars.allSatisfy(isRaw) ? key : "\"" + key + "\""
    }

    private struct Parser {
        let scalars: [Unicode.Scalar]
        var position = 0
        init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

        var atEnd: Bool { position == scalars.count }
        var current: Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

        /// A raw key or a quoted key.
        mutating func key() -> String? {
            if current == "\"" {
                position += 1
                var out = String.UnicodeScalarView()
                while let c = current, c != "\"" {
                    if c == "\\" { return nil }
                    out.append(c)
                    position += 1
                }
                guard current == "\"" else { return nil }
                position += 1
                return String(out)
            }
            let start = position
            while let c = current, PayloadPath.isRaw(c) { position += 1 }
            guard position > start else { return nil }
            var out = String.UnicodeScalarView()
            out.append(contentsOf: scalars[start..<position])
            return String(out)
        }

        mutating func steps() -> [Step]? {
            var steps: [Step] = []
            while let c = current {
                if c == "." {
                    position += 1
                    guard let k = key() else { return nil }
                    steps.append(.key(k))
                } else if c == "[" {
                    position += 1
                    if current == "]" {
                        position += 1
                        steps.append(.everyElement)
                        continue
                    }
                    var n = 0
                    let start = position
                    while let d = current, let v = d.properties.numericType == .decimal ? Int(String(d)) : nil, d.isASCII {
                        guard n < Int.max / 10 - 10 else { return nil }
                        n = n * 10 + v
                        position += 1
                    }
                    guard position > start, current == "]" else { return nil }
                    position += 1
                    steps.append(.index(n))
                } else {
                    return nil
                }
            }
            return steps
        }
    }
}
