import Logging
import Tracing

/// Any `Embedder` behind an `EmbeddingCache`.
///
/// Each text's key is `EmbeddingCacheKey(model: modelName, task: task, text: text)`. Hits come from
/// the cache; the misses (each distinct text once) go to the wrapped embedder in one call, and only
/// when that call succeeds with one vector of the right dimension per text are they stored. A failed
/// call stores nothing and throws; a failed store (disk full) is logged and the vectors are returned.
///
/// Spans (swift-distributed-tracing): `embedding_cache_lookup`, `embedding` (the wrapped embedder's call for
/// the misses) and `embedding_cache_store`.
public final class CachedEmbedder: Embedder {
    public let inner: any Embedder
    public let cache: EmbeddingCache
    /// The task part of the key (e.g. Jina's `retrieval.query`); empty when the model has no tasks.
    public let task: String
    public var modelName: String { inner.modelName }
    public var dimension: Int { inner.dimension }
    private let logger = Logger(label: "campus.embedding.cache")

    /// Wraps `inner`; `task` defaults to the remote embedder's configured task, else "".
    public init(_ inner: any Embedder, cache: EmbeddingCache, task: String? = nil) {
        self.inner = inner
        self.cache = cache
        self.task = task ?? (inner as? RemoteEmbedder)?.configuration.task ?? ""
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        if texts.isEmpty { return [] }
        let keys = texts.map { EmbeddingCacheKey(model: modelName, task: task, text: $0) }
        var vectors = withSpan("embedding_cache_lookup") { _ in cache.lookup(keys) }
        // A vector of another size (the provider's dimensions changed) counts as a miss.
        for i in vectors.indices where vectors[i]?.count != dimension { vectors[i] = nil }

        var missingTexts: [String] = []
        var missingKeys: [EmbeddingCacheKey] = []
        var positions: [EmbeddingCacheKey: [Int]] = [:]
        for (index, vector) in vectors.enumerated() where vector == nil {
            if positions[keys[index]] == nil {
                missingTexts.append(texts[index])
                missingKeys.append(keys[index])
            }
            positions[keys[index], default: []].append(index)
        }
        if missingTexts.isEmpty { return vectors.map { $0! } }

        let computed = try await withSpan("embedding") { _ in try await inner.embed(missingTexts) }
        guard computed.count == missingTexts.count, computed.allSatisfy({ $0.count == dimension }) else {
            throw EmbeddingError.invalidResponse(
                "\(modelName) returned \(computed.count) vectors for \(missingTexts.count) texts or a wrong dimension")
        }
        do {
            try withSpan("embedding_cache_store") { _ in try cache.store(missingKeys, computed) }
        } catch {
            logger.warning("embedding cache store failed", metadata: ["error": "\(error)"])
        }
        for (key, vector) in zip(missingKeys, computed) {
            for index in positions[key]! { vectors[index] = vector }
        }
        return vectors.map { $0! }
    }
}
