import Accounts
import CollectionStore
import Embedding
import Foundation
import JSON
import Metrics
import Search
import Synchronization

/// `search.chunks`: a course's chunks for a text query (contract §10), dense or hybrid, with the caller's
/// organisation and the course always enforced (the platform left isolation to its callers).
///
/// Hybrid: two prefetches over the same filter, dense (`score_threshold` applies here, as in the platform) and
/// `qdrant/bm25` sparse, each `max(3 × limit, 30)`, fused with RRF; an empty hybrid answer falls back to dense.
///
/// Results are cached in memory (LRU by bytes, expiring after `ttl`, default 30 min) under a key that carries
/// the course's *version*: every commit that changes the course's searchable documents moves the version on
/// (`courseChanged`), so a cached answer is never served after its documents changed, without scanning the
/// cache. Metrics: `campus_cache_hits_total{cache="search"}`, `campus_cache_misses_total{cache="search"}`,
/// `campus_cache_evictions_total{cache="search"}`, gauges `campus_cache_entries{cache="search"}` and
/// `campus_cache_bytes{cache="search"}`.
public final class CourseSearch: Sendable {
    public struct Options: Sendable, Hashable {
        public var limit = 10
        public var scoreThreshold: Float?
        public var hybrid = true
        public var documentIDs: [UUID]?
        public var level: String?
        public var chapter: String?
        public var section: String?
        public var hasCode: Bool?
        public var hasFormulas: Bool?
        public var hasTables: Bool?
        public var hasImages: Bool?
        public var includePayload = false
        public init() {}
    }

    public struct Result: Sendable {
        public var hits: [PointRecord]
        public var searchType: String
        public var embeddingMilliseconds: Double
        public var searchMilliseconds: Double
        public var cached: Bool
        public var filtersApplied: [String: JSONValue]
        /// Kept with the cached answer: the wire layer's encoding of `hits`, made once.
        public var rendering: AnswerRendering
    }

    /// The wire layer's encoding of one answer's hits, made once and kept beside the cached answer, so a cache
    /// hit is served without encoding its hits again (a page of 10 hits is ~19 KB of JSON: encoding it was most
    /// of a hit's work). Opaque to the search: it is made with the answer and dropped with its cache entry, so it
    /// can never show hits the answer does not hold.
    public final class AnswerRendering: Sendable {
        private let stored = Mutex<[UInt8]?>(nil)

        public init() {}

        /// The bytes `make` returns, made the first time only (two first callers at once may both make them; both
        /// get the same bytes, since they encode the same hits, and one copy is kept).
        public func bytes(orMake make: () -> [UInt8]) -> [UInt8] {
            if let done = stored.withLock({ $0 }) { return done }
            let made = make()
            return stored.withLock { stored in
                if let stored { return stored }
                stored = made
                return made
            }
        }
    }

    let accounts: AccountsStore
    let vectors: any CourseVectorStore
    let embedder: (any Embedder)?
    let unavailableReason: String?
    let encoder = QdrantBM25Encoder()
    private let cache: Mutex<TTLCache<CacheKey, CachedAnswer>>
    private let versions = Mutex<[UUID: UInt64]>([:])
    private let hits = Counter(label: "campus_cache_hits_total", dimensions: [("cache", "search")])
    private let misses = Counter(label: "campus_cache_misses_total", dimensions: [("cache", "search")])
    private let evictionsCounter = Counter(label: "campus_cache_evictions_total", dimensions: [("cache", "search")])
    private let entries = Gauge(label: "campus_cache_entries", dimensions: [("cache", "search")])
    private let cacheBytes = Gauge(label: "campus_cache_bytes", dimensions: [("cache", "search")])
    private let counts = CacheCounts()

    /// The result cache's figures since start, read directly (the dashboard) rather than from `/metrics`.
    public struct CacheStatistics: Sendable, Equatable {
        public var hits: Int
        public var misses: Int
        public var evictions: Int
        public var entries: Int
        public var bytes: Int
    }

