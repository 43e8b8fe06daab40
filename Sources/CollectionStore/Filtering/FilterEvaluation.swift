import JSON
import Foundation

extension Filter {
    /// Whether a point with this id, payload and vectors passes the filter (Qdrant's semantics).
    /// `hasVector(name)` tells whether the point has a vector of that name; the default is a point
    /// without vectors, for which `has_vector` never holds. `tokenizedKeys` are the keys with a text
    /// index, whose `match.text` / `match.text_any` compare tokens; elsewhere they compare substrings,
    /// as Qdrant's server does (see `Match.text`).
    public func matches(id: PointID, payload: [String: JSONValue], hasVector: (String) -> Bool = { _ in false },
                        tokenizedKeys: Set<PayloadPath> = []) -> Bool {
        FilterEvaluator.matches(self, id: id, payload: payload, hasVector: hasVector, tokenized: tokenizedKeys)
    }
}

/// Evaluates filters against one payload at a time, as Qdrant's server does (and as
/// qdrant-client 1.20's local mode reproduces it).
enum FilterEvaluator {
    /// `id` is nil inside `nested` objects, where `has_id` never matches (nor `has_vector`).
    static func matches(_ filter: Filter, id: PointID?, payload: [String: JSONValue], hasVector: (String) -> Bool,
                        tokenized: Set<PayloadPath>) -> Bool {
        if let should = filter.should, !should.isEmpty,
           !should.contains(where: { matches($0, id: id, payload: payload, hasVector: hasVector, tokenized: tokenized) }) {
            return false
        }
        if let minShould = filter.minShould {
            var remaining = minShould.minCount
            for condition in minShould.conditions where remaining > 0 {
                if matches(condition, id: id, payload: payload, hasVector: hasVector, tokenized: tokenized) { remaining -= 1 }
            }
            if remaining > 0 { return false }
        }
        if let must = filter.must, !must.allSatisfy({ matches($0, id: id, payload: payload, hasVector: hasVector, tokenized: tokenized) }) {
            return false
        }
        if let mustNot = filter.mustNot, mustNot.contains(where: { matches($0, id: id, payload: payload, hasVector: hasVector, tokenized: tokenized) }) {
            return false
        }
        return true
    }

    static func matches(_ condition: Condition, id: PointID?, payload: [String: JSONValue], hasVector: (String) -> Bool,
                        tokenized: Set<PayloadPath>) -> Bool {
        switch condition {
        case .field(let field):
            return matches(field, payload: payload, tokenized: tokenized.contains(field.key))
        case .isEmpty(let key):
            var empty = true
            key.forEachValue(in: payload) { value in
                switch value {
                case .null: break
                case .array(let elements) where elements.isEmpty: break
                default: empty = false
                }
            }
            return empty
        case .isNull(let key):
            // A null, or an array holding a null one level down (qdrant#10101).
            var null = false
            key.forEachValue(in: payload) { if $0.isNullOrHoldsNull { null = true } }
            return null
        case .hasID(let ids):
            guard let id else { return false }
            return ids.contains(id)
        case .nested(let nested):
            var found = false
            nested.key.withTrailingEveryElement.forEachValue(in: payload) { value in
                if !found, case .object(let object) = value, matches(nested.filter, id: nil, payload: object, hasVector: { _ in false }, tokenized: []) {
                    found = true
                }
            }
            return found
        case .filter(let inner):
            return matches(inner, id: id, payload: payload, hasVector: hasVector, tokenized: tokenized)
        case .hasVector(let name):
            return id != nil && hasVector(name)
        }
    }

    static func matches(_ field: FieldCondition, payload: [String: JSONValue], tokenized: Bool = false) -> Bool {
        var sawValue = false
        var matched = false
        field.key.forEachValue(in: payload) { value in
            sawValue = true
            if !matched && Self.check(field.predicate, value, tokenized: tokenized) { matched = true }
        }
        return matched
    }

    /// One resolved value: an array matches when any element does (one level, as Qdrant).
    static func check(_ predicate: FieldPredicate, _ value: JSONValue, tokenized: Bool = false) -> Bool {
        switch predicate {
        case .valuesCount(let count):
            switch value {
            case .null: return count.contains(0)
            case .array(let elements): return count.contains(elements.count)
            default: return count.contains(1)
            }
        case .match(let match):
            if case .array(let elements) = value { return elements.contains { check(match, $0, tokenized: tokenized) } }
            return check(match, value, tokenized: tokenized)
        case .range(let range):
            if case .array(let elements) = value { return elements.contains { $0.numberValue.map(range.contains) ?? false } }
            return value.numberValue.map(range.contains) ?? false
        case .datetimeRange(let range):
            var hit = false
            value.forEachFlattened { v in
                if !hit, case .string(let text) = v, let micros = DateTime.microseconds(text), range.contains(micros) { hit = true }
            }
            return hit
        case .geo(let shape):
            return shape.matches(value)
        }
    }

