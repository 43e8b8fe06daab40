import JSON
import Foundation
import Logging
import Search
import Storage
import Synchronization

/// A durable named collection of points: ids, named dense and sparse vectors, JSON payloads.
///
/// Invariants:
/// - Every write is one LMDB transaction, committed before the in-memory state and the engines
///   change and before the caller is answered; a failed validation changes nothing.
/// - Internal ids are dense `UInt32`s handed out in increasing order and never reused; `points[iid]`
///   is the live point with that internal id or nil.
/// - Writers are serialised by `writeLock`; searches read `state` under `stateLock` (shared) and may
///   run alongside a write, seeing it either before or after its in-memory application.
public final class VectorCollection: @unchecked Sendable {
    public let name: String
    public let config: CollectionConfig
    let cid: UInt32
    let slots: [String: UInt16]
    let environment: Environment
    let tables: StoreTables

    private let writeLock = NSLock()
    let stateLock = ReadWriteLock()
    var state: State
    /// Payload indexes; mutated only by the writer under the exclusive `stateLock`, read under the shared one.
    let payloadIndexes: PayloadIndexSet
    let dense: [String: HNSWIndex]
    let sparse: [String: SparseIndex]
    /// Threads the dense engines use to insert one write's vectors (default: the processor count;
    /// batch inserts from the background index queue then use every core while it has work).
    public var insertThreads: Int {
        get { insertThreadsBox.withLock { $0 } }
        set { insertThreadsBox.withLock { $0 = max(1, newValue) } }
    }
    private let insertThreadsBox = Mutex<Int>(ProcessInfo.processInfo.activeProcessorCount)
    /// Threads the background index queue inserts with (writes acknowledged without waiting).
    /// Default: one fewer than the processors (at least one), so a long indexing backlog leaves a
    /// core for parsing and committing further writes and for answering searches.
    public var backgroundInsertThreads: Int {
        get { backgroundInsertThreadsBox.withLock { $0 } }
        set { backgroundInsertThreadsBox.withLock { $0 = max(1, newValue) } }
    }
    private let backgroundInsertThreadsBox = Mutex<Int>(max(1, ProcessInfo.processInfo.activeProcessorCount - 1))
    /// Applies engine effects of writes acknowledged without waiting, in commit order.
    private let indexQueue = DispatchQueue(label: "campus.collection.index")
    /// Writes on the index queue, and the vector bytes they hold in memory until applied.
    private let queued = Mutex<(writes: Int, bytes: Int)>((0, 0))
    /// Past this many bytes of queued vectors, a write applies its effects before returning
    /// (back-pressure: memory stays bounded however far the graph falls behind). The default,
    /// 256 MiB, lets a burst of about 170k 384-d vectors be acknowledged at storage speed, as
    /// Qdrant acknowledges writes before its optimizer indexes them. The bulk loader lifts it.
    public var maxQueuedBytes: Int {
        get { maxQueuedBytesBox.withLock { $0 } }
        set { maxQueuedBytesBox.withLock { $0 = max(0, newValue) } }
    }
    private let maxQueuedBytesBox = Mutex<Int>(256 << 20)
    static let logger = Logger(label: "campus-search.collection")
    /// Per dense vector name, the operation id its persisted graph checkpoint reflects.
    private let checkpointOperations: Mutex<[String: UInt64]>

    struct LivePoint {
        var id: PointID
        var version: UInt64
        var payload: [String: JSONValue]
    }

    struct State {
        var internalIDs: [PointID: UInt32] = [:]
        var points: [LivePoint?] = []
        /// Internal ids of live points; capacity grows (doubling) ahead of `nextInternalID`.
        var live = AllowList(capacity: 0)
        var nextInternalID: UInt32 = 0
        var lastOperation: UInt64 = 0
        var liveCount = 0
    }

    // MARK: Opening

