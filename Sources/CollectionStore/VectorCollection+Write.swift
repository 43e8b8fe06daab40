import Foundation
import JSON
import Logging
import Search
import Storage

extension VectorCollection {
    // MARK: Writing

    /// Inserts or replaces whole points (vectors and payload). Returns the operation id.
    /// Every point is validated first; one bad point rejects the request and nothing changes.
    /// Durable when it returns; searchable when it returns if `wait`, shortly after otherwise.
    @discardableResult
    public func upsert(_ inputs: [PointInput], wait: Bool = true, mode: UpsertMode = .upsert, updateFilter: Filter? = nil) throws -> UInt64 {
        let prepared = try inputs.map(prepare)
        defer { CollectionMetrics.pointsWritten.increment(by: inputs.count) }
        return try CollectionMetrics.measure(.upsert) { try upsertPrepared(prepared, wait: wait, mode: mode, updateFilter: updateFilter) }
    }

    /// Which points an upsert writes (Qdrant's `update_mode`).
    public enum UpsertMode: String, Sendable {
        /// Insert new points and replace existing ones (the default).
        case upsert
        /// Only insert points whose id is new; existing points stay as they are.
        case insertOnly = "insert_only"
        /// Only replace existing points; new ids are not inserted.
        case updateOnly = "update_only"
    }

    /// Upserts under the write lock, so the existence and `updateFilter` checks see exactly the state
    /// the write applies to: an existing point is replaced only when it passes `updateFilter` (new
    /// points are inserted regardless, as in Qdrant), and `mode` skips new or existing ids.
    private func upsertPrepared(_ prepared: [PointInput], wait: Bool, mode: UpsertMode = .upsert, updateFilter: Filter? = nil) throws -> UInt64 {
        let filter = updateFilter.flatMap { $0.isEmpty ? nil : $0 }
        return try write(wait: wait) { txn, pending, operation, effects in
            // The writer holds `writeLock`, so the committed state cannot change under this allow list.
            let allowed = try filter.map { try allowList(for: $0) } ?? nil
            // Vectors of the points this request has written so far (an upsert replaces all of them).
            var writtenVectors: [UInt32: Set<String>] = [:]
            for point in prepared {
                let iid: UInt32
                if let existing = pending.internalID(of: point.id) {
                    if mode == .insertOnly { continue }
                    if let filter {
                        let passes: Bool
                        if let changed = pending.points[existing] {
                            // Written earlier in this same request: judge its new payload.
                            let vectors = writtenVectors[existing] ?? []
                            passes = changed.map {
                                filter.matches(id: $0.id, payload: $0.payload, hasVector: vectors.contains, tokenizedKeys: payloadIndexes.tokenizedKeys)
                            } ?? false
                        } else {
                            passes = allowed?.allows(existing) ?? true
                        }
                        if !passes { continue }
                    }
                    iid = existing
                } else {
                    if mode == .updateOnly { continue }
                    iid = pending.assign(point.id)
                    try tables.ids.put(iid, for: Keys.id(cid, point.id), in: txn)
                }
                let stored = StoredPoint(id: point.id, version: operation, payload: point.payload)
                try tables.points.put(try stored.encoded(), for: Keys.point(cid, iid), in: txn)
                pending.set(iid, LivePoint(id: point.id, version: operation, payload: point.payload))
                if filter != nil { writtenVectors[iid] = Set(point.vectors.keys) }
                for (vectorName, slot) in slots {
                    let key = Keys.vector(cid, slot, iid)
                    switch point.vectors[vectorName] {
                    case .dense(let vector)?:
                        try tables.vectors.put(VectorCoding.encodeDense(vector), for: key, in: txn)
                        effects.append(.insertDense(vectorName, iid, vector))
                    case .sparse(let indices, let values)?:
                        try tables.vectors.put(VectorCoding.encodeSparse(indices: indices, values: values), for: key, in: txn)
                        effects.append(.upsertSparse(vectorName, iid, indices, values))
                    case .multi(let rows)?:
                        try tables.vectors.put(VectorCoding.encodeMulti(rows), for: key, in: txn)
                        effects.append(.upsertMulti(vectorName, iid, rows))
                    case nil:
                        try tables.vectors.delete(key, in: txn)
                        effects.append(.remove(vectorName, iid))
                    }
                }
            }
        }
    }

