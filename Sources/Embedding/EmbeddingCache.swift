import Crypto
import Foundation
import Logging
import Metrics
import Storage
import Synchronization

/// The cache key of one embedding: SHA-256 over the model name, the task and the text, each
/// length-prefixed (so no two different triples share an input).
public struct EmbeddingCacheKey: Hashable, Sendable {
    /// The 32 digest bytes.
    public let bytes: [UInt8]

    public init(model: String, task: String, text: String) {
        var hasher = SHA256()
        for field in [model, task, text] {
            var length = UInt64(field.utf8.count).littleEndian
            withUnsafeBytes(of: &length) { hasher.update(bufferPointer: $0) }
            hasher.update(data: Data(field.utf8))
        }
        bytes = Array(hasher.finalize())
    }
}

/// Embeddings by `EmbeddingCacheKey`: an in-memory LRU bounded by bytes in front of an LMDB table.
///
/// - Look-ups try memory, then LMDB (a hit there is promoted into memory).
/// - An entry older than `ttl` is a miss (and is dropped from memory; a later store replaces it on disk;
///   `removeExpired()` sweeps the table).
/// - The LMDB value is 8 bytes of creation time (milliseconds since 1970, little-endian Int64)
///   followed by the vector's floats (little-endian IEEE 754).
/// - Only `store` writes, and `CachedEmbedder` calls it only with vectors a model returned: a failed
///   embedding never leaves anything behind.
public final class EmbeddingCache: Sendable {
    /// Cache options.
    public struct Configuration: Sendable {
        /// `memoryBytes` (Int, default 64 MiB): the in-memory LRU's budget (vector bytes plus a fixed
        /// per-entry overhead); 0 disables the memory tier.
        public var memoryBytes: Int = 64 << 20
        /// `ttl` (Double seconds?, default nil = entries never expire): age after which an entry is a miss.
        public var ttl: Double?
        /// `tableName` (String, default `embedding_cache`): the LMDB table.
        public var tableName: String = "embedding_cache"

        public init(memoryBytes: Int = 64 << 20, ttl: Double? = nil, tableName: String = "embedding_cache") {
            self.memoryBytes = memoryBytes
            self.ttl = ttl
            self.tableName = tableName
        }
    }

    /// Counts since the cache was made.
    public struct Statistics: Sendable, Equatable {
        public var memoryHits = 0
        public var diskHits = 0
        public var misses = 0
        public var stores = 0
        /// Entries and bytes now in the memory tier.
        public var memoryEntries = 0
        public var memoryBytes = 0
    }

    public let configuration: Configuration
    private let table: Table<[UInt8], CachedVector>?
    private let memory: Mutex<LRUCache>
    private let counts = Mutex(Statistics())
    private let now: @Sendable () -> Double
    private let logger = Logger(label: "campus.embedding.cache")
    private let memoryHits = Counter(label: "campus_embedding_cache_hits_total", dimensions: [("tier", "memory")])
    private let diskHits = Counter(label: "campus_embedding_cache_hits_total", dimensions: [("tier", "lmdb")])
    private let missCounter = Counter(label: "campus_embedding_cache_misses_total")
    private let lookupTimer = EmbeddingMetrics.stage("cache_lookup")
    private let storeTimer = EmbeddingMetrics.stage("cache_store")

    /// A cache over `environment` (nil: memory only). `now` gives seconds since 1970 (tests inject a clock).
    public init(environment: Environment?, configuration: Configuration = .init(),
                now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) throws {
        guard configuration.memoryBytes >= 0 else {
            throw EmbeddingError.invalidConfiguration("cache memoryBytes must be ≥ 0")
        }
        if let ttl = configuration.ttl, !(ttl > 0) {
            throw EmbeddingError.invalidConfiguration("cache ttl must be > 0 seconds, got \(ttl)")
        }
        self.configuration = configuration
        self.table = try environment?.table(configuration.tableName, key: [UInt8].self, value: CachedVector.self)
        self.memory = Mutex(LRUCache(capacityBytes: configuration.memoryBytes))
        self.now = now
    }

    public var statistics: Statistics {
        var result = counts.withLock { $0 }
        memory.withLock {
            result.memoryEntries = $0.count
            result.memoryBytes = $0.bytes
        }
        return result
    }

