import Foundation
import JSON
import Logging
import Search
import Storage

extension VectorCollection {
    // MARK: Reading points

    /// Points with these ids (missing ones omitted), with payload and vectors as selected.
    public func retrieve(ids: [PointID], withPayload: PayloadSelector, withVector: VectorSelector) throws -> [PointRecord] {
        let found: [(UInt32, LivePoint)] = stateLock.withSharedLock {
            var seen = Set<PointID>()
            return ids.compactMap { id in
                guard seen.insert(id).inserted, let iid = state.internalIDs[id], let point = state.points[Int(iid)] else { return nil }
                return (iid, point)
            }
        }
        return try records(found.map { ($0.0, $0.1, nil) }, withPayload: withPayload, withVector: withVector)
    }

    /// Builds records for (internal id, point, score) triples.
    ///
    /// Without vectors, the payload is the in-memory one (a whole value of one write). With vectors,
    /// payload and vectors are read together from one LMDB snapshot, so a record never pairs the
    /// vector of one upsert with the payload of another; a point deleted since the caller saw it is
    /// left out.
    func records(_ items: [(UInt32, LivePoint, Float?)], withPayload: PayloadSelector, withVector: VectorSelector) throws -> [PointRecord] {
        guard withVector != .none else {
            return items.map { iid, point, score in
                PointRecord(id: point.id, version: point.version, score: score, payload: withPayload.apply(point.payload), vectors: nil)
            }
        }
        return try environment.read { txn in
            var out: [PointRecord] = []
            out.reserveCapacity(items.count)
            for (iid, point, score) in items {
                guard let bytes = try tables.points.get(Keys.point(cid, iid), in: txn) else { continue }
                let stored: StoredPoint
                do {
                    stored = try StoredPoint(decoding: bytes)
                } catch let damage as StoredPoint.DamagedPayload {
                    stored = StoredPoint(id: damage.id, version: damage.version, payload: [:])
                }
                guard stored.id == point.id else { continue }
                var vectors: [String: VectorValue] = [:]
                for (vectorName, slot) in slots where withVector.includes(vectorName) {
                    guard let bytes = try tables.vectors.get(Keys.vector(cid, slot, iid), in: txn) else { continue }
                    if let index = multi[vectorName] {
                        vectors[vectorName] = .multi(VectorCoding.decodeMulti(bytes, dimension: index.dimension))
                    } else if engineConfig.vectors[vectorName] != nil {
                        vectors[vectorName] = .dense(VectorCoding.decodeDense(bytes))
                    } else {
                        let (indices, values) = VectorCoding.decodeSparse(bytes)
                        vectors[vectorName] = .sparse(indices: indices, values: values)
                    }
                }
                out.append(PointRecord(id: stored.id, version: stored.version, score: score, payload: withPayload.apply(stored.payload), vectors: vectors))
            }
            return out
        }
    }

    /// A stored vector of one point, for "search by point id".
    func storedVector(of id: PointID, name vectorName: String) throws -> VectorValue? {
        guard let slot = slots[vectorName] else { return nil }
        guard let iid = stateLock.withSharedLock({ state.internalIDs[id] }) else { throw CollectionError.pointNotFound(id) }
        return try environment.read { txn -> VectorValue? in
            guard let bytes = try tables.vectors.get(Keys.vector(cid, slot, iid), in: txn) else { return nil }
            if let index = multi[vectorName] { return .multi(VectorCoding.decodeMulti(bytes, dimension: index.dimension)) }
            if engineConfig.vectors[vectorName] != nil { return .dense(VectorCoding.decodeDense(bytes)) }
            let (indices, values) = VectorCoding.decodeSparse(bytes)
            return .sparse(indices: indices, values: values)
        }
    }

    /// Points in id order from `offset` (inclusive) that pass `filter`; `next` is the first id of the next page.
    public func scroll(offset: PointID?, limit: Int, filter: Filter?, withPayload: PayloadSelector, withVector: VectorSelector) throws -> (points: [PointRecord], next: PointID?) {
        guard limit >= 1 else { throw CollectionError.validation("limit: value \(limit) invalid, must be 1 or larger") }
        var page: [(UInt32, LivePoint, Float?)] = []
        var next: PointID?
        try forEachInIDOrder(from: offset, allowed: try allowList(for: filter)) { iid, point in
            guard page.count < limit else {
                next = point.id
                return false
            }
            page.append((iid, point, nil))
            return true
        }
        return (try records(page, withPayload: withPayload, withVector: withVector), next)
    }

    /// Visits the live points that `allowed` lets through (nil: all) in id order from `offset`
    /// (inclusive), reading the id table; `visit` returns false to stop.
    func forEachInIDOrder(from offset: PointID? = nil, allowed: AllowList?, _ visit: (UInt32, LivePoint) throws -> Bool) throws {
        let prefix = Keys.prefix(cid)
        try environment.read { txn in
            try tables.ids.withCursor(in: txn) { cursor in
                var entry = try cursor.seek(atOrAfterBytes: prefix + (offset?.sortKey ?? []))
                while let current = entry, cursor.currentKeyBytes.starts(with: prefix) {
                    let iid = current.1
                    if allowed?.allows(iid) ?? true,
                       let point = stateLock.withSharedLock({ state.points.indices.contains(Int(iid)) ? state.points[Int(iid)] : nil }) {
                        guard try visit(iid, point) else { return }
                    }
                    entry = try cursor.next()
                }
            }
        }
    }

