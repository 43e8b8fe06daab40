import Foundation

// Qdrant's wire form of filters (the `Filter`, `Condition`, `Match`, `Range` schemas of its REST
// API). Decoding is as strict as Qdrant's serde: unknown keys in a filter are errors, a condition
// must have a recognisable shape, `match.value` must be a string, an integer or a bool. Errors are
// `DecodingError.dataCorrupted` / `.typeMismatch` whose `debugDescription` is a sentence a user can
// act on (the HTTP layer answers 400 "Format error in JSON body: <description>").

/// A coding key for any string (filters are objects whose shape is chosen by which keys appear).
struct FilterCodingKey: CodingKey, Hashable {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { self.stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

private typealias Key = FilterCodingKey
private typealias Keyed = KeyedDecodingContainer<FilterCodingKey>

extension Filter: Codable {
    /// The deepest filter nesting a request may send (a filter inside a condition is one level).
    /// Deeper filters are rejected while decoding, before any recursion can grow the stack.
    public static let maxNestingDepth = 32

    static let clauseKeys: Set<String> = ["must", "should", "must_not", "min_should"]

    public init(from decoder: any Decoder) throws {
        // Each enclosing filter level shows in the coding path as one `must`/`should`/`must_not`
        // or `conditions` (of `min_should`) key.
        let depth = decoder.codingPath.reduce(1) { n, key in
            ["must", "should", "must_not", "conditions"].contains(key.stringValue) ? n + 1 : n
        }
        guard depth <= Self.maxNestingDepth else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "filter is nested more than \(Self.maxNestingDepth) levels deep"))
        }
        let container = try decoder.container(keyedBy: Key.self)
        for key in container.allKeys where !Self.clauseKeys.contains(key.stringValue) {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: container,
                debugDescription: "unknown field `\(key.stringValue)`, expected one of `should`, `min_should`, `must`, `must_not`")
        }
        self.init(
            must: try Self.decodeClause(container, "must"),
            should: try Self.decodeClause(container, "should"),
            mustNot: try Self.decodeClause(container, "must_not"),
            minShould: try container.decodeIfPresent(MinShould.self, forKey: Key("min_should")))
    }

    /// A clause is a list of conditions, a single condition object, or `null`.
    private static func decodeClause(_ container: Keyed, _ name: String) throws -> [Condition]? {
        let key = Key(name)
        guard container.contains(key), try !container.decodeNil(forKey: key) else { return nil }
        if (try? container.nestedUnkeyedContainer(forKey: key)) != nil {
            return try container.decode([Condition].self, forKey: key)
        }
        return [try container.decode(Condition.self, forKey: key)]
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encodeIfPresent(should, forKey: Key("should"))
        try container.encodeIfPresent(minShould, forKey: Key("min_should"))
        try container.encodeIfPresent(must, forKey: Key("must"))
        try container.encodeIfPresent(mustNot, forKey: Key("must_not"))
    }
}

extension MinShould: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        let conditions = try container.decode([Condition].self, forKey: Key("conditions"))
        let minCount = try container.decode(Int.self, forKey: Key("min_count"))
        guard minCount >= 1 else {
            throw DecodingError.dataCorruptedError(
                forKey: Key("min_count"), in: container,
                debugDescription: "min_count: value \(minCount) invalid, must be 1 or larger")
        }
        self.init(conditions: conditions, minCount: minCount)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(conditions, forKey: Key("conditions"))
        try container.encode(minCount, forKey: Key("min_count"))
    }
}

extension Condition: Codable {
    static let shapeError = "Expected some form of condition, which can be a field condition (like {\"key\": ..., \"match\": ... }), or some other mentioned in the documentation: https://qdrant.tech/documentation/concepts/filtering/#filtering-conditions"