    /// One scalar (or, for `except`, an array nested inside an array, which counts as not listed).
    static func check(_ match: Match, _ value: JSONValue, tokenized: Bool = false) -> Bool {
        switch match {
        case .value(.keyword(let s)):
            if case .string(let v) = value { return v == s }
            return false
        case .value(.integer(let n)):
            return value.exactInt64 == n
        case .value(.bool(let b)):
            if case .bool(let v) = value { return v == b }
            return false
        case .any(.keywords(let list)):
            if case .string(let v) = value { return list.contains(v) }
            return false
        case .any(.integers(let list)):
            guard let v = value.exactInt64 else { return false }
            return list.contains(v)
        case .except(let list):
            switch (value, list) {
            case (.null, _): return false
            case (.string(let v), .keywords(let listed)): return !listed.contains(v)
            case (.int, .integers(let listed)), (.uint, .integers(let listed)):
                guard let v = value.exactInt64 else { return true }
                return !listed.contains(v)
            default: return true
            }
        case .text(let text) where !tokenized:
            // Qdrant's value checker: the query as a substring of the string (bytes; "" is in every string).
            guard case .string(let v) = value else { return false }
            return Self.contains(v, text)
        case .textAny(let text) where !tokenized:
            // Some whitespace-separated word of the query is a substring of the string.
            guard case .string(let v) = value else { return false }
            return text.split(whereSeparator: \.isWhitespace).contains { Self.contains(v, String($0)) }
        case .text(let text):
            // Every query token is a token of this one string (qdrant#10341); no token, no match.
            guard case .string(let v) = value else { return false }
            let wanted = TextTokenizer.tokens(of: text)
            guard !wanted.isEmpty else { return false }
            let have = TextTokenizer.tokens(of: v)
            return wanted.allSatisfy(have.contains)
        case .textAny(let text):
            guard case .string(let v) = value else { return false }
            let wanted = TextTokenizer.tokens(of: text)
            guard !wanted.isEmpty else { return false }
            let have = Set(TextTokenizer.tokens(of: v))
            return wanted.contains(where: have.contains)
        }
    }
}

extension FilterEvaluator {
    /// Whether `needle`'s UTF-8 bytes occur in `haystack`'s (Rust's `str::contains`).
    static func contains(_ haystack: String, _ needle: String) -> Bool {
        var haystack = haystack, needle = needle
        return needle.withUTF8 { n in
            guard let nBase = n.baseAddress, n.count > 0 else { return true }
            return haystack.withUTF8 { h in
                guard let hBase = h.baseAddress, h.count >= n.count else { return false }
                let first = nBase.pointee
                for start in 0...(h.count - n.count) where hBase[start] == first {
                    if memcmp(hBase + start, nBase, n.count) == 0 { return true }
                }
                return false
            }
        }
    }
}

extension JSONValue {
    /// The value as an `Int64` when it is an integer that fits (never for a `double`).
    @inlinable
    var exactInt64: Int64? {
        switch self {
        case .int(let i): i
        case .uint(let u): u <= UInt64(Int64.max) ? Int64(u) : nil
        default: nil
        }
    }

    /// `null`, or an array with a `null` element (what `is_null` looks for).
    @inlinable
    var isNullOrHoldsNull: Bool {
        switch self {
        case .null: true
        case .array(let elements): elements.contains { if case .null = $0 { true } else { false } }
        default: false
        }
    }

    /// Calls `body` with the value, or with each element when it is an array (one level).
    @inlinable
    func forEachFlattened(_ body: (JSONValue) -> Void) {
        if case .array(let elements) = self {
            for e in elements { body(e) }
        } else {
            body(self)
        }
    }
}

/// Qdrant's default word tokenizer (text matching and text indexes): split on every character
/// that is not alphanumeric (Rust's `char::is_alphanumeric`), then lowercase each token.
public enum TextTokenizer {
    public static func tokens(of text: String) -> [String] {
        var text = text
        if let ascii = text.withUTF8({ bytes in bytes.allSatisfy { $0 < 0x80 } ? asciiTokens(bytes) : nil }) {
            return ascii
        }
        var tokens: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                current.append(scalar)
            } else if !current.isEmpty {
                tokens.append(String(current).lowercased())
                current = String.UnicodeScalarView()
            }
        }
        if !current.isEmpty { tokens.append(String(current).lowercased()) }
        return tokens
    }

    /// The fast path for ASCII text: bytes, no Unicode property look-ups.
    private static func asciiTokens(_ bytes: UnsafeBufferPointer<UInt8>) -> [String] {
        var tokens: [String] = []
        var start = -1
        func flush(_ end: Int) {
            guard start >= 0 else { return }
            tokens.append(String(unsafeUninitializedCapacity: end - start) { out in
                for i in start..<end {
                    let b = bytes[i]
                    out[i - start] = b >= 0x41 && b <= 0x5A ? b + 0x20 : b
                }
                return end - start
            })
            start = -1
        }
        for i in 0..<bytes.count {
            let b = bytes[i]
            let alphanumeric = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
            if alphanumeric {
                if start < 0 { start = i }
            } else {
                flush(i)
            }
        }
        flush(bytes.count)
        return tokens
    }
}
