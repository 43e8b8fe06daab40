import Foundation
import Search
import Storage

/// The dense engine a collection drives, one per dense vector name. Ids are internal.
protocol DenseVectorIndex: AnyObject, Sendable {
    var count: Int { get }
    func insert(id: UInt32, vector: [Float]) throws
    /// Inserts many vectors, on `threads` threads where the engine can.
    func insert(batch: [(id: UInt32, vector: [Float])], threads: Int) throws
    func remove(id: UInt32)
    func search(_ query: [Float], limit: Int, ef: Int?, exact: Bool, filter: AllowList?) throws -> [SearchHit]
}

/// The sparse engine a collection drives, one per sparse vector name. Ids are internal.
protocol SparseVectorIndex: AnyObject, Sendable {
    var count: Int { get }
    func upsert(id: UInt32, indices: [UInt32], values: [Float]) throws
    func remove(id: UInt32)
    func search(indices: [UInt32], values: [Float], limit: Int, filter: AllowList?) throws -> [SearchHit]
}

extension HNSWIndex: DenseVectorIndex {
    /// HNSW parameters for a vector space of a collection. Qdrant counts `full_scan_threshold` in KB
    /// of vectors; the engine counts points.
    static func configuration(for vector: DenseVectorConfig, collection: CollectionConfig) -> HNSWConfiguration {
        let params = vector.hnsw ?? collection.hnsw
        let pointsPerKB = 1024.0 / Double(max(vector.size, 1) * 4)
        var configuration = HNSWConfiguration(
            m: params.m, efConstruct: params.efConstruct, ef: params.efConstruct,
            fullScanThreshold: max(1, Int(Double(params.fullScanThreshold) * pointsPerKB))
        )
        if let scalar = vector.quantization ?? collection.quantization {
            configuration.quantization = .int8(quantile: scalar.quantile ?? 0.99, oversampling: 2, rescore: true)
        }
        return configuration
    }

    func search(_ query: [Float], limit: Int, ef: Int?, exact: Bool, filter: AllowList?) throws -> [SearchHit] {
        switch (exact, filter) {
        case (true, let filter?): try exactSearch(query, limit: limit, filter: filter)
        case (true, nil): try exactSearch(query, limit: limit)
        case (false, let filter?): try search(query, limit: limit, ef: ef, filter: filter)
        case (false, nil): try search(query, limit: limit, ef: ef)
        }
    }
}

/// Exact sparse search by dot product over shared indices: the scaffold engine until the inverted index is wired in.
final class FlatSparseIndex: SparseVectorIndex, @unchecked Sendable {
    let modifier: SparseModifierKind
    private let lock = ReadWriteLock()
    private var vectors: [UInt32: [UInt32: Float]] = [:]
    private var documentFrequency: [UInt32: Int] = [:]

    init(modifier: SparseModifierKind) { self.modifier = modifier }

    var count: Int { lock.withSharedLock { vectors.count } }

    func upsert(id: UInt32, indices: [UInt32], values: [Float]) throws {
        lock.withExclusiveLock {
            removeLocked(id)
            var map: [UInt32: Float] = [:]
            for (i, v) in zip(indices, values) { map[i] = v }
            vectors[id] = map
            for i in indices { documentFrequency[i, default: 0] += 1 }
        }
    }

    func remove(id: UInt32) { lock.withExclusiveLock { removeLocked(id) } }

    private func removeLocked(_ id: UInt32) {
        guard let old = vectors.removeValue(forKey: id) else { return }
        for i in old.keys { documentFrequency[i, default: 1] -= 1 }
    }

    func search(indices: [UInt32], values: [Float], limit: Int, filter: AllowList?) throws -> [SearchHit] {
        lock.withSharedLock {
            let n = Float(vectors.count)
            var weights: [(UInt32, Float)] = []
            for (i, q) in zip(indices, values) {
                var w = q
                if modifier == .idf {
                    let df = Float(documentFrequency[i] ?? 0)
                    w *= log((n - df + 0.5) / (df + 0.5) + 1)
                }
                weights.append((i, w))
            }
            var hits: [SearchHit] = []
            for (id, vector) in vectors {
                if let filter, !filter.allows(id) { continue }
                var score: Float = 0
                var shares = false
                for (i, w) in weights { if let d = vector[i] { score += w * d; shares = true } }
                if shares { hits.append(SearchHit(id: id, score: score)) }
            }
            return topHits(hits, limit: limit, higherIsBetter: true)
        }
    }
}

/// The best `limit` hits, best first; ties by lower id.
func topHits(_ hits: [SearchHit], limit: Int, higherIsBetter: Bool) -> [SearchHit] {
    let sorted = hits.sorted {
        if $0.score != $1.score { return higherIsBetter ? $0.score > $1.score : $0.score < $1.score }
        return $0.id < $1.id
    }
    return Array(sorted.prefix(limit))
}
