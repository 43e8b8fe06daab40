import JSON
import Search

/// A collection's payload indexes, in memory, and the planner that turns a filter into an allow-list.
///
/// The owner keeps it in step with the points: `update(id:payload:)` after every upsert, payload
/// change or delete (nil payload), with the engine's internal id. Persistence: only `definitions`
/// need to be stored (a few bytes per index); after a restart, create the set from them with
/// `init(definitions:)` and replay every stored point through `update`.
///
/// Not thread-safe: the owner serialises writes; the read methods (`allowList`,
/// `schema`, `definitions`) do not mutate, so they may run concurrently with each other.
public final class PayloadIndexSet {
    private var indexes: [PayloadPath: FieldIndex] = [:]

    public init() {}

    /// Empty indexes for these fields (fill them with `update`).
    public convenience init(definitions: [String: PayloadFieldSchema]) throws {
        self.init()
        for (field, schema) in definitions { try createIndex(field: field, schema: schema) }
    }

    // MARK: Managing indexes

    /// Field name → schema of every index: what to persist to recreate the set.
    public var definitions: [String: PayloadFieldSchema] {
        Dictionary(uniqueKeysWithValues: indexes.values.map { ($0.name, $0.schema) })
    }

    /// Qdrant's `payload_schema`: field name → type, params and indexed point count.
    public var schema: [String: PayloadSchemaInfo] {
        Dictionary(uniqueKeysWithValues: indexes.values.map {
            ($0.name, PayloadSchemaInfo(dataType: $0.type, params: $0.schema.params, points: $0.indexedPoints))
        })
    }

    /// Creates (or, with a different schema, rebuilds) the index of `field` over `points`, the
    /// collection's current (internal id, payload) pairs. Same field and schema again: no change.
    public func createIndex<Points: Sequence>(field: String, schema: PayloadFieldSchema, points: Points) throws
    where Points.Element == (UInt32, [String: JSONValue]) {
        guard let path = PayloadPath(field) else { throw PayloadIndexError.invalidFieldName(field) }
        if let existing = indexes[path], existing.schema == schema, existing.name == field { return }
        let index = FieldIndex(name: field, path: path, schema: schema)
        for (id, payload) in points { index.update(id: id, payload: payload) }
        indexes[path] = index
    }

    /// Creates an empty index (for a new collection, or before replaying points through `update`).
    public func createIndex(field: String, schema: PayloadFieldSchema) throws {
        try createIndex(field: field, schema: schema, points: [(UInt32, [String: JSONValue])]())
    }

    /// Removes the index of `field`; false when there was none.
    @discardableResult
    public func dropIndex(field: String) -> Bool {
        guard let path = PayloadPath(field) else { return false }
        return indexes.removeValue(forKey: path) != nil
    }

    /// The index type of `field`, if it has an index.
    public func indexType(of field: String) -> PayloadSchemaType? {
        PayloadPath(field).flatMap { indexes[$0]?.type }
    }

    /// Keys with a text index: their `match.text` / `text_any` compare tokens (see `Match.text`).
    public var tokenizedKeys: Set<PayloadPath> {
        Set(indexes.values.filter { $0.type == .text }.map(\.path))
    }

    /// Brings every index up to date with point `id`'s payload (nil when the point was deleted).
    public func update(id: UInt32, payload: [String: JSONValue]?) {
        for index in indexes.values { index.update(id: id, payload: payload) }
    }

    // MARK: Evaluating

    /// The live points that pass `filter`, as an allow-list over internal ids `0..<capacity`.
    ///
    /// Conditions an index answers exactly become set operations on posting lists; when every
    /// condition is answered that way no payload is read. Otherwise the index answers narrow the
    /// candidates and each candidate is checked with `payloadOf` (which returns the point's
    /// external id and payload, or nil for a missing point). With no usable index this is a full
    /// scan over `liveIDs`. `resolveID` (external → internal id) lets `has_id` use no payloads;
    /// `hasVector(name, id)` tells whether a point has a vector of that name (without it, no point has).
    /// The result is exactly the points for which `filter.matches` holds (with `tokenizedKeys`).
    /// The result has `capacity`; live ids at or past it are left out.
    public func allowList(
        for filter: Filter,
        capacity: Int,
        liveIDs: AllowList,
        payloadOf: (UInt32) -> (PointID, [String: JSONValue])?,
        resolveID: ((PointID) -> UInt32?)? = nil,
        hasVector: ((String, UInt32) -> Bool)? = nil
    ) -> AllowList {
        var live = liveIDs
        if live.capacity != capacity {
            live = AllowList(capacity: capacity)
            live.formUnion(liveIDs)
        }
        let planner = Planner(indexes: indexes, capacity: capacity, live: live, resolveID: resolveID, hasVector: hasVector)
        let plan = planner.resolve(filter)
        var candidates = plan.set ?? live
        candidates.formIntersection(live)
        if plan.exact { return candidates }
        var result = AllowList(capacity: capacity)
        let tokenized = tokenizedKeys
        for id in candidates.ids {
            if let (pointID, payload) = payloadOf(id),
               filter.matches(id: pointID, payload: payload, hasVector: { name in hasVector?(name, id) ?? false }, tokenizedKeys: tokenized) {
                result.insert(id)
            }
        }
        return result
    }
}