    /// The cached vectors for `keys`, nil where missing or expired.
    public func lookup(_ keys: [EmbeddingCacheKey]) -> [[Float]?] {
        let start = ContinuousClock.now
        defer { lookupTimer.record(since: start) }
        let current = now()
        let oldest = configuration.ttl.map { current - $0 }
        var result: [[Float]?] = memory.withLock { lru in
            keys.map { key in
                guard let entry = lru.get(key) else { return nil }
                if let oldest, entry.createdAt < oldest {
                    lru.remove(key)
                    return nil
                }
                return entry.vector
            }
        }
        let memoryHitCount = result.reduce(0) { $0 + ($1 == nil ? 0 : 1) }
        var diskHitCount = 0
        if let table, memoryHitCount < keys.count {
            var promoted: [(EmbeddingCacheKey, CachedVector)] = []
            do {
                try table.environment.read { txn in
                    for (index, key) in keys.enumerated() where result[index] == nil {
                        guard let stored = try table.get(key.bytes, in: txn) else { continue }
                        if let oldest, stored.createdAt < oldest { continue }
                        result[index] = stored.vector
                        promoted.append((key, stored))
                    }
                }
            } catch {
                // A broken disk tier degrades to misses; the model recomputes.
                logger.warning("embedding cache read failed", metadata: ["error": "\(error)"])
            }
            diskHitCount = promoted.count
            if !promoted.isEmpty {
                memory.withLock { lru in
                    for (key, stored) in promoted { lru.put(key, vector: stored.vector, createdAt: stored.createdAt) }
                }
            }
        }
        let missCount = keys.count - memoryHitCount - diskHitCount
        counts.withLock {
            $0.memoryHits += memoryHitCount
            $0.diskHits += diskHitCount
            $0.misses += missCount
        }
        if memoryHitCount > 0 { memoryHits.increment(by: memoryHitCount) }
        if diskHitCount > 0 { diskHits.increment(by: diskHitCount) }
        if missCount > 0 { missCounter.increment(by: missCount) }
        return result
    }

    /// Stores `vectors[i]` under `keys[i]` in memory and (in one transaction) in LMDB.
    public func store(_ keys: [EmbeddingCacheKey], _ vectors: [[Float]]) throws {
        precondition(keys.count == vectors.count, "one vector per key")
        guard !keys.isEmpty else { return }
        let start = ContinuousClock.now
        defer { storeTimer.record(since: start) }
        let createdAt = now()
        if let table {
            try table.environment.write { txn in
                for (key, vector) in zip(keys, vectors) {
                    try table.put(CachedVector(createdAt: createdAt, vector: vector), for: key.bytes, in: txn)
                }
            }
        }
        memory.withLock { lru in
            for (key, vector) in zip(keys, vectors) { lru.put(key, vector: vector, createdAt: createdAt) }
        }
        counts.withLock { $0.stores += keys.count }
    }

    /// Deletes expired entries from LMDB (and memory); returns how many left the table.
    @discardableResult
    public func removeExpired() throws -> Int {
        guard let ttl = configuration.ttl else { return 0 }
        let oldest = now() - ttl
        memory.withLock { lru in lru.removeAll { entry in entry.createdAt < oldest } }
        guard let table else { return 0 }
        return try table.environment.write { txn in
            var expired: [[UInt8]] = []
            try table.forEach(in: txn) { key, value in
                if value.createdAt < oldest { expired.append(key) }
                return true
            }
            var removed = 0
            for key in expired where try table.delete(key, in: txn) { removed += 1 }
            return removed
        }
    }

    /// Empties both tiers.
    public func removeAll() throws {
        memory.withLock { lru in lru.removeAll { _ in true } }
        if let table { try table.environment.write { try table.removeAll(in: $0) } }
    }
}

/// The LMDB value: creation time then the vector.
struct CachedVector: StorageCodable {
    /// Seconds since 1970 (stored as whole milliseconds).
    var createdAt: Double
    var vector: [Float]

    init(createdAt: Double, vector: [Float]) {
        self.createdAt = createdAt
        self.vector = vector
    }

    func withStorageBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var bytes = [UInt8](repeating: 0, count: 8 + 4 * vector.count)
        let millis = Int64((createdAt * 1000).rounded())
        bytes.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: millis.littleEndian, as: Int64.self)
            for (i, value) in vector.enumerated() {
                raw.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: 8 + 4 * i, as: UInt32.self)
            }
        }
        return try bytes.withUnsafeBytes(body)
    }

    init(storageBytes bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count >= 8, (bytes.count - 8) % 4 == 0 else {
            throw StorageError.decoding(type: "CachedVector", byteCount: bytes.count)
        }
        createdAt = Double(Int64(littleEndian: bytes.loadUnaligned(as: Int64.self))) / 1000
        vector = (0..<((bytes.count - 8) / 4)).map {
            Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 8 + 4 * $0, as: UInt32.self)))
        }
    }
}
