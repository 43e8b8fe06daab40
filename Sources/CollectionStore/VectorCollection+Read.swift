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
                    if config.vectors[vectorName] != nil {
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
            if config.vectors[vectorName] != nil { return .dense(VectorCoding.decodeDense(bytes)) }
            let (indices, values) = VectorCoding.decodeSparse(bytes)
            return .sparse(indices: indices, values: values)
        }
    }

    /// Points in id order from `offset` (inclusive) that pass `filter`; `next` is the first id of the next page.
    public func scroll(offset: PointID?, limit: Int, filter: Filter?, withPayload: PayloadSelector, withVector: VectorSelector) throws -> (points: [PointRecord], next: PointID?) {
        guard limit >= 1 else { throw CollectionError.validation("limit: value \(limit) invalid, must be 1 or larger") }
        let allowed = try allowList(for: filter)
        var page: [(UInt32, LivePoint, Float?)] = []
        var next: PointID?
        let prefix = Keys.prefix(cid)
        try environment.read { txn in
            try tables.ids.withCursor(in: txn) { cursor in
                var entry = try cursor.seek(atOrAfterBytes: prefix + (offset?.sortKey ?? []))
                while entry != nil, cursor.currentKeyBytes.starts(with: prefix) {
                    let iid = entry!.1
                    if allowed?.allows(iid) ?? true, let point = stateLock.withSharedLock({ state.points.indices.contains(Int(iid)) ? state.points[Int(iid)] : nil }) {
                        if page.count == limit {
                            next = point.id
                            break
                        }
                        page.append((iid, point, nil))
                    }
                    entry = try cursor.next()
                }
            }
        }
        return (try records(page, withPayload: withPayload, withVector: withVector), next)
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
                resolveID: { internalIDs[$0] }
            )
        }
    }
}