    public init(from decoder: any Decoder) throws {
        guard let container = try? decoder.container(keyedBy: Key.self) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: Self.shapeError))
        }
        let keys = Set(container.allKeys.map(\.stringValue))
        if keys.contains("key") {
            self = .field(try FieldCondition(from: decoder))
        } else if keys.contains("is_empty") {
            self = .isEmpty(try Self.decodeKeyObject(container, "is_empty"))
        } else if keys.contains("is_null") {
            self = .isNull(try Self.decodeKeyObject(container, "is_null"))
        } else if keys.contains("has_id") {
            let ids = try container.decode([WirePointID].self, forKey: Key("has_id"))
            self = .hasID(Set(ids.map(\.id)))
        } else if keys.contains("nested") {
            self = .nested(try container.decode(NestedCondition.self, forKey: Key("nested")))
        } else if keys.contains("has_vector") {
            guard let name = try? container.decode(String.self, forKey: Key("has_vector")) else {
                throw DecodingError.dataCorruptedError(
                    forKey: Key("has_vector"), in: container, debugDescription: "`has_vector` must be a vector name (a string)")
            }
            self = .hasVector(name)
        } else if keys.isSubset(of: Filter.clauseKeys) {
            self = .filter(try Filter(from: decoder))
        } else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: Self.shapeError))
        }
    }

    /// `{"is_empty": {"key": "..."}}`.
    private static func decodeKeyObject(_ container: Keyed, _ name: String) throws -> PayloadPath {
        let inner = try container.nestedContainer(keyedBy: Key.self, forKey: Key(name))
        return try decodePath(inner, Key("key"))
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .field(let field):
            try field.encode(to: encoder)
        case .isEmpty(let key), .isNull(let key):
            var container = encoder.container(keyedBy: Key.self)
            let name = if case .isEmpty = self { "is_empty" } else { "is_null" }
            var inner = container.nestedContainer(keyedBy: Key.self, forKey: Key(name))
            try inner.encode(key.description, forKey: Key("key"))
        case .hasID(let ids):
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(ids.sorted().map(WirePointID.init), forKey: Key("has_id"))
        case .nested(let nested):
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(nested, forKey: Key("nested"))
        case .filter(let filter):
            try filter.encode(to: encoder)
        case .hasVector(let name):
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(name, forKey: Key("has_vector"))
        }
    }
}

/// A payload key as a string in Qdrant's path syntax.
private func decodePath(_ container: Keyed, _ key: Key) throws -> PayloadPath {
    let text = try container.decode(String.self, forKey: key)
    guard let path = PayloadPath(text) else {
        throw DecodingError.dataCorruptedError(
            forKey: key, in: container,
            debugDescription: "invalid payload key `\(text)`: expected keys like `a`, `a.b`, `a[].b`, `a[0]` or `\"quoted key\"`")
    }
    return path
}

/// A point id on the wire: an unsigned 64-bit integer or a UUID string (any form; never a decimal string).
struct WirePointID: Codable {
    var id: PointID

    init(_ id: PointID) { self.id = id }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let n = try? container.decode(UInt64.self) {
            id = .number(n)
        } else if let text = try? container.decode(String.self), case .uuid(let uuid)? = PointID(text) {
            id = .uuid(uuid)
        } else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "a point id must be an unsigned integer or a UUID string")
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch id {
        case .number(let n): try container.encode(n)
        case .uuid: try container.encode(id.description)
        }
    }
}

extension NestedCondition: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        self.init(key: try decodePath(container, Key("key")), filter: try container.decode(Filter.self, forKey: Key("filter")))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(key.description, forKey: Key("key"))
        try container.encode(filter, forKey: Key("filter"))
    }
}

extension FieldCondition: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        let key = try decodePath(container, Key("key"))
        for unsupported in ["is_empty", "is_null"] where container.contains(Key(unsupported)) {
            throw DecodingError.dataCorruptedError(
                forKey: Key(unsupported), in: container,
                debugDescription: "the `\(unsupported)` field condition is not supported")
        }
        var predicates: [FieldPredicate] = []
        if let match = try container.decodeIfPresent(Match.self, forKey: Key("match")) { predicates.append(.match(match)) }
        if container.contains(Key("range")), try !container.decodeNil(forKey: Key("range")) {
            if let datetime = try container.decode(RangeBounds.self, forKey: Key("range")).datetime {
                predicates.append(.datetimeRange(datetime))
            } else {
                predicates.append(.range(try container.decode(NumberRange.self, forKey: Key("range"))))
            }
        }
        if let count = try container.decodeIfPresent(ValuesCount.self, forKey: Key("values_count")) { predicates.append(.valuesCount(count)) }
        if let radius = try container.decodeIfPresent(GeoRadius.self, forKey: Key("geo_radius")) { predicates.append(.geo(.radius(radius))) }
        if let box = try container.decodeIfPresent(GeoBoundingBox.self, forKey: Key("geo_bounding_box")) { predicates.append(.geo(.boundingBox(box))) }
        if let polygon = try container.decodeIfPresent(GeoPolygon.self, forKey: Key("geo_polygon")) { predicates.append(.geo(.polygon(polygon))) }
        guard predicates.count == 1 else {
            let kinds = "match, range, geo_radius, geo_bounding_box, geo_polygon or values_count"
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: predicates.isEmpty
                    ? "At least one field condition must be specified (\(kinds)) for key `\(key)`"
                    : "a field condition takes exactly one of \(kinds) (key `\(key)`)"))
        }
        self.init(key: key, predicate: predicates[0])
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(key.description, forKey: Key("key"))
        switch predicate {
        case .match(let match): try container.encode(match, forKey: Key("match"))
        case .range(let range): try container.encode(range, forKey: Key("range"))
        case .valuesCount(let count): try container.encode(count, forKey: Key("values_count"))
        case .datetimeRange(let range): try container.encode(range, forKey: Key("range"))
        case .geo(.radius(let radius)): try container.encode(radius, forKey: Key("geo_radius"))
        case .geo(.boundingBox(let box)): try container.encode(box, forKey: Key("geo_bounding_box"))
        case .geo(.polygon(let polygon)): try container.encode(polygon, forKey: Key("geo_polygon"))
        }
    }
}

