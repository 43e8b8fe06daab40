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
/// - A write is applied to memory exactly when it commits: everything that can fail is checked before
///   the transaction, and after the commit the state always advances (an engine that refuses a
///   vector is logged, never left behind the stored state).
/// - A read that returns vectors takes the point's payload and vectors from one LMDB snapshot, so
///   it never pairs one upsert's vector with another's payload.
public final class VectorCollection: @unchecked Sendable {
    public let name: String
    /// The configuration as it stands now (`PATCH /collections/{c}` changes metadata, optimizer and
    /// replication settings; never anything an engine is built with).
    public var config: CollectionConfig { configBox.withLock { $0 } }
    let configBox: Mutex<CollectionConfig>
    /// The configuration the engines were built with: vector spaces, HNSW, quantization. Fixed for the
    /// collection's life (read on hot paths without a lock).
    let engineConfig: CollectionConfig
    let cid: UInt32
    let slots: [String: UInt16]
    let environment: Environment
    let tables: StoreTables

    let writeLock = NSLock()
    /// Set (under `writeLock`) when the registry replaced this instance with one reopened on a new
    /// record; every write that reaches it afterwards fails with `retry` instead of landing beside
    /// engines that no longer serve the collection. Read only under `writeLock`.
    var retired = false
    let stateLock = ReadWriteLock()
    var state: State
    /// Payload indexes; mutated only by the writer under the exclusive `stateLock`, read under the shared one.
    let payloadIndexes: PayloadIndexSet
    let dense: [String: HNSWIndex]
    let sparse: [String: SparseIndex]
    /// Multivector spaces (no HNSW graph: scored exactly by MaxSim).
    let multi: [String: MultiVectorIndex]
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
    let indexQueue = DispatchQueue(label: "campus.collection.index")
    /// Writes on the index queue, and the vector bytes they hold in memory until applied.
    let queued = Mutex<(writes: Int, bytes: Int)>((0, 0))
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
    let checkpointOperations: Mutex<[String: UInt64]>
    /// Dense vectors written (inserted or replaced) since the last checkpoint, across vector names:
    /// what a restart would replay. `CheckpointService` checkpoints by this volume as well as by time.
    let writtenSinceCheckpoint = Mutex<Int>(0)
    /// Points whose stored payload could not be read at open (served with an empty payload until
    /// rewritten); reported by `/readyz`.
    public private(set) var damagedPoints = 0

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