    public var cacheStatistics: CacheStatistics {
        let (entries, bytes) = cache.withLock { ($0.count, $0.bytes) }
        return CacheStatistics(hits: counts.hits.load(ordering: .relaxed), misses: counts.misses.load(ordering: .relaxed),
                               evictions: counts.evictions.load(ordering: .relaxed), entries: entries, bytes: bytes)
    }

    final class CacheCounts: Sendable {
        let hits = Atomic<Int>(0)
        let misses = Atomic<Int>(0)
        let evictions = Atomic<Int>(0)
    }

    struct CacheKey: Hashable, Sendable {
        var courseID: UUID
        var version: UInt64
        var query: String
        var options: Options
    }

    struct CachedAnswer: Sendable {
        var hits: [PointRecord]
        var searchType: String
        var embeddingMilliseconds: Double
        var searchMilliseconds: Double
        var rendering: AnswerRendering
    }

    /// - `cacheBytes` (Int, default 64 MiB): the result cache's budget.
    /// - `ttl` (seconds, default 1800).
    public init(accounts: AccountsStore, vectors: any CourseVectorStore, embedder: (any Embedder)?, unavailableReason: String?,
                cacheBytes: Int = 64 << 20, ttl: Double = 1800) {
        self.accounts = accounts
        self.vectors = vectors
        self.embedder = embedder
        self.unavailableReason = unavailableReason
        cache = Mutex(TTLCache(capacityBytes: cacheBytes, ttl: ttl))
    }

    /// Moves the course's version on: every cached answer for it is stale from now on.
    public func courseChanged(_ courseID: UUID) {
        versions.withLock { $0[courseID, default: 0] &+= 1 }
    }

    public func search(courseID: UUID, query: String, options: Options, by caller: Principal) async throws -> Result {
        let course = try accounts.course(id: courseID, in: caller.scope)
        let normalized = query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !normalized.isEmpty else { throw WorkflowError.badRequest("Search query must not be empty") }
        guard (1...100).contains(options.limit) else { throw WorkflowError.badRequest("limit must be between 1 and 100") }
        let key = CacheKey(courseID: course.id, version: versions.withLock { $0[course.id] ?? 0 }, query: normalized.lowercased(), options: options)
        let filter = Self.filter(course: course, options: options)
        let filtersApplied = Self.describe(course: course, options: options)
        let now = Date().timeIntervalSince1970
        if let answer = cache.withLock({ $0.get(key, now: now) }) {
            hits.increment()
            counts.hits.add(1, ordering: .relaxed)
            return Result(hits: answer.hits, searchType: answer.searchType, embeddingMilliseconds: 0, searchMilliseconds: answer.searchMilliseconds,
                          cached: true, filtersApplied: filtersApplied, rendering: answer.rendering)
        }
        misses.increment()
        counts.misses.add(1, ordering: .relaxed)
        guard let embedder else {
            // The reason (a path on the server) stays in the start-up log; the client learns what is missing.
            throw WorkflowError.unavailable("Search failed: the embedding model is not available on this server")
        }
        let embedStart = ContinuousClock.now
        guard let vector = try await embedder.embed([normalized]).first else { throw WorkflowError.internalFailure("Search failed: no query embedding") }
        let embeddingMs = Self.milliseconds(since: embedStart)
        let searchStart = ContinuousClock.now
        let sparse = encoder.query(normalized)
        let vectors = vectors
        let (found, type) = try await CPUWork.run { () throws -> ([PointRecord], String) in
            if options.hybrid, !sparse.indices.isEmpty {
                let fused = try vectors.query(Self.hybridRequest(vector: vector, sparse: sparse, filter: filter, options: options))
                if !fused.isEmpty { return (fused, "hybrid") }
            }
            return (try vectors.query(Self.denseRequest(vector: vector, filter: filter, options: options)), "dense")
        }
        let searchMs = Self.milliseconds(since: searchStart)
        let answer = CachedAnswer(hits: found, searchType: type, embeddingMilliseconds: embeddingMs, searchMilliseconds: searchMs,
                                  rendering: AnswerRendering())
        // The records and, about as large, their rendering.
        let cost = found.reduce(256) { $0 + 128 + 2 * Self.approximateBytes($1.payload) }
        let (count, bytes, evictions) = cache.withLock { cache -> (Int, Int, Int) in
            let before = cache.evictions
            cache.set(key, answer, cost: cost, now: now)
            return (cache.count, cache.bytes, cache.evictions - before)
        }
        if evictions > 0 {
            evictionsCounter.increment(by: evictions)
            counts.evictions.add(evictions, ordering: .relaxed)
        }
        entries.record(count)
        cacheBytes.record(bytes)
        return Result(hits: found, searchType: type, embeddingMilliseconds: embeddingMs, searchMilliseconds: searchMs, cached: false,
                      filtersApplied: filtersApplied, rendering: answer.rendering)
    }