    /// Deletes points by id; ids that do not exist are ignored. Returns the operation id.
    @discardableResult
    public func delete(ids: [PointID], wait: Bool = true) throws -> UInt64 {
        try CollectionMetrics.measure(.delete) { try deletePoints(ids, wait: wait) }
    }

    private func deletePoints(_ ids: [PointID], wait: Bool) throws -> UInt64 {
        try write(wait: wait) { txn, pending, _, effects in
            for id in ids {
                guard let iid = pending.remove(id) else { continue }
                try tables.ids.delete(Keys.id(cid, id), in: txn)
                try tables.points.delete(Keys.point(cid, iid), in: txn)
                for (vectorName, slot) in slots {
                    try tables.vectors.delete(Keys.vector(cid, slot, iid), in: txn)
                    effects.append(.remove(vectorName, iid))
                }
                pending.set(iid, nil)
            }
        }
    }

    /// How a payload write changes the payloads of the selected points.
    public enum PayloadChange: Sendable {
        /// Merge top-level keys (Qdrant's `set_payload`); with `key`, set the object at that nested path.
        case set([String: JSONValue], key: String?)
        /// Replace the whole payload (`overwrite_payload`).
        case overwrite([String: JSONValue])
        /// Remove these keys (dotted paths allowed).
        case delete([String])
        /// Remove everything.
        case clear
    }

    /// The deepest nesting a stored payload may have (objects and arrays, counted from the payload
    /// object itself as 1). Upserts and payload edits that would store a deeper payload are refused
    /// before anything is written, so every stored payload can be read back without deep recursion.
    public static let maxPayloadDepth = 64

    /// Applies a payload change to the points with the given ids (missing ids are ignored).
    /// A change whose result would nest deeper than `maxPayloadDepth` changes nothing and throws.
    @discardableResult
    public func updatePayload(_ change: PayloadChange, ids: [PointID]) throws -> UInt64 {
        try Self.validate(change)
        return try CollectionMetrics.measure(.payload) { try updatePayloadLocked(change, ids: ids) }
    }

    /// Bounds a change before it runs: key paths no deeper than the payload may be, and payloads
    /// within the depth bound.
    static func validate(_ change: PayloadChange) throws {
        func checkKey(_ key: String, _ field: String) throws {
            guard !key.isEmpty else { throw CollectionError.validation("\(field): the key must not be empty") }
            let levels = key.utf8.reduce(1) { $1 == UInt8(ascii: ".") ? $0 + 1 : $0 }
            guard levels < maxPayloadDepth else {
                throw CollectionError.validation("\(field): the key has \(levels) levels, at most \(maxPayloadDepth - 1) are allowed")
            }
        }
        switch change {
        case .set(let payload, let key):
            if let key { try checkKey(key, "key") }
            try checkDepth(payload, extra: 0)
        case .overwrite(let payload):
            try checkDepth(payload, extra: 0)
        case .delete(let keys):
            for key in keys { try checkKey(key, "keys") }
        case .clear:
            break
        }
    }

    static func checkDepth(_ payload: [String: JSONValue], extra: Int) throws {
        let depth = JSONValue.object(payload).nestingDepth + extra
        guard depth <= maxPayloadDepth else {
            throw CollectionError.validation("payload: nested \(depth) levels deep, at most \(maxPayloadDepth) are allowed")
        }
    }

    private func updatePayloadLocked(_ change: PayloadChange, ids: [PointID]) throws -> UInt64 {
        try write { txn, pending, operation, _ in
            for id in ids {
                guard let iid = pending.internalID(of: id), var point = pending.point(iid) else { continue }
                point.payload = try Self.apply(change, to: point.payload)
                if case .set(_, _?) = change { try Self.checkDepth(point.payload, extra: 0) }
                point.version = operation
                pending.set(iid, point)
                let stored = StoredPoint(id: id, version: operation, payload: point.payload)
                try tables.points.put(try stored.encoded(), for: Keys.point(cid, iid), in: txn)
            }
        }
    }