extension Match: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        let known = container.allKeys.filter { ["value", "any", "except", "text", "text_any"].contains($0.stringValue) }
        guard known.count == 1, let key = known.first else {
            let unsupported = container.allKeys.first { ["phrase", "prefix"].contains($0.stringValue) }
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: unsupported.map { "`match.\($0.stringValue)` is not supported" }
                    ?? "`match` takes exactly one of `value`, `any`, `except`, `text` or `text_any`"))
        }
        switch key.stringValue {
        case "value":
            if let b = try? container.decode(Bool.self, forKey: key) {
                self = .value(.bool(b))
            } else if let i = try? container.decode(Int64.self, forKey: key) {
                self = .value(.integer(i))
            } else if let s = try? container.decode(String.self, forKey: key) {
                self = .value(.keyword(s))
            } else {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: container, debugDescription: "`match.value` must be a string, an integer or a bool")
            }
        case "text":
            self = .text(try container.decode(String.self, forKey: key))
        case "text_any":
            self = .textAny(try container.decode(String.self, forKey: key))
        default:
            let list: MatchList
            if let strings = try? container.decode([String].self, forKey: key) {
                list = .keywords(strings)
            } else if let ints = try? container.decode([Int64].self, forKey: key) {
                list = .integers(ints)
            } else {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: container,
                    debugDescription: "`match.\(key.stringValue)` must be a list of strings or a list of integers")
            }
            self = key.stringValue == "any" ? .any(list) : .except(list)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        switch self {
        case .value(.keyword(let s)): try container.encode(s, forKey: Key("value"))
        case .value(.integer(let i)): try container.encode(i, forKey: Key("value"))
        case .value(.bool(let b)): try container.encode(b, forKey: Key("value"))
        case .any(let list): try list.encode(in: &container, forKey: Key("any"))
        case .except(let list): try list.encode(in: &container, forKey: Key("except"))
        case .text(let t): try container.encode(t, forKey: Key("text"))
        case .textAny(let t): try container.encode(t, forKey: Key("text_any"))
        }
    }
}

extension MatchList {
    fileprivate func encode(in container: inout KeyedEncodingContainer<FilterCodingKey>, forKey key: FilterCodingKey) throws {
        switch self {
        case .keywords(let k): try container.encode(k, forKey: key)
        case .integers(let i): try container.encode(i, forKey: key)
        }
    }
}

extension NumberRange: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        func bound(_ name: String) throws -> Double? {
            let key = Key(name)
            guard container.contains(key), try !container.decodeNil(forKey: key) else { return nil }
            if let x = try? container.decode(Double.self, forKey: key) {
                guard x.isFinite else {
                    throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "range bound `\(name)` must be finite")
                }
                return x
            }
            if (try? container.decode(String.self, forKey: key)) != nil {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: container, debugDescription: "range bounds must be all numbers or all RFC 3339 datetime strings")
            }
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "range bound `\(name)` must be a number")
        }
        self.init(gt: try bound("gt"), gte: try bound("gte"), lt: try bound("lt"), lte: try bound("lte"))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encodeIfPresent(gt, forKey: Key("gt"))
        try container.encodeIfPresent(gte, forKey: Key("gte"))
        try container.encodeIfPresent(lt, forKey: Key("lt"))
        try container.encodeIfPresent(lte, forKey: Key("lte"))
    }
}

extension ValuesCount: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        func bound(_ name: String) throws -> Int? {
            let key = Key(name)
            guard container.contains(key), try !container.decodeNil(forKey: key) else { return nil }
            guard let n = try? container.decode(Int.self, forKey: key), n >= 0 else {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: container, debugDescription: "values_count bound `\(name)` must be a non-negative integer")
            }
            return n
        }
        self.init(gt: try bound("gt"), gte: try bound("gte"), lt: try bound("lt"), lte: try bound("lte"))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encodeIfPresent(gt, forKey: Key("gt"))
        try container.encodeIfPresent(gte, forKey: Key("gte"))
        try container.encodeIfPresent(lt, forKey: Key("lt"))
        try container.encodeIfPresent(lte, forKey: Key("lte"))
    }
}