    /// Opens a collection from its stored record. Throws (never traps) when the record's
    /// configuration cannot build its engines or its points cannot be read; the registry then
    /// reports the collection as unavailable.
    init(record: CollectionRecord, environment: Environment, tables: StoreTables) throws {
        name = record.name
        configBox = Mutex(record.config)
        engineConfig = record.config
        let config = record.config
        cid = record.cid
        slots = record.slots
        self.environment = environment
        self.tables = tables
        var dense: [String: HNSWIndex] = [:]
        var multi: [String: MultiVectorIndex] = [:]
        var checkpoints: [String: UInt64] = [:]
        for (vectorName, vectorConfig) in config.vectors {
            guard let slot = record.slots[vectorName] else {
                throw CollectionError.storage("the stored record of `\(record.name)` has no slot for vector `\(vectorName)`")
            }
            if vectorConfig.multivector != nil {
                multi[vectorName] = MultiVectorIndex(dimension: vectorConfig.size, metric: vectorConfig.distance)
                continue
            }
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
            let engine = HNSWIndex.configuration(for: vectorConfig, collection: config)
            if let (snapshot, operation) = restored, snapshot.dimension == vectorConfig.size, snapshot.metric == vectorConfig.distance,
               let index = try? HNSWIndex.restore(snapshot) {
                dense[vectorName] = index
                checkpoints[vectorName] = operation
            } else {
                do {
                    dense[vectorName] = try HNSWIndex(dimension: vectorConfig.size, metric: vectorConfig.distance, configuration: engine)
                } catch {
                    throw CollectionError.storage("vector `\(vectorName)` cannot be built: \(error)")
                }
            }
        }
        self.checkpointOperations = Mutex(checkpoints)
        var sparse: [String: SparseIndex] = [:]
        for (vectorName, sparseConfig) in config.sparseVectors {
            sparse[vectorName] = SparseIndex(modifier: sparseConfig.modifier)
        }
        self.dense = dense
        self.sparse = sparse
        self.multi = multi
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
        var multiRows: [(String, UInt32, [[Float]])] = []
        var damaged = 0
        try environment.read { txn in
            loaded.nextInternalID = UInt32(try tables.counters.get(Keys.counter(cid, "next_iid"), in: txn) ?? 0)
            loaded.lastOperation = try tables.counters.get(Keys.counter(cid, "operation"), in: txn) ?? 0
            loaded.points = Array(repeating: nil, count: Int(loaded.nextInternalID))
            let prefix = Keys.prefix(cid)
            try tables.points.withCursor(in: txn) { cursor in
                var entry = try cursor.seek(atOrAfterBytes: prefix)
                while let (key, value) = entry, key.starts(with: prefix) {
                    let iid = Keys.readUInt32(key, at: 4)
                    guard Int(iid) < loaded.points.count else {
                        throw CollectionError.storage("point record \(iid) lies past the stored id counter \(loaded.points.count)")
                    }
                    let stored: StoredPoint
                    do {
                        stored = try StoredPoint(decoding: value)
                    } catch let damage as StoredPoint.DamagedPayload {
                        // The id and version are intact; the payload is not (too deep, or damaged):
                        // keep the point and its vectors, serve an empty payload, say so.
                        Self.logger.warning("stored payload unreadable; served empty until rewritten", metadata: [
                            "collection": "\(name)", "point": "\(damage.id)", "reason": "\(damage.reason)",
                        ])
                        damaged += 1
                        stored = StoredPoint(id: damage.id, version: damage.version, payload: [:])
                    }
                    loaded.points[Int(iid)] = LivePoint(id: stored.id, version: stored.version, payload: stored.payload)
                    loaded.internalIDs[stored.id] = iid
                    loaded.liveCount += 1
                    entry = try cursor.next()
                }
            }
            for (vectorName, slot) in slots {
                if engineConfig.vectors[vectorName] != nil, let operation = checkpoints[vectorName], let index = dense[vectorName] {
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
                        if let index = multi[vectorName] {
                            multiRows.append((vectorName, iid, VectorCoding.decodeMulti(value, dimension: index.dimension)))
                        } else if engineConfig.vectors[vectorName] != nil {
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
        for (iid, point) in loaded.points.enumerated() {
            guard let point else { continue }
            loaded.live.insert(UInt32(iid))
            payloadIndexes.update(id: UInt32(iid), payload: point.payload)
        }
        state = loaded
        damagedPoints = damaged
        for (vectorName, ids) in staleIDs { for iid in ids { dense[vectorName]?.remove(id: iid) } }
        for (vectorName, rows) in denseRows {
            // Rows were validated when they were written; one that an engine refuses now (a damaged
            // record) is left out rather than failing the whole collection.
            let dimension = engineConfig.vectors[vectorName]?.size ?? 0
            let usable = rows.filter { $0.vector.count == dimension && $0.vector.allSatisfy(\.isFinite) }
            if usable.count < rows.count {
                Self.logger.warning("stored vectors unusable; left out of the index", metadata: [
                    "collection": "\(name)", "vector": "\(vectorName)", "count": "\(rows.count - usable.count)",
                ])
            }
            do {
                try dense[vectorName]?.insert(batch: usable, threads: ProcessInfo.processInfo.activeProcessorCount)
            } catch {
                throw CollectionError.storage("vector `\(vectorName)` cannot be indexed: \(error)")
            }
        }
        for (vectorName, iid, rows) in multiRows {
            do {
                try multi[vectorName]?.upsert(id: iid, matrix: rows)
            } catch {
                Self.logger.warning("stored multivector unusable; left out of the index", metadata: [
                    "collection": "\(name)", "vector": "\(vectorName)", "point": "\(iid)",
                ])
            }
        }
        for (vectorName, iid, indices, values) in sparseRows {
            do {
                try sparse[vectorName]?.upsert(id: iid, indices: indices, values: values)
            } catch {
                Self.logger.warning("stored sparse vector unusable; left out of the index", metadata: [
                    "collection": "\(name)", "vector": "\(vectorName)", "point": "\(iid)",
                ])
            }
        }
    }

    // MARK: Reading state

    /// Live points.
    public var pointsCount: Int { stateLock.withSharedLock { state.liveCount } }

    /// Vectors held by each engine (what Qdrant reports as `indexed_vectors_count`).
    public var indexedVectorsCount: Int { dense.values.reduce(0) { $0 + $1.count } }

    public var lastOperationID: UInt64 { stateLock.withSharedLock { state.lastOperation } }

    /// Acknowledged writes whose vectors the index queue has not applied yet, and the vector bytes they hold.
    public var indexingBacklog: (writes: Int, bytes: Int) { queued.withLock { $0 } }

    /// Bytes the dense engines hold (HNSW graphs, vectors, codes), over every dense vector.
    public var denseMemoryBytes: Int { dense.values.reduce(0) { $0 + $1.memoryBytes } }

    /// Bytes of the sparse engines' postings, over every sparse vector.
    public var sparsePostingBytes: Int { sparse.values.reduce(0) { $0 + $1.postingBytes } }
}