// MARK: - Planning

/// What is known about the points a filter or condition lets through.
/// `set == nil` stands for every live point; `exact == false` means `set` is only a superset.
private struct Resolution {
    var set: AllowList?
    var exact: Bool

    static let unknown = Resolution(set: nil, exact: false)
    static let everything = Resolution(set: nil, exact: true)
}

private struct Planner {
    let indexes: [PayloadPath: FieldIndex]
    let capacity: Int
    let live: AllowList
    let resolveID: ((PointID) -> UInt32?)?
    let hasVector: ((String, UInt32) -> Bool)?

    func resolve(_ filter: Filter) -> Resolution {
        var result = Resolution.everything
        for condition in filter.must ?? [] { intersect(&result, resolve(condition)) }
        if let should = filter.should, !should.isEmpty { intersect(&result, union(should.map { resolve($0) })) }
        for condition in filter.mustNot ?? [] {
            let inner = resolve(condition)
            if inner.exact {
                var complement = inner.set ?? live
                complement.invert()
                intersect(&result, Resolution(set: complement, exact: true))
            } else {
                result.exact = false
            }
        }
        if let minShould = filter.minShould { intersect(&result, atLeast(minShould.minCount, minShould.conditions.map { resolve($0) })) }
        return result
    }

    func intersect(_ acc: inout Resolution, _ next: Resolution) {
        acc.exact = acc.exact && next.exact
        guard let set = next.set else { return }
        if acc.set == nil { acc.set = set } else { acc.set!.formIntersection(set) }
    }

    func union(_ parts: [Resolution]) -> Resolution {
        if parts.contains(where: { $0.set == nil && $0.exact }) { return .everything }
        if parts.contains(where: { $0.set == nil }) { return .unknown }
        var set = AllowList(capacity: capacity)
        for part in parts { set.formUnion(part.set!) }
        return Resolution(set: set, exact: parts.allSatisfy(\.exact))
    }

    /// `min_should`: exact when every part is; otherwise any match of one part is a superset.
    func atLeast(_ minCount: Int, _ parts: [Resolution]) -> Resolution {
        guard parts.allSatisfy(\.exact) else {
            let any = union(parts)
            return Resolution(set: any.set, exact: false)
        }
        guard minCount <= parts.count else { return Resolution(set: AllowList(capacity: capacity), exact: true) }
        var counts = [UInt16](repeating: 0, count: capacity)
        for part in parts {
            for id in (part.set ?? live).ids { counts[Int(id)] &+= 1 }
        }
        var set = AllowList(capacity: capacity)
        for (id, n) in counts.enumerated() where Int(n) >= minCount { set.insert(UInt32(id)) }
        return Resolution(set: set, exact: true)
    }

    func resolve(_ condition: Condition) -> Resolution {
        switch condition {
        case .filter(let inner):
            return resolve(inner)
        case .field(let field):
            guard let index = indexes[field.key] else { return .unknown }
            var set = AllowList(capacity: capacity)
            let capacity = UInt32(clamping: self.capacity)
            let answer = index.forEachMatch(field.predicate) { id in if id < capacity { set.insert(id) } }
            switch answer {
            case .exact: return Resolution(set: set, exact: true)
            case .superset: return Resolution(set: set, exact: false)
            case .none: return .unknown
            }
        case .isEmpty(let key), .isNull(let key):
            guard let index = indexes[key] else { return .unknown }
            var set = AllowList(capacity: capacity)
            let capacity = UInt32(clamping: self.capacity)
            var isEmpty = false
            if case .isEmpty = condition { isEmpty = true }
            index.forEachFlagged(nonEmpty: isEmpty) { id in if id < capacity { set.insert(id) } }
            if isEmpty { set.invert() }  // empty = live and not non-empty
            return Resolution(set: set, exact: true)
        case .hasID(let ids):
            guard let resolveID else { return .unknown }
            var set = AllowList(capacity: capacity)
            for id in ids { if let engineID = resolveID(id), Int(engineID) < capacity { set.insert(engineID) } }
            return Resolution(set: set, exact: true)
        case .nested:
            return .unknown
        case .hasVector(let name):
            // Exact from the vector indexes' membership, one check per live point; no payload read.
            var set = AllowList(capacity: capacity)
            if let hasVector {
                for id in live.ids where hasVector(name, id) { set.insert(id) }
            }
            return Resolution(set: set, exact: true)
        }
    }
}