    init(record: CollectionRecord, environment: Environment, tables: StoreTables) throws {
        name = record.name
        config = record.config
        cid = record.cid
        slots = record.slots
        self.environment = environment
        self.tables = tables
        var dense: [String: HNSWIndex] = [:]
        var checkpoints: [String: UInt64] = [:]
        for (vectorName, vectorConfig) in config.vectors {
            let slot = record.slots[vectorName]!
            // A checkpoint is only a shortcut: one that cannot be read (an older format, damage) is
            // ignored and the graph is rebuilt from the committed vectors.
            let restored: (HNSWSnapshot, UInt64)?
            do {
                restored = try environment.read { txn in
                    try GraphCheckpoint.read(cid: record.cid, slot: slot, table: tables.graphs, txn: txn)
                }
            } catch {
                Self.logger.warning("graph checkpoint unreadable; rebuilding", metadata: ["collection": "\(record.name)", "vector": "\(vectorName)", "error": "\(error)"])
                restored = nil
            }
            if let (snapshot, operation) = restored, let index = try? HNSWIndex.restore(snapshot) {
                dense[vectorName] = index
                checkpoints[vectorName] = operation
            } else {
                dense[vectorName] = HNSWIndex(
                    dimension: vectorConfig.size, metric: vectorConfig.distance,
                    configuration: HNSWIndex.configuration(for: vectorConfig, collection: config)
                )
            }
        }
        self.checkpointOperations = Mutex(checkpoints)
        var sparse: [String: SparseIndex] = [:]
        for (vectorName, sparseConfig) in config.sparseVectors {
            sparse[vectorName] = SparseIndex(modifier: sparseConfig.modifier)
        }
        self.dense = dense
        self.sparse = sparse
        self.state = State()
        self.payloadIndexes = try PayloadIndexSet(definitions: record.payloadIndexes ?? [:])
        try load(checkpoints: checkpoints)
    }

    /// Reads points back from LMDB into memory, then brings each engine up to date: a dense space
    /// with a graph checkpoint replays only the points written after it; the others are rebuilt from
    /// the stored vectors.
    private func load(checkpoints: [String: UInt64]) throws {
        var loaded = State()
        var denseRows: [String: [(id: UInt32, vector: [Float])]] = [:]
        var staleIDs: [String: [UInt32]] = [:]
        var sparseRows: [(String, UInt32, [UInt32], [Float])] = []
        try environment.read { txn in
            loaded.nextInternalID = UInt32(try tables.counters.get(Keys.counter(cid, "next_iid"), in: txn) ?? 0)
            loaded.lastOperation = try tables.counters.get(Keys.counter(cid, "operation"), in: txn) ?? 0
            loaded.points = Array(repeating: nil, count: Int(loaded.nextInternalID))
            let prefix = Keys.prefix(cid)
            try tables.points.withCursor(in: txn) { cursor in
                var entry = try cursor.seek(atOrAfterBytes: prefix)
                while let (key, value) = entry, key.starts(with: prefix) {
                    let iid = Keys.readUInt32(key, at: 4)
                    let stored = try StoredPoint(decoding: value)
                    loaded.points[Int(iid)] = LivePoint(id: stored.id, version: stored.version, payload: stored.payload)
                    loaded.internalIDs[stored.id] = iid
                    loaded.liveCount += 1
                    entry = try cursor.next()
                }
            }
            for (vectorName, slot) in slots {
                if config.vectors[vectorName] != nil, let operation = checkpoints[vectorName], let index = dense[vectorName] {
                    // Replay what the checkpoint does not hold.
                    for iid in 0..<min(index.idBound, loaded.points.count) where index.contains(id: UInt32(iid)) && loaded.points[iid] == nil {
                        staleIDs[vectorName, default: []].append(UInt32(iid))
                    }
                    for (iid, point) in loaded.points.enumerated() where (point?.version ?? 0) > operation {
                        if let bytes = try tables.vectors.get(Keys.vector(cid, slot, UInt32(iid)), in: txn) {
                            denseRows[vectorName, default: []].append((UInt32(iid), VectorCoding.decodeDense(bytes)))
                        } else {
                            staleIDs[vectorName, default: []].append(UInt32(iid))
                        }
                    }
                    continue
                }
                let slotPrefix = Keys.vectorSlotPrefix(cid, slot)
                try tables.vectors.withCursor(in: txn) { cursor in
                    var entry = try cursor.seek(atOrAfterBytes: slotPrefix)
                    while let (key, value) = entry, key.starts(with: slotPrefix) {
                        let iid = Keys.readUInt32(key, at: 6)
                        if config.vectors[vectorName] != nil {
                            denseRows[vectorName, default: []].append((iid, VectorCoding.decodeDense(value)))
                        } else {
                            let (indices, values) = VectorCoding.decodeSparse(value)
                            sparseRows.append((vectorName, iid, indices, values))
                        }
                        entry = try cursor.next()
                    }
                }
            }
        }
        loaded.live = AllowList(capacity: max(64, loaded.points.count * 2))
        for (iid, point) in loaded.points.enumerated() where point != nil {
            loaded.live.insert(UInt32(iid))
            payloadIndexes.update(id: UInt32(iid), payload: point!.payload)
        }
        state = loaded
        for (vectorName, ids) in staleIDs { for iid in ids { dense[vectorName]?.remove(id: iid) } }
        for (vectorName, rows) in denseRows { try dense[vectorName]?.insert(batch: rows, threads: ProcessInfo.processInfo.activeProcessorCount) }
        for (vectorName, iid, indices, values) in sparseRows { try sparse[vectorName]?.upsert(id: iid, indices: indices, values: values) }
    }