    /// The number of points passing `filter` (all points without one).
    public func count(filter: Filter?) throws -> Int {
        guard let allowed = try allowList(for: filter) else { return pointsCount }
        return allowed.count
    }

    /// Ids of the points that pass `filter` (every point for an empty filter, as in Qdrant).
    public func ids(matching filter: Filter) throws -> [PointID] {
        let allowed = try allowList(for: filter)
        return stateLock.withSharedLock {
            guard let allowed else { return state.points.compactMap { $0?.id } }
            return allowed.ids.compactMap { Int($0) < state.points.count ? state.points[Int($0)]?.id : nil }
        }
    }

    /// The internal ids allowed by `filter`, or nil when there is no filter. Indexed conditions
    /// are answered from the payload indexes; the rest are checked point by point.
    func allowList(for filter: Filter?) throws -> AllowList? {
        guard let filter, !filter.isEmpty else { return nil }
        return stateLock.withSharedLock {
            let points = state.points
            let internalIDs = state.internalIDs
            return payloadIndexes.allowList(
                for: filter, capacity: points.count, liveIDs: state.live,
                payloadOf: { iid in points[Int(iid)].map { ($0.id, $0.payload) } },
                resolveID: { internalIDs[$0] },
                hasVector: hasVector
            )
        }
    }

    /// Whether internal point `iid` holds a vector named `name` (from the engines' membership, no read).
    func hasVector(_ name: String, _ iid: UInt32) -> Bool {
        if let index = dense[name] { return index.contains(id: iid) }
        if let index = sparse[name] { return index.contains(id: iid) }
        if let index = multi[name] { return index.contains(id: iid) }
        return false
    }
}

/// Scroll ordered by a payload value (Qdrant's `order_by`).
public struct ScrollOrder: Sendable, Equatable {
    public var key: String
    public var descending: Bool
    /// Numbers or datetimes as microseconds; ascending starts at values ≥ it, descending at ≤ it.
    public var startFrom: Double?
    public init(key: String, descending: Bool = false, startFrom: Double? = nil) {
        self.key = key
        self.descending = descending
        self.startFrom = startFrom
    }
}

/// The value a point was ordered by: an integer, a float, or a datetime (microseconds, as an integer).
public enum OrderValue: Sendable, Equatable {
    case int(Int64)
    case double(Double)

    var sortValue: Double {
        switch self {
        case .int(let i): Double(i)
        case .double(let d): d
        }
    }

    /// A payload value as an order value: numbers, and strings that are RFC 3339 datetimes.
    static func of(_ value: JSONValue) -> OrderValue? {
        switch value {
        case .int(let i): .int(i)
        case .uint(let u): u <= UInt64(Int64.max) ? .int(Int64(u)) : .double(Double(u))
        case .double(let d): d.isFinite ? .double(d) : nil
        case .string(let s): DateTime.microseconds(s).map(OrderValue.int)
        default: nil
        }
    }
}

extension VectorCollection {
    /// Points that pass `filter`, ordered by the values at `order.key` (a point appears once per
    /// distinct value it holds there; points without a number or datetime there are left out); ties
    /// in insertion order. Qdrant gives no next-page offset for ordered scrolls: the next page starts
    /// from the last value seen.
    public func scroll(orderedBy order: ScrollOrder, limit: Int, filter: Filter?, withPayload: PayloadSelector, withVector: VectorSelector) throws -> [(record: PointRecord, value: OrderValue)] {
        guard limit >= 1 else { throw CollectionError.validation("limit: value \(limit) invalid, must be 1 or larger") }
        let page = try orderedRows(order, allowed: try allowList(for: filter), limit: limit)
        let records = try self.records(page.map { ($0.iid, $0.point, nil) }, withPayload: withPayload, withVector: withVector)
        // `records` drops points deleted since; match the survivors back to their order values.
        var out: [(record: PointRecord, value: OrderValue)] = []
        var r = 0
        for row in page where r < records.count {
            if records[r].id == row.point.id { out.append((records[r], row.value)); r += 1 }
        }
        return out
    }

    /// The first `limit` (value, point) rows of the allowed points (nil: all) ordered by their values
    /// at `order.key`: a point once per distinct number or datetime it holds there, ties in insertion order.
    func orderedRows(_ order: ScrollOrder, allowed: AllowList?, limit: Int) throws -> [(value: OrderValue, iid: UInt32, point: LivePoint)] {
        guard let path = PayloadPath(order.key) else { throw CollectionError.invalid("order_by.key: `\(order.key)` is not a valid payload key") }
        var rows: [(value: OrderValue, iid: UInt32, point: LivePoint)] = []
        stateLock.withSharedLock {
            for (iid, point) in state.points.enumerated() {
                guard let point, allowed?.allows(UInt32(iid)) ?? true else { continue }
                var seen: [OrderValue] = []
                path.forEachValue(in: point.payload) { value in
                    value.forEachFlattened { element in
                        guard let v = OrderValue.of(element), !seen.contains(v) else { return }
                        if let start = order.startFrom {
                            if order.descending ? v.sortValue > start : v.sortValue < start { return }
                        }
                        seen.append(v)
                        rows.append((v, UInt32(iid), point))
                    }
                }
            }
        }
        rows.sort { a, b in
            let x = a.value.sortValue, y = b.value.sortValue
            if x != y { return order.descending ? x > y : x < y }
            return a.iid < b.iid
        }
        return Array(rows.prefix(limit))
    }
}
