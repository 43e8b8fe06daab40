import CollectionStore
import JSON

/// `GET /collections/{c}`: Qdrant's `CollectionInfo` for one collection.
enum CollectionInfoWire {
    static func info(_ collection: VectorCollection) -> WireValue {
        let config = collection.config
        func hnswWire(_ p: HNSWParameters) -> WireValue {
            .object([("m", .int(p.m)), ("ef_construct", .int(p.efConstruct)), ("full_scan_threshold", .int(p.fullScanThreshold)),
                     ("max_indexing_threads", .int(0)), ("on_disk", .bool(false))])
        }
        func quantizationWire(_ q: ScalarQuantization?) -> WireValue {
            guard let q else { return .null }
            var scalar: [(String, WireValue)] = [("type", .string("int8"))]
            if let quantile = q.quantile { scalar.append(("quantile", .float(quantile))) }
            if let alwaysRam = q.alwaysRam { scalar.append(("always_ram", .bool(alwaysRam))) }
            return .object([("scalar", .object(scalar))])
        }
        func vectorWire(_ v: DenseVectorConfig) -> WireValue {
            var fields: [(String, WireValue)] = [("size", .int(v.size)), ("distance", .string(QdrantWire.distanceName(v.distance)))]
            if let sent = v.hnswSent, !sent.isEmpty {
                fields.append(("hnsw_config", .json(.object(sent))))
            } else if let h = v.hnsw {
                fields.append(("hnsw_config", .object([("m", .int(h.m)), ("ef_construct", .int(h.efConstruct)), ("full_scan_threshold", .int(h.fullScanThreshold))])))
            }
            if v.quantization != nil { fields.append(("quantization_config", quantizationWire(v.quantization))) }
            if let onDisk = v.onDisk { fields.append(("on_disk", .bool(onDisk))) }
            if let multi = v.multivector { fields.append(("multivector_config", .object([("comparator", .string(multi.comparator.rawValue))]))) }
            return .object(fields)
        }
        let vectors: WireValue
        if config.unnamedVector, config.vectors.count == 1, let unnamed = config.vectors[""] {
            vectors = vectorWire(unnamed)
        } else {
            vectors = .object(config.vectors.sorted { $0.key < $1.key }.map { ($0.key, vectorWire($0.value)) })
        }
        var params: [(String, WireValue)] = [
            ("vectors", vectors), ("shard_number", .int(config.shardNumber)), ("replication_factor", .int(config.replicationFactor)),
            ("write_consistency_factor", .int(config.writeConsistencyFactor)), ("on_disk_payload", .bool(config.onDiskPayload)),
        ]
        if !config.sparseVectors.isEmpty {
            params.append(("sparse_vectors", .object(config.sparseVectors.sorted { $0.key < $1.key }.map { name, sparse in
                (name, .object(sparse.modifierGiven == true || sparse.modifier != .none ? [("modifier", .string(sparse.modifier.rawValue))] : []))
            })))
        }
        let count = collection.pointsCount
        return .object([
            ("status", .string("green")),
            ("optimizer_status", .string("ok")),
            ("indexed_vectors_count", .int(collection.indexedVectorsCount)),
            ("points_count", .int(count)),
            ("segments_count", .int(1)),
            ("config", .object([
                ("params", .object(params)),
                ("hnsw_config", hnswWire(config.hnsw)),
                ("optimizer_config", .object(QdrantWire.optimizerDefaults.map { key, value in
                    (key, config.optimizers?[key].map { WireValue.json($0) } ?? value)
                })),
                ("wal_config", .object([("wal_capacity_mb", .int(32)), ("wal_segments_ahead", .int(0))])),
                ("quantization_config", quantizationWire(config.quantization)),
                ("strict_mode_config", .object([("enabled", .bool(false))])),
                ("metadata", config.metadata.map { .json(.object($0)) } ?? .object([])),
            ])),
            ("payload_schema", payloadSchema(collection)),
        ])
    }

    /// `payload_schema` of CollectionInfo: `{field: {data_type, params?, points}}`.
    static func payloadSchema(_ collection: VectorCollection) -> WireValue {
        .object(collection.payloadSchema.sorted { $0.key < $1.key }.map { field, info in
            var entry: [(String, WireValue)] = [("data_type", .string(info.dataType.rawValue))]
            if let params = info.params { entry.append(("params", .json(.object(params)))) }
            entry.append(("points", .int(info.points)))
            return (field, .object(entry))
        })
    }
}