    // MARK: Checkpoints

    /// Whether some dense space has writes its persisted graph does not hold.
    public var needsCheckpoint: Bool {
        let last = lastOperationID
        return checkpointOperations.withLock { ops in dense.keys.contains { (ops[$0] ?? 0) < last } }
    }

    /// Persists every dense graph as of now, so the next open restores instead of rebuilding.
    /// Runs under the write lock (writes wait; searches go on).
    public func checkpoint() throws {
        writeLock.lock()
        defer { writeLock.unlock() }
        indexQueue.sync {}  // the graph must hold every acknowledged write up to `operation`
        let operation = stateLock.withSharedLock { state.lastOperation }
        let stale = checkpointOperations.withLock { ops in dense.keys.filter { (ops[$0] ?? 0) < operation || ops[$0] == nil } }
        guard !stale.isEmpty else { return }
        let snapshots = stale.map { ($0, dense[$0]!.snapshot()) }
        do {
            try environment.write { txn in
                for (vectorName, snapshot) in snapshots {
                    try GraphCheckpoint.write(snapshot, operation: operation, cid: cid, slot: slots[vectorName]!, table: tables.graphs, txn: txn)
                }
            }
        } catch {
            throw CollectionError.storage("checkpoint of `\(name)` failed: \(error)")
        }
        checkpointOperations.withLock { ops in for name in stale { ops[name] = operation } }
    }

    // MARK: Reading state

    /// Live points.
    public var pointsCount: Int { stateLock.withSharedLock { state.liveCount } }

    /// Vectors held by each engine (what Qdrant reports as `indexed_vectors_count`).
    public var indexedVectorsCount: Int { dense.values.reduce(0) { $0 + $1.count } }

    public var lastOperationID: UInt64 { stateLock.withSharedLock { state.lastOperation } }

    // MARK: Writing

    /// Inserts or replaces whole points (vectors and payload). Returns the operation id.
    /// Every point is validated first; one bad point rejects the request and nothing changes.
    /// Durable when it returns; searchable when it returns if `wait`, shortly after otherwise.
    @discardableResult
    public func upsert(_ inputs: [PointInput], wait: Bool = true) throws -> UInt64 {
        let prepared = try inputs.map(prepare)
        defer { CollectionMetrics.pointsWritten.increment(by: inputs.count) }
        return try CollectionMetrics.measure("upsert") { try upsertPrepared(prepared, wait: wait) }
    }