    static func apply(_ change: PayloadChange, to payload: [String: JSONValue]) throws -> [String: JSONValue] {
        switch change {
        case .overwrite(let new):
            return new
        case .clear:
            return [:]
        case .set(let new, nil):
            return payload.merging(new) { $1 }
        case .set(let new, let key?):
            return PayloadEdit.set(new, at: key, in: payload)
        case .delete(let keys):
            var result = payload
            for key in keys { result = PayloadEdit.remove(key, from: result) }
            return result
        }
    }

    /// Engine changes that follow a commit.
    enum Effect: Sendable {
        case insertDense(String, UInt32, [Float])
        case upsertSparse(String, UInt32, [UInt32], [Float])
        case upsertMulti(String, UInt32, [[Float]])
        case remove(String, UInt32)

        /// The vector bytes this effect holds until the index queue applies it.
        var memoryBytes: Int {
            switch self {
            case .insertDense(_, _, let vector): return vector.count * MemoryLayout<Float>.stride + 64
            case .upsertSparse(_, _, let indices, let values): return (indices.count + values.count) * 4 + 64
            case .upsertMulti(_, _, let rows): return rows.reduce(64) { $0 + $1.count * 4 + 32 }
            case .remove: return 64
            }
        }
    }

    /// The changes one write makes to `State`, reading through to the committed state for everything
    /// it has not changed. Applying it costs O(changes), never a copy of the whole state. Only the
    /// writer (holding `writeLock`) creates one, and only the writer mutates `state`, so reading
    /// `owner.state` without `stateLock` here is safe.
    struct PendingState {
        unowned let owner: VectorCollection
        var assigned: [PointID: UInt32] = [:]
        var removed: Set<PointID> = []
        var points: [UInt32: LivePoint?] = [:]
        var nextInternalID: UInt32
        var liveDelta = 0

        init(owner: VectorCollection) {
            self.owner = owner
            self.nextInternalID = owner.state.nextInternalID
        }

        func internalID(of id: PointID) -> UInt32? {
            if removed.contains(id) { return nil }
            return assigned[id] ?? owner.state.internalIDs[id]
        }

        func point(_ iid: UInt32) -> LivePoint? {
            if let changed = points[iid] { return changed }
            return Int(iid) < owner.state.points.count ? owner.state.points[Int(iid)] : nil
        }

        mutating func assign(_ id: PointID) -> UInt32 {
            let iid = nextInternalID
            nextInternalID += 1
            assigned[id] = iid
            removed.remove(id)
            return iid
        }

        mutating func remove(_ id: PointID) -> UInt32? {
            guard let iid = internalID(of: id) else { return nil }
            assigned[id] = nil
            removed.insert(id)
            return iid
        }

        mutating func set(_ iid: UInt32, _ point: LivePoint?) {
            liveDelta += (point != nil ? 1 : 0) - (self.point(iid) != nil ? 1 : 0)
            points[iid] = .some(point)
        }

        func apply(to state: inout State, indexes: PayloadIndexSet, operation: UInt64) {
            for id in removed { state.internalIDs[id] = nil }
            for (id, iid) in assigned { state.internalIDs[id] = iid }
            if Int(nextInternalID) > state.points.count {
                state.points.append(contentsOf: repeatElement(nil, count: Int(nextInternalID) - state.points.count))
            }
            if Int(nextInternalID) > state.live.capacity {
                var grown = AllowList(capacity: max(64, Int(nextInternalID) * 2))
                grown.formUnion(state.live)
                state.live = grown
            }
            for (iid, point) in points {
                state.points[Int(iid)] = point
                if point != nil { state.live.insert(iid) } else { state.live.remove(iid) }
                indexes.update(id: iid, payload: point?.payload)
            }
            state.nextInternalID = nextInternalID
            state.liveCount += liveDelta
            state.lastOperation = operation
        }
    }

