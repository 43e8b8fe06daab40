import Embedding
import Metrics
import Platform
import Synchronization

/// Gauges read at each `/metrics` scrape:
/// - LMDB: `campus_storage_map_size_bytes`, `campus_storage_used_bytes`, `campus_storage_readers`;
/// - collections: `campus_collection_points{collection}`, `campus_collection_indexed_vectors{collection}`;
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

    private struct State {
        var collections: [String: (points: Gauge, indexed: Gauge)] = [:]
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
        let figures = names.compactMap { name -> (String, Int, Int)? in
            guard let collection = try? dataDirectory.collections.collection(named: name) else { return nil }
            return (name, collection.pointsCount, collection.indexedVectorsCount)
        }
        let cacheStatistics = dataDirectory.embeddingCache.map { (ObjectIdentifier($0), $0.statistics) }
        state.withLock { state in
            var seen = Set<String>()
            for (name, points, indexed) in figures {
                seen.insert(name)
                let gauges = state.collections[name] ?? (
                    Gauge(label: "campus_collection_points", dimensions: [("collection", name)]),
                    Gauge(label: "campus_collection_indexed_vectors", dimensions: [("collection", name)])
                )
                state.collections[name] = gauges
                gauges.points.record(points)
                gauges.indexed.record(indexed)
            }
            for (name, gauges) in state.collections where !seen.contains(name) {
                gauges.points.destroy()
                gauges.indexed.destroy()
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
