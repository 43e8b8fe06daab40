/// A Qdrant payload filter.
///
/// A point passes when every present clause holds:
/// - `must`: all its conditions match (an empty list is no constraint);
/// - `should`: at least one matches, if the list is non-empty (empty or absent: no constraint);
/// - `mustNot`: none matches;
/// - `minShould`: at least `minCount` of its conditions match.
///
/// `nil` and `[]` clauses evaluate the same; they are kept apart only so encoding gives back what
/// was decoded. The wire form is in `FilterCoding.swift`; evaluation in `FilterEvaluation.swift`.
public struct Filter: Hashable, Sendable {
    public var must: [Condition]?
    public var should: [Condition]?
    public var mustNot: [Condition]?
    public var minShould: MinShould?

    public init(must: [Condition]? = nil, should: [Condition]? = nil, mustNot: [Condition]? = nil, minShould: MinShould? = nil) {
        self.must = must
        self.should = should
        self.mustNot = mustNot
        self.minShould = minShould
    }

    /// True when the filter has no clause with a condition, so every point passes.
    public var isEmpty: Bool {
        (must ?? []).isEmpty && (should ?? []).isEmpty && (mustNot ?? []).isEmpty && minShould == nil
    }

    /// The filter that passes points matching both `self` and `other` (how a query's root filter
    /// is combined with a prefetch's own filter).
    public func and(_ other: Filter?) -> Filter {
        guard let other, !other.isEmpty else { return self }
        if isEmpty { return other }
        return Filter(must: [.filter(self), .filter(other)])
    }

    /// How deeply filters nest inside this one (1 for a filter with no nested filter).
    public var depth: Int {
        var deepest = 0
        for condition in allConditions {
            switch condition {
            case .filter(let inner): deepest = max(deepest, inner.depth)
            case .nested(let nested): deepest = max(deepest, nested.filter.depth)
            default: break
            }
        }
        return deepest + 1
    }

    /// Every condition of every clause, in clause order.
    var allConditions: [Condition] {
        (must ?? []) + (should ?? []) + (mustNot ?? []) + (minShould?.conditions ?? [])
    }
}

/// `min_should`: at least `minCount` of `conditions` must match (`minCount` ≥ 1 on the wire).
public struct MinShould: Hashable, Sendable {
    public var conditions: [Condition]
    public var minCount: Int

    public init(conditions: [Condition], minCount: Int) {
        self.conditions = conditions
        self.minCount = minCount
    }
}

/// One condition inside a filter clause.
public indirect enum Condition: Hashable, Sendable {
    /// A predicate over the values at a payload key.
    case field(FieldCondition)
    /// The key is missing, `null`, `[]`, or every value it resolves to is `null` or `[]`.
    case isEmpty(PayloadPath)
    /// Some value the key resolves to is an explicit `null`.
    case isNull(PayloadPath)
    /// The point's id is one of these.
    case hasID(Set<PointID>)
    /// Some object in the array at `key` passes `filter` on its own (`has_id` inside never matches).
    case nested(NestedCondition)
    /// A whole filter used as one condition.
    case filter(Filter)
    /// The point has a vector under this name (`""`: the unnamed default vector). Never matches
    /// inside `nested`, or for a name the collection does not have.
    case hasVector(String)
}

/// `{"nested": {"key": ..., "filter": ...}}`.
public struct NestedCondition: Hashable, Sendable {
    public var key: PayloadPath
    public var filter: Filter

    public init(key: PayloadPath, filter: Filter) {
        self.key = key
        self.filter = filter
    }
}

/// A predicate on the values one payload key resolves to.
///
/// For `match` and `range` the condition holds when any value matches; a value that is an array
/// matches when any of its elements does. A missing key never matches, not even `valuesCount` with a bound
/// that admits 0 (as Qdrant's server: an absent key is not an empty one; a `null` value counts 0).
public struct FieldCondition: Hashable, Sendable {
    public var key: PayloadPath
    public var predicate: FieldPredicate

    public init(key: PayloadPath, predicate: FieldPredicate) {
        self.key = key
        self.predicate = predicate
    }

    public init(key: PayloadPath, match: Match) { self.init(key: key, predicate: .match(match)) }
    public init(key: PayloadPath, range: NumberRange) { self.init(key: key, predicate: .range(range)) }
}