/// Peeks at a `range` object: when any bound is a string, all bounds must be RFC 3339 datetimes
/// and `datetime` holds them; otherwise `datetime` is nil and the range is numeric.
private struct RangeBounds: Decodable {
    var datetime: DatetimeRange?

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        let names = ["gt", "gte", "lt", "lte"]
        let hasString = names.contains { (try? container.decode(String.self, forKey: Key($0))) != nil }
        guard hasString else { datetime = nil; return }
        func bound(_ name: String) throws -> Int64? {
            let key = Key(name)
            guard container.contains(key), try !container.decodeNil(forKey: key) else { return nil }
            guard let text = try? container.decode(String.self, forKey: key) else {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: container, debugDescription: "range bounds must be all numbers or all RFC 3339 datetime strings")
            }
            guard let micros = DateTime.microseconds(text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: container,
                    debugDescription: "range bound `\(name)`: `\(text)` is not an RFC 3339 datetime (like `2024-03-01T10:20:30Z`)")
            }
            return micros
        }
        datetime = DatetimeRange(gt: try bound("gt"), gte: try bound("gte"), lt: try bound("lt"), lte: try bound("lte"))
    }
}

extension DatetimeRange: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for (name, value) in [("gt", gt), ("gte", gte), ("lt", lt), ("lte", lte)] {
            if let value { try container.encode(DateTime.rfc3339(micros: value), forKey: Key(name)) }
        }
    }
}

// MARK: Geo conditions

extension GeoPoint: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        func coordinate(_ name: String, _ limit: Double) throws -> Double {
            let key = Key(name)
            guard let x = try? container.decode(Double.self, forKey: key) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "a geo point needs a number `\(name)`")
            }
            guard x.isFinite, (-limit...limit).contains(x) else {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: container,
                    debugDescription: "Wrong input: geo point `\(name)` = \(x) is outside [-\(Int(limit)), \(Int(limit))]")
            }
            return x
        }
        self.init(lon: try coordinate("lon", 180), lat: try coordinate("lat", 90))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(lon, forKey: Key("lon"))
        try container.encode(lat, forKey: Key("lat"))
    }
}

extension GeoRadius: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        let center = try container.decode(GeoPoint.self, forKey: Key("center"))
        guard let radius = try? container.decode(Double.self, forKey: Key("radius")), radius.isFinite else {
            throw DecodingError.dataCorruptedError(
                forKey: Key("radius"), in: container, debugDescription: "`geo_radius.radius` must be a number of metres")
        }
        self.init(center: center, radius: radius)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(center, forKey: Key("center"))
        try container.encode(radius, forKey: Key("radius"))
    }
}

extension GeoBoundingBox: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        self.init(topLeft: try container.decode(GeoPoint.self, forKey: Key("top_left")),
                  bottomRight: try container.decode(GeoPoint.self, forKey: Key("bottom_right")))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(topLeft, forKey: Key("top_left"))
        try container.encode(bottomRight, forKey: Key("bottom_right"))
    }
}

extension GeoPolygon: Codable {
    /// `{"points": [...]}`, a closed ring of at least 4 points.
    private struct LineString: Codable {
        var points: [GeoPoint]
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        let exterior = try container.decode(LineString.self, forKey: Key("exterior")).points
        let interiors = try container.decodeIfPresent([LineString].self, forKey: Key("interiors"))?.map(\.points) ?? []
        for (name, ring) in [("exterior", exterior)] + interiors.map({ ("interior", $0) }) {
            guard ring.count >= 4 else {
                throw DecodingError.dataCorrupted(.init(
                    codingPath: decoder.codingPath,
                    debugDescription: "Wrong input: the \(name) ring of a geo_polygon needs at least 4 points, got \(ring.count)"))
            }
            guard ring.first == ring.last else {
                throw DecodingError.dataCorrupted(.init(
                    codingPath: decoder.codingPath,
                    debugDescription: "Wrong input: the \(name) ring of a geo_polygon must be closed (its first and last points the same)"))
            }
        }
        self.init(exterior: exterior, interiors: interiors)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(LineString(points: exterior), forKey: Key("exterior"))
        if !interiors.isEmpty { try container.encode(interiors.map { LineString(points: $0) }, forKey: Key("interiors")) }
    }
}