    /// Runs one write: an LMDB transaction that records its state changes in a `PendingState`, then
    /// (after commit) the state changes and the engine effects — before returning when `wait` is true
    /// (or too many writes are queued), else on the index queue. The body may run twice if the LMDB
    /// map grows, each time on a fresh `PendingState`.
    func write(wait: Bool = true, _ body: (WriteTransaction, inout PendingState, UInt64, inout [Effect]) throws -> Void) throws -> UInt64 {
        writeLock.lock()
        defer { writeLock.unlock() }
        try checkNotRetired()
        var pending = PendingState(owner: self)
        var effects: [Effect] = []
        let operation = state.lastOperation + 1
        do {
            try environment.write { txn in
                pending = PendingState(owner: self)
                effects = []
                try body(txn, &pending, operation, &effects)
                try tables.counters.put(operation, for: Keys.counter(cid, "operation"), in: txn)
                try tables.counters.put(UInt64(pending.nextInternalID), for: Keys.counter(cid, "next_iid"), in: txn)
            }
        } catch let error as CollectionError {
            throw error
        } catch {
            throw CollectionError.storage("\(error)")
        }
        // Committed: from here on nothing may fail, so memory advances exactly with the commit.
        let inserted = effects.reduce(0) { if case .insertDense = $1 { return $0 + 1 } else { return $0 } }
        if inserted > 0 { writtenSinceCheckpoint.withLock { $0 += inserted } }
        let bytes = effects.reduce(0) { $0 + $1.memoryBytes }
        let backlog = queued.withLock { $0.bytes }
        if wait || backlog + bytes > maxQueuedBytes {
            // Searchable on return: after the writes queued before it, engines take the inserts, then
            // the state changes, then the removals (a search never sees a live point without its vectors).
            indexQueue.sync {
                applyInserts(effects, threads: insertThreads)
                stateLock.withExclusiveLock { pending.apply(to: &state, indexes: payloadIndexes, operation: operation) }
                applyRemovals(effects)
            }
        } else {
            // Acknowledged after commit: the state (ids, payloads, filters) changes now; the engines
            // catch up in commit order on the index queue. Results never include deleted points
            // (they are checked against the state), and new vectors become searchable shortly.
            stateLock.withExclusiveLock { pending.apply(to: &state, indexes: payloadIndexes, operation: operation) }
            queued.withLock { $0.writes += 1; $0.bytes += bytes }
            indexQueue.async { [self, effects] in
                applyInserts(effects, threads: backgroundInsertThreads)
                applyRemovals(effects)
                queued.withLock { $0.writes -= 1; $0.bytes -= bytes }
            }
        }
        return operation
    }

    /// Hands committed vectors to the engines. Every vector was validated (dimension, finiteness,
    /// normalisation) before the commit, so the engines accept them; should one still refuse, the
    /// refusal is logged and the rest go in, because the write is already durable and acknowledged.
    private func applyInserts(_ effects: [Effect], threads: Int) {
        var denseBatches: [String: [(id: UInt32, vector: [Float])]] = [:]
        for effect in effects {
            switch effect {
            case .insertDense(let vectorName, let iid, let vector): denseBatches[vectorName, default: []].append((iid, vector))
            case .upsertSparse(let vectorName, let iid, let indices, let values):
                do {
                    try sparse[vectorName]?.upsert(id: iid, indices: indices, values: values)
                } catch {
                    Self.logger.error("sparse index refused a committed vector", metadata: ["collection": "\(name)", "vector": "\(vectorName)", "error": "\(error)"])
                }
            case .upsertMulti(let vectorName, let iid, let rows):
                do {
                    try multi[vectorName]?.upsert(id: iid, matrix: rows)
                } catch {
                    Self.logger.error("multivector index refused a committed vector", metadata: ["collection": "\(name)", "vector": "\(vectorName)", "error": "\(error)"])
                }
            case .remove: break
            }
        }
        for (vectorName, batch) in denseBatches {
            do {
                if batch.count == 1 { try dense[vectorName]?.insert(id: batch[0].id, vector: batch[0].vector) }
                else { try dense[vectorName]?.insert(batch: batch, threads: threads) }
            } catch {
                Self.logger.error("dense index refused committed vectors", metadata: ["collection": "\(name)", "vector": "\(vectorName)", "error": "\(error)"])
            }
        }
    }