public enum FieldPredicate: Hashable, Sendable {
    case match(Match)
    case range(NumberRange)
    case valuesCount(ValuesCount)
    /// `range` with RFC 3339 bounds: some string value that parses as a datetime (see `DateTime`) is inside.
    case datetimeRange(DatetimeRange)
    /// `geo_radius`, `geo_bounding_box` or `geo_polygon`: some geo point value is inside the shape.
    case geo(GeoShape)
}

/// A `range` whose bounds were RFC 3339 strings, as microseconds since the Unix epoch.
public struct DatetimeRange: Hashable, Sendable {
    public var gt: Int64?
    public var gte: Int64?
    public var lt: Int64?
    public var lte: Int64?

    public init(gt: Int64? = nil, gte: Int64? = nil, lt: Int64? = nil, lte: Int64? = nil) {
        self.gt = gt
        self.gte = gte
        self.lt = lt
        self.lte = lte
    }

    public func contains(_ x: Int64) -> Bool {
        if let lt, !(x < lt) { return false }
        if let gt, !(x > gt) { return false }
        if let lte, !(x <= lte) { return false }
        if let gte, !(x >= gte) { return false }
        return true
    }

    /// The same bounds as a `NumberRange` over microseconds (exact: microsecond datetimes fit a Double's 53 bits).
    public var asNumberRange: NumberRange {
        NumberRange(gt: gt.map(Double.init), gte: gte.map(Double.init), lt: lt.map(Double.init), lte: lte.map(Double.init))
    }
}

/// `match` in its Qdrant forms.
public enum Match: Hashable, Sendable {
    /// Equality with a string, an integer (never a float payload) or a bool.
    case value(MatchValue)
    /// Equality with any listed value.
    case any(MatchList)
    /// Some value is not listed (values of another type, bools, objects count as not listed; `null` never does).
    case except(MatchList)
    /// Full-text, as Qdrant: on a key with a text index, every token of the query (see
    /// `TextTokenizer`) is a token of one string value (a query without tokens matches nothing);
    /// on any other key, the query is a substring of one string value (Qdrant's value checker).
    case text(String)
    /// Full-text: with a text index, some token of the query is a token of one string value (no
    /// query token, no match); without, some whitespace-separated word of the query is a substring.
    case textAny(String)
}

/// The value of `match.value`.
public enum MatchValue: Hashable, Sendable {
    case keyword(String)
    case integer(Int64)
    case bool(Bool)
}

/// The list of `match.any` / `match.except`: all strings or all integers (an empty list is `keywords([])`).
public enum MatchList: Hashable, Sendable {
    case keywords([String])
    case integers([Int64])

    public var count: Int {
        switch self {
        case .keywords(let k): k.count
        case .integers(let i): i.count
        }
    }
}

/// `range`: any subset of the four bounds, compared as `Double` (integer payloads included).
public struct NumberRange: Hashable, Sendable {
    public var gt: Double?
    public var gte: Double?
    public var lt: Double?
    public var lte: Double?

    public init(gt: Double? = nil, gte: Double? = nil, lt: Double? = nil, lte: Double? = nil) {
        self.gt = gt
        self.gte = gte
        self.lt = lt
        self.lte = lte
    }

    @inlinable
    public func contains(_ x: Double) -> Bool {
        if let lt, !(x < lt) { return false }
        if let gt, !(x > gt) { return false }
        if let lte, !(x <= lte) { return false }
        if let gte, !(x >= gte) { return false }
        return true
    }
}

/// `values_count`: bounds on how many values a key holds (an array counts its elements, `null` 0, a scalar 1;
/// a missing key matches no bound).
public struct ValuesCount: Hashable, Sendable {
    public var gt: Int?
    public var gte: Int?
    public var lt: Int?
    public var lte: Int?

    public init(gt: Int? = nil, gte: Int? = nil, lt: Int? = nil, lte: Int? = nil) {
        self.gt = gt
        self.gte = gte
        self.lt = lt
        self.lte = lte
    }

    public func contains(_ n: Int) -> Bool {
        if let lt, !(n < lt) { return false }
        if let gt, !(n > gt) { return false }
        if let lte, !(n <= lte) { return false }
        if let gte, !(n >= gte) { return false }
        return true
    }
}
