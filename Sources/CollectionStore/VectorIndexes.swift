import Foundation
import Search

/// How a collection drives its engines (one `HNSWIndex` per dense vector name, one `SparseIndex` per
/// sparse vector name), in the collection's terms: internal ids, optional allow-lists, Qdrant errors.
extension HNSWIndex {
    /// HNSW parameters for a vector space of a collection. Qdrant counts `full_scan_threshold` in KB
    /// of vectors; the engine counts points.
    static func configuration(for vector: DenseVectorConfig, collection: CollectionConfig) -> HNSWConfiguration {
        let params = vector.hnsw ?? collection.hnsw
        let pointsPerKB = 1024.0 / Double(max(vector.size, 1) * 4)
        // Clamped: a threshold past the 2³² ids an index can hold means "always scan".
        let threshold = min(Double(params.fullScanThreshold) * pointsPerKB, Double(UInt32.max))
        var configuration = HNSWConfiguration(
            m: params.m, efConstruct: params.efConstruct, ef: params.efConstruct,
            fullScanThreshold: max(1, Int(threshold))
        )
        if let scalar = vector.quantization ?? collection.quantization {
            configuration.quantization = .int8(quantile: scalar.quantile ?? 0.99, oversampling: 2, rescore: true)
        }
        return configuration
    }

    /// Exact when asked, or when the whole collection is below the full-scan threshold (as Qdrant
    /// brute-forces small segments: the scan is cheaper than the walk and its answer is exact).
    func search(_ query: [Float], limit: Int, ef: Int?, exact: Bool, filter: AllowList?) throws -> [SearchHit] {
        let exact = exact || count <= configuration.fullScanThreshold
        return switch (exact, filter) {
        case (true, let filter?): try exactSearch(query, limit: limit, filter: filter)
        case (true, nil): try exactSearch(query, limit: limit)
        case (false, let filter?): try search(query, limit: limit, ef: ef, filter: filter)
        case (false, nil): try search(query, limit: limit, ef: ef)
        }
    }
}

extension SparseIndex {
    func upsert(id: UInt32, indices: [UInt32], values: [Float]) throws {
        do {
            upsert(id: id, vector: try SparseVector(indices: indices, values: values))
        } catch {
            throw CollectionError.validation("\(error)")
        }
    }

    func removeVector(id: UInt32) { _ = remove(id: id) }

    func search(indices: [UInt32], values: [Float], limit: Int, filter: AllowList?) throws -> [SearchHit] {
        let query: SparseVector
        do { query = try SparseVector(indices: indices, values: values) } catch { throw CollectionError.validation("\(error)") }
        if let filter { return search(query, limit: limit, filter: filter) }
        return search(query, limit: limit)
    }
}
