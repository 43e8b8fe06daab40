import Embedding
import Metrics
import Platform
import Synchronization

/// Gauges read at each `/metrics` scrape:
/// - LMDB: `campus_storage_map_size_bytes`, `campus_storage_used_bytes`, `campus_storage_readers`;
/// - collections: `campus_collection_points{collection}`, `campus_collection_indexed_vectors{collection}`,
///   `campus_collection_indexing_backlog{collection}` (acknowledged writes not yet in the engines) and
///   `campus_collection_indexing_backlog_bytes{collection}`, `campus_collection_hnsw_memory_bytes{collection}`,
///   `campus_collection_sparse_postings_bytes{collection}`;
/// - the embedding cache under the cache namespace the search cache uses (`cache="embedding"`):
///   `campus_cache_hits_total`, `campus_cache_misses_total` (counters advanced by what the cache counted since
///   the last scrape), `campus_cache_entries`, `campus_cache_bytes` (its memory tier).
final class StorageGauges: Sendable {
    static let shared = StorageGauges()

    private let mapSize = Gauge(label: "campus_storage_map_size_bytes")
    private let used = Gauge(label: "campus_storage_used_bytes")
    private let readers = Gauge(label: "campus_storage_readers")
    private let embeddingHits = Counter(label: "campus_cache_hits_total", dimensions: [("cache", "embedding")])
    private let embeddingMisses = Counter(label: "campus_cache_misses_total", dimensions: [("cache", "embedding")])
    private let embeddingEntries = Gauge(label: "campus_cache_entries", dimensions: [("cache", "embedding")])
    private let embeddingBytes = Gauge(label: "campus_cache_bytes", dimensions: [("cache", "embedding")])

    private struct CollectionGauges {
        let points, indexed, backlog, backlogBytes, hnswBytes, postingBytes: Gauge

        init(_ name: String) {
            let dimensions = [("collection", name)]
            points = Gauge(label: "campus_collection_points", dimensions: dimensions)
            indexed = Gauge(label: "campus_collection_indexed_vectors", dimensions: dimensions)
            backlog = Gauge(label: "campus_collection_indexing_backlog", dimensions: dimensions)
            backlogBytes = Gauge(label: "campus_collection_indexing_backlog_bytes", dimensions: dimensions)
            hnswBytes = Gauge(label: "campus_collection_hnsw_memory_bytes", dimensions: dimensions)
            postingBytes = Gauge(label: "campus_collection_sparse_postings_bytes", dimensions: dimensions)
        }

        var all: [Gauge] { [points, indexed, backlog, backlogBytes, hnswBytes, postingBytes] }
    }

    private struct Figures {
        var name: String
        var points, indexed, backlog, backlogBytes, hnswBytes, postingBytes: Int
    }

    private struct State {
        var collections: [String: CollectionGauges] = [:]
        /// The embedding cache's counts at the last scrape, by cache identity.
        var lastHits: [ObjectIdentifier: Int] = [:]
        var lastMisses: [ObjectIdentifier: Int] = [:]
    }
    private let state = Mutex(State())

    func update(from dataDirectory: DataDirectory) {
        if let report = try? dataDirectory.storageReport() {
            mapSize.record(report.mapSizeBytes)
            used.record(report.usedBytes)
            readers.record(report.readers)
        }
        let names = dataDirectory.collections.names()
        let figures = names.compactMap { name -> Figures? in
            guard let collection = try? dataDirectory.collections.collection(named: name) else { return nil }
            let backlog = collection.indexingBacklog
            return Figures(name: name, points: collection.pointsCount, indexed: collection.indexedVectorsCount, backlog: backlog.writes,
                           backlogBytes: backlog.bytes, hnswBytes: collection.denseMemoryBytes, postingBytes: collection.sparsePostingBytes)
        }
        let cacheStatistics = dataDirectory.embeddingCache.map { (ObjectIdentifier($0), $0.statistics) }
        state.withLock { state in
            var seen = Set<String>()
            for figure in figures {
                seen.insert(figure.name)
                let gauges = state.collections[figure.name] ?? CollectionGauges(figure.name)
                state.collections[figure.name] = gauges
                gauges.points.record(figure.points)
                gauges.indexed.record(figure.indexed)
                gauges.backlog.record(figure.backlog)
                gauges.backlogBytes.record(figure.backlogBytes)
                gauges.hnswBytes.record(figure.hnswBytes)
                gauges.postingBytes.record(figure.postingBytes)
            }
            for (name, gauges) in state.collections where !seen.contains(name) {
                for gauge in gauges.all { gauge.destroy() }
                state.collections[name] = nil
            }
            if let (id, statistics) = cacheStatistics {
                let hits = statistics.memoryHits + statistics.diskHits
                let hitDelta = hits - state.lastHits[id, default: 0]
                let missDelta = statistics.misses - state.lastMisses[id, default: 0]
                if hitDelta > 0 { embeddingHits.increment(by: hitDelta) }
                if missDelta > 0 { embeddingMisses.increment(by: missDelta) }
                state.lastHits[id] = hits
                state.lastMisses[id] = statistics.misses
                embeddingEntries.record(statistics.memoryEntries)
                embeddingBytes.record(statistics.memoryBytes)
            }
        }
    }
}