    private func applyRemovals(_ effects: [Effect]) {
        for case .remove(let vectorName, let iid) in effects {
            dense[vectorName]?.remove(id: iid)
            sparse[vectorName]?.removeVector(id: iid)
            multi[vectorName]?.remove(id: iid)
        }
    }

    /// Returns once every acknowledged write is in the engines.
    public func waitForIndexing() {
        indexQueue.sync {}
    }

    /// Writes acknowledged but not yet applied to the engines.
    public var queuedWriteCount: Int { queued.withLock { $0.writes } }

    /// Validates and normalises one input point against the collection's vector spaces.
    private func prepare(_ input: PointInput) throws -> PointInput {
        var vectors: [String: VectorValue] = [:]
        for (vectorName, value) in input.vectors {
            switch value {
            case .dense(let vector):
                guard let vectorConfig = engineConfig.vectors[vectorName] else {
                    if engineConfig.sparseVectors[vectorName] != nil {
                        throw CollectionError.invalid("Conversion between sparse and regular vectors failed")
                    }
                    throw CollectionError.invalid("Not existing vector name error: \(vectorName.isEmpty ? "default vector" : vectorName)")
                }
                guard vectorConfig.multivector == nil else {
                    throw CollectionError.invalid("Conversion between multi and regular vectors failed")
                }
                vectors[vectorName] = .dense(try prepareDense(vector, config: vectorConfig, name: vectorName))
            case .multi(let rows):
                guard let index = multi[vectorName] else {
                    if engineConfig.vectors[vectorName] != nil || engineConfig.sparseVectors[vectorName] != nil {
                        throw CollectionError.invalid("Conversion between multi and regular vectors failed")
                    }
                    throw CollectionError.invalid("Not existing vector name error: \(vectorName.isEmpty ? "default vector" : vectorName)")
                }
                do {
                    let flat = try index.prepare(rows)
                    vectors[vectorName] = .multi(stride(from: 0, to: flat.count, by: index.dimension).map { Array(flat[$0..<($0 + index.dimension)]) })
                } catch {
                    throw CollectionError.invalid("\(vectorName.isEmpty ? "vector" : vectorName): \(error)")
                }
            case .sparse(let indices, let values):
                guard engineConfig.sparseVectors[vectorName] != nil else {
                    if engineConfig.vectors[vectorName] != nil {
                        throw CollectionError.invalid("Conversion between sparse and regular vectors failed")
                    }
                    throw CollectionError.invalid("Not existing vector name error: \(vectorName.isEmpty ? "default vector" : vectorName)")
                }
                let (sortedIndices, sortedValues) = try prepareSparse(indices: indices, values: values, name: vectorName)
                vectors[vectorName] = .sparse(indices: sortedIndices, values: sortedValues)
            }
        }
        try Self.checkDepth(input.payload, extra: 0)
        return PointInput(id: input.id, vectors: vectors, payload: input.payload)
    }
}

extension VectorCollection {
    // MARK: Vectors of existing points

    /// Replaces the named vectors given for each point, keeping its other vectors and its payload
    /// (Qdrant's `PUT /points/vectors`). Every point must exist; one that does not fails the whole
    /// request and nothing changes. With `updateFilter`, only points that pass it (as committed
    /// before this request) are changed; the others are left as they are.
    @discardableResult
    public func updateVectors(_ inputs: [PointInput], wait: Bool = true, updateFilter: Filter? = nil) throws -> UInt64 {
        let prepared = try inputs.map(prepare)
        let filter = updateFilter.flatMap { $0.isEmpty ? nil : $0 }
        return try CollectionMetrics.measure(.updateVectors) {
            try write(wait: wait) { txn, pending, operation, effects in
                // The writer holds `writeLock`, so the committed state cannot change under this allow list.
                let allowed = try filter.map { try allowList(for: $0) } ?? nil
                for point in prepared {
                    guard let iid = pending.internalID(of: point.id), var live = pending.point(iid) else {
                        throw CollectionError.pointNotFound(point.id)
                    }
                    if filter != nil, !(allowed?.allows(iid) ?? false) { continue }
                    for (vectorName, value) in point.vectors.sorted(by: { $0.key < $1.key }) {
                        guard let slot = slots[vectorName] else {
                            throw CollectionError.invalid("Not existing vector name error: \(vectorName.isEmpty ? "default vector" : vectorName)")
                        }
                        let key = Keys.vector(cid, slot, iid)
                        switch value {
                        case .dense(let vector):
                            try tables.vectors.put(VectorCoding.encodeDense(vector), for: key, in: txn)
                            effects.append(.insertDense(vectorName, iid, vector))
                        case .sparse(let indices, let values):
                            try tables.vectors.put(VectorCoding.encodeSparse(indices: indices, values: values), for: key, in: txn)
                            effects.append(.upsertSparse(vectorName, iid, indices, values))
                        case .multi(let rows):
                            try tables.vectors.put(VectorCoding.encodeMulti(rows), for: key, in: txn)
                            effects.append(.upsertMulti(vectorName, iid, rows))
                        }
                    }
                    live.version = operation
                    pending.set(iid, live)
                    let stored = StoredPoint(id: point.id, version: operation, payload: live.payload)
                    try tables.points.put(try stored.encoded(), for: Keys.point(cid, iid), in: txn)
                }
            }
        }
    }