    private func upsertPrepared(_ prepared: [PointInput], wait: Bool) throws -> UInt64 {
        try write(wait: wait) { txn, pending, operation, effects in
            for point in prepared {
                let iid: UInt32
                if let existing = pending.internalID(of: point.id) {
                    iid = existing
                } else {
                    iid = pending.assign(point.id)
                    try tables.ids.put(iid, for: Keys.id(cid, point.id), in: txn)
                }
                let stored = StoredPoint(id: point.id, version: operation, payload: point.payload)
                try tables.points.put(try stored.encoded(), for: Keys.point(cid, iid), in: txn)
                pending.set(iid, LivePoint(id: point.id, version: operation, payload: point.payload))
                for (vectorName, slot) in slots {
                    let key = Keys.vector(cid, slot, iid)
                    switch point.vectors[vectorName] {
                    case .dense(let vector)?:
                        try tables.vectors.put(VectorCoding.encodeDense(vector), for: key, in: txn)
                        effects.append(.insertDense(vectorName, iid, vector))
                    case .sparse(let indices, let values)?:
                        try tables.vectors.put(VectorCoding.encodeSparse(indices: indices, values: values), for: key, in: txn)
                        effects.append(.upsertSparse(vectorName, iid, indices, values))
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
        try CollectionMetrics.measure("delete") { try deletePoints(ids, wait: wait) }
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

    /// Applies a payload change to the points with the given ids (missing ids are ignored).
    @discardableResult
    public func updatePayload(_ change: PayloadChange, ids: [PointID]) throws -> UInt64 {
        try CollectionMetrics.measure("payload") { try updatePayloadLocked(change, ids: ids) }
    }

    private func updatePayloadLocked(_ change: PayloadChange, ids: [PointID]) throws -> UInt64 {
        try write { txn, pending, operation, _ in
            for id in ids {
                guard let iid = pending.internalID(of: id), var point = pending.point(iid) else { continue }
                point.payload = try Self.apply(change, to: point.payload)
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
        case remove(String, UInt32)

        /// The vector bytes this effect holds until the index queue applies it.
        var memoryBytes: Int {
            switch self {
            case .insertDense(_, _, let vector): return vector.count * MemoryLayout<Float>.stride + 64
            case .upsertSparse(_, _, let indices, let values): return (indices.count + values.count) * 4 + 64
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
    private func write(wait: Bool = true, _ body: (WriteTransaction, inout PendingState, UInt64, inout [Effect]) throws -> Void) throws -> UInt64 {
        writeLock.lock()
        defer { writeLock.unlock() }
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
        let bytes = effects.reduce(0) { $0 + $1.memoryBytes }
        let backlog = queued.withLock { $0.bytes }
        if wait || backlog + bytes > maxQueuedBytes {
            // Searchable on return: after the writes queued before it, engines take the inserts, then
            // the state changes, then the removals (a search never sees a live point without its vectors).
            try indexQueue.sync {
                try applyInserts(effects, threads: insertThreads)
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
                do {
                    try applyInserts(effects, threads: backgroundInsertThreads)
                } catch {
                    Self.logger.error("background indexing failed", metadata: ["collection": "\(name)", "error": "\(error)"])
                }
                applyRemovals(effects)
                queued.withLock { $0.writes -= 1; $0.bytes -= bytes }
            }
        }
        return operation
    }

    private func applyInserts(_ effects: [Effect], threads: Int) throws {
        var denseBatches: [String: [(id: UInt32, vector: [Float])]] = [:]
        for effect in effects {
            switch effect {
            case .insertDense(let vectorName, let iid, let vector): denseBatches[vectorName, default: []].append((iid, vector))
            case .upsertSparse(let vectorName, let iid, let indices, let values): try sparse[vectorName]?.upsert(id: iid, indices: indices, values: values)
            case .remove: break
            }
        }
        for (vectorName, batch) in denseBatches {
            if batch.count == 1 { try dense[vectorName]?.insert(id: batch[0].id, vector: batch[0].vector) }
            else { try dense[vectorName]?.insert(batch: batch, threads: threads) }
        }
    }

    private func applyRemovals(_ effects: [Effect]) {
        for case .remove(let vectorName, let iid) in effects {
            dense[vectorName]?.remove(id: iid)
            sparse[vectorName]?.removeVector(id: iid)
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
                guard let vectorConfig = config.vectors[vectorName] else {
                    if config.sparseVectors[vectorName] != nil {
                        throw CollectionError.invalid("Conversion between sparse and regular vectors failed")
                    }
                    throw CollectionError.invalid("Not existing vector name error: \(vectorName.isEmpty ? "default vector" : vectorName)")
                }
                vectors[vectorName] = .dense(try prepareDense(vector, config: vectorConfig, name: vectorName))
            case .sparse(let indices, let values):
                guard config.sparseVectors[vectorName] != nil else {
                    if config.vectors[vectorName] != nil {
                        throw CollectionError.invalid("Conversion between sparse and regular vectors failed")
                    }
                    throw CollectionError.invalid("Not existing vector name error: \(vectorName.isEmpty ? "default vector" : vectorName)")
                }
                let (sortedIndices, sortedValues) = try prepareSparse(indices: indices, values: values, name: vectorName)
                vectors[vectorName] = .sparse(indices: sortedIndices, values: sortedValues)
            }
        }
        return PointInput(id: input.id, vectors: vectors, payload: input.payload)
    }

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

    /// Builds records for (internal id, point, score) triples, reading vectors from LMDB when asked.
    func records(_ items: [(UInt32, LivePoint, Float?)], withPayload: PayloadSelector, withVector: VectorSelector) throws -> [PointRecord] {
        var vectorsByPoint: [[String: VectorValue]?] = Array(repeating: nil, count: items.count)
        if withVector != .none {
            try environment.read { txn in
                for (n, item) in items.enumerated() {
                    var vectors: [String: VectorValue] = [:]
                    for (vectorName, slot) in slots where withVector.includes(vectorName) {
                        guard let bytes = try tables.vectors.get(Keys.vector(cid, slot, item.0), in: txn) else { continue }
                        if config.vectors[vectorName] != nil {
                            vectors[vectorName] = .dense(VectorCoding.decodeDense(bytes))
                        } else {
                            let (indices, values) = VectorCoding.decodeSparse(bytes)
                            vectors[vectorName] = .sparse(indices: indices, values: values)
                        }
                    }
                    vectorsByPoint[n] = vectors
                }
            }
        }
        return items.enumerated().map { n, item in
            PointRecord(
                id: item.1.id, version: item.1.version, score: item.2,
                payload: withPayload.apply(item.1.payload), vectors: vectorsByPoint[n]
            )
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

    /// Ids of the points that pass `filter`.
    public func ids(matching filter: Filter) throws -> [PointID] {
        let allowed = try allowList(for: filter)!
        return stateLock.withSharedLock { allowed.ids.compactMap { state.points[Int($0)]?.id } }
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

    // MARK: Payload indexes

    /// What `payload_schema` reports: each indexed field, its type and how many points it holds.
    public var payloadSchema: [String: PayloadSchemaInfo] {
        stateLock.withSharedLock { payloadIndexes.schema }
    }

    /// Creates (or replaces) the payload index of `field`, persisting its definition. Returns the operation id.
    @discardableResult
    public func createPayloadIndex(field: String, schema: PayloadFieldSchema) throws -> UInt64 {
        try changePayloadIndexes(field: field, edit: { $0[field] = schema }) {
            let points = state.points.enumerated().compactMap { iid, point in point.map { (UInt32(iid), $0.payload) } }
            try payloadIndexes.createIndex(field: field, schema: schema, points: points)
        }
    }

    /// Drops the payload index of `field` (no error when there is none). Returns the operation id.
    @discardableResult
    public func dropPayloadIndex(field: String) throws -> UInt64 {
        try changePayloadIndexes(field: field, edit: { $0[field] = nil }) {
            payloadIndexes.dropIndex(field: field)
        }
    }

    private func changePayloadIndexes(field: String, edit: (inout [String: PayloadFieldSchema]) -> Void, apply: () throws -> Void) throws -> UInt64 {
        guard PayloadPath(field) != nil else { throw CollectionError.invalid("`\(field)` is not a valid payload field name") }
        writeLock.lock()
        defer { writeLock.unlock() }
        let operation = state.lastOperation + 1
        do {
            try environment.write { txn in
                guard var record = try tables.registry.get(name, in: txn)?.value else { throw CollectionError.collectionNotFound(name) }
                var definitions = record.payloadIndexes ?? [:]
                edit(&definitions)
                record.payloadIndexes = definitions
                try tables.registry.put(JSONStored(record), for: name, in: txn)
                try tables.counters.put(operation, for: Keys.counter(cid, "operation"), in: txn)
            }
        } catch let error as CollectionError {
            throw error
        } catch {
            throw CollectionError.storage("\(error)")
        }
        try stateLock.withExclusiveLock {
            try apply()
            state.lastOperation = operation
        }
        return operation
    }

}
