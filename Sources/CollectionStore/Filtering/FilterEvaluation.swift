import Foundation

extension Filter {
    /// Whether a point with this id and payload passes the filter, with Qdrant's semantics for a
    /// collection without a text index (`match.text` is a case-sensitive substring test).
    public func matches(id: PointID, payload: [String: JSONValue]) -> Bool {
        FilterEvaluator.plain.matches(self, id: id, payload: payload)
    }
}

/// Evaluates filters against one payload at a time.
///
/// The only thing an index changes in Qdrant's semantics is `match.text`: on a key with a text
/// index it is a token match (every query token among the point's tokens), elsewhere a substring
/// test. `tokenizedKeys` lists the keys that have a text index.
struct FilterEvaluator {
    var tokenizedKeys: Set<PayloadPath>

    static let plain = FilterEvaluator(tokenizedKeys: [])

    /// `id` is nil inside `nested` objects, where `has_id` never matches.
    func matches(_ filter: Filter, id: PointID?, payload: [String: JSONValue]) -> Bool {
        if let should = filter.should, !should.isEmpty,
           !should.contains(where: { matches($0, id: id, payload: payload) }) {
            return false
        }
        if let minShould = filter.minShould {
            var remaining = minShould.minCount
            for condition in minShould.conditions where remaining > 0 {
                if matches(condition, id: id, payload: payload) { remaining -= 1 }
            }
            if remaining > 0 { return false }
        }
        if let must = filter.must, !must.allSatisfy({ matches($0, id: id, payload: payload) }) {
            return false
        }
        if let mustNot = filter.mustNot, mustNot.contains(where: { matches($0, id: id, payload: payload) }) {
            return false
        }
        return true
    }

    func matches(_ condition: Condition, id: PointID?, payload: [String: JSONValue]) -> Bool {
        switch condition {
        case .field(let field):
            return matches(field, payload: payload)
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
            var null = false
            key.forEachValue(in: payload) { if case .null = $0 { null = true } }
            return null
        case .hasID(let ids):
            guard let id else { return false }
            return ids.contains(id)
        case .nested(let nested):
            var found = false
            nested.key.withTrailingEveryElement.forEachValue(in: payload) { value in
                if !found, case .object(let object) = value, matches(nested.filter, id: nil, payload: object) {
                    found = true
                }
            }
            return found
        case .filter(let inner):
            return matches(inner, id: id, payload: payload)
        }
    }

    func matches(_ field: FieldCondition, payload: [String: JSONValue]) -> Bool {
        if case .match(.text(let text)) = field.predicate, tokenizedKeys.contains(field.key) {
            return Self.tokenMatch(text, key: field.key, payload: payload)
        }
        var sawValue = false
        var matched = false
        field.key.forEachValue(in: payload) { value in
            sawValue = true
            if !matched && Self.check(field.predicate, value) { matched = true }
        }
        if !sawValue, case .valuesCount(let count) = field.predicate { return count.contains(0) }
        return matched
    }

    /// One resolved value: an array matches when any element does (one level, as Qdrant).
    static func check(_ predicate: FieldPredicate, _ value: JSONValue) -> Bool {
        switch predicate {
        case .valuesCount(let count):
            switch value {
            case .null: return count.contains(0)
            case .array(let elements): return count.contains(elements.count)
            default: return count.contains(1)
            }
        case .match(let match):
            if case .array(let elements) = value { return elements.contains { check(match, $0) } }
            return check(match, value)
        case .range(let range):
            if case .array(let elements) = value { return elements.contains { $0.numberValue.map(range.contains) ?? false } }
            return value.numberValue.map(range.contains) ?? false
        }
    }

    /// One scalar (or, for `except`, an array nested inside an array, which counts as not listed).
    static func check(_ match: Match, _ value: JSONValue) -> Bool {
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
        case .text(let text):
            guard case .string(let v) = value else { return false }
            return text.isEmpty || v.contains(text)
        }
    }

    /// Text-index semantics: the query's tokens are all among the tokens of the key's strings.
    static func tokenMatch(_ text: String, key: PayloadPath, payload: [String: JSONValue]) -> Bool {
        let wanted = Set(TextTokenizer.tokens(of: text))
        guard !wanted.isEmpty else { return false }
        var have = Set<String>()
        key.forEachValue(in: payload) { value in
            value.forEachFlattened { element in
                if case .string(let s) = element { have.formUnion(TextTokenizer.tokens(of: s)) }
            }
        }
        return wanted.isSubset(of: have)
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

/// The tokenizer of text indexes: lowercase, split on every character that is not a letter or digit.
public enum TextTokenizer {
    public static func tokens(of text: String) -> [String] {
        var tokens: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in text.lowercased().unicodeScalars {
            if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                current.append(scalar)
            } else if !current.isEmpty {
                tokens.append(String(current))
                current = String.UnicodeScalarView()
            }
        }
        if !current.isEmpty { tokens.append(String(current)) }
        return tokens
    }
}