    // MARK: Requests

    static func filter(course: Course, options: Options) -> Filter {
        var must: [Condition] = [
            CollectionCourseVectors.match("course_id", course.id.lowercasedString),
            CollectionCourseVectors.match("organization_id", course.organizationID.lowercasedString),
        ]
        if let documents = options.documentIDs, !documents.isEmpty {
            must.append(.field(FieldCondition(key: PayloadPath(firstKey: "document_id"), match: .any(.keywords(documents.map(\.lowercasedString))))))
        }
        if let level = options.level { must.append(CollectionCourseVectors.match("level", level)) }
        if let chapter = options.chapter { must.append(CollectionCourseVectors.match("chapter", chapter)) }
        if let section = options.section { must.append(CollectionCourseVectors.match("section", section)) }
        for (key, flag) in [("has_code", options.hasCode), ("has_formulas", options.hasFormulas), ("has_tables", options.hasTables), ("has_images", options.hasImages)] {
            if let flag { must.append(.field(FieldCondition(key: PayloadPath(firstKey: key), match: .value(.bool(flag))))) }
        }
        return Filter(must: must)
    }

    static func describe(course: Course, options: Options) -> [String: JSONValue] {
        var applied: [String: JSONValue] = ["course_id": .string(course.id.lowercasedString), "organization_id": .string(course.organizationID.lowercasedString)]
        if let documents = options.documentIDs, !documents.isEmpty { applied["document_ids"] = .array(documents.map { .string($0.lowercasedString) }) }
        if let level = options.level { applied["level"] = .string(level) }
        if let chapter = options.chapter { applied["chapter"] = .string(chapter) }
        if let section = options.section { applied["section"] = .string(section) }
        for (key, flag) in [("has_code", options.hasCode), ("has_formulas", options.hasFormulas), ("has_tables", options.hasTables), ("has_images", options.hasImages)] {
            if let flag { applied[key] = .bool(flag) }
        }
        return applied
    }

    static func denseRequest(vector: [Float], filter: Filter, options: Options) -> QueryRequest {
        var request = QueryRequest()
        request.query = .nearest(.dense(vector))
        request.using = CollectionCourseVectors.denseName
        request.filter = filter
        request.limit = options.limit
        request.scoreThreshold = options.scoreThreshold
        request.withPayload = .all
        return request
    }

    static func hybridRequest(vector: [Float], sparse: SparseVector, filter: Filter, options: Options) -> QueryRequest {
        let candidates = max(3 * options.limit, 30)
        var dense = QueryRequest()
        dense.query = .nearest(.dense(vector))
        dense.using = CollectionCourseVectors.denseName
        dense.limit = candidates
        dense.scoreThreshold = options.scoreThreshold
        var keywords = QueryRequest()
        keywords.query = .nearest(.sparse(indices: sparse.indices, values: sparse.values))
        keywords.using = CollectionCourseVectors.sparseName
        keywords.limit = candidates
        var request = QueryRequest()
        request.prefetch = [dense, keywords]
        request.query = .fusion(.rrf())
        request.filter = filter
        request.limit = options.limit
        request.withPayload = .all
        return request
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    }

    static func approximateBytes(_ payload: [String: JSONValue]?) -> Int {
        guard let payload else { return 0 }
        return payload.reduce(0) { total, field in
            total + field.key.utf8.count + (field.value.stringValue?.utf8.count ?? 16)
        }
    }
}