    /// Removes the named vectors from the given points (missing points are ignored, as in Qdrant);
    /// an unknown vector name refuses the request.
    @discardableResult
    public func deleteVectors(_ names: [String], ids: [PointID], wait: Bool = true) throws -> UInt64 {
        var targets: [(String, UInt16)] = []
        for vectorName in names {
            guard let slot = slots[vectorName] else {
                throw CollectionError.invalid("Not existing vector name error: \(vectorName.isEmpty ? "default vector" : vectorName)")
            }
            targets.append((vectorName, slot))
        }
        return try CollectionMetrics.measure(.deleteVectors) {
            try write(wait: wait) { txn, pending, operation, effects in
                for id in ids {
                    guard let iid = pending.internalID(of: id), var live = pending.point(iid) else { continue }
                    for (vectorName, slot) in targets {
                        _ = try tables.vectors.delete(Keys.vector(cid, slot, iid), in: txn)
                        effects.append(.remove(vectorName, iid))
                    }
                    live.version = operation
                    pending.set(iid, live)
                    let stored = StoredPoint(id: id, version: operation, payload: live.payload)
                    try tables.points.put(try stored.encoded(), for: Keys.point(cid, iid), in: txn)
                }
            }
        }
    }

    // MARK: Configuration

    /// Called under `writeLock` by every write: a retired instance takes none.
    func checkNotRetired() throws {
        if retired { throw CollectionError.retry("collection `\(name)` was reconfigured while this request waited; retry it") }
    }

    /// Marks this instance replaced (see `retired`). Called by the registry under `writeLock`.
    func retire() { retired = true }

    /// Whether the collection's one vector is unnamed (answered as a bare list).
    public var hasUnnamedVector: Bool { engineConfig.unnamedVector }

    /// Changes the settings an existing collection may change (`PATCH /collections/{c}`): metadata,
    /// optimizer and replication settings. A change that touches what the engines are built with
    /// (vector spaces, HNSW, quantization) is refused; nothing is changed then.
    public func updateConfig(_ change: (inout CollectionConfig) throws -> Void) throws {
        writeLock.lock()
        defer { writeLock.unlock() }
        try checkNotRetired()
        var next = config
        try change(&next)
        guard next.vectors == engineConfig.vectors, next.sparseVectors == engineConfig.sparseVectors,
              next.hnsw == engineConfig.hnsw, next.quantization == engineConfig.quantization, next.unnamedVector == engineConfig.unnamedVector else {
            throw CollectionError.invalid("changing vectors, hnsw_config or quantization_config of an existing collection is not supported; create a new collection")
        }
        try Self.checkDepth(next.metadata ?? [:], extra: 0)
        do {
            try environment.write { txn in
                guard var record = try tables.registry.get(name, in: txn)?.value else { throw CollectionError.collectionNotFound(name) }
                record.config = next
                try tables.registry.put(JSONStored(record), for: name, in: txn)
            }
        } catch let error as CollectionError {
            throw error
        } catch {
            throw CollectionError.storage("\(error)")
        }
        configBox.withLock { $0 = next }
    }
}
