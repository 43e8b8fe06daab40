import JSON
import CollectionStore
import Foundation
import Hummingbird
import Logging

/// Qdrant's REST API (the subset qdrant-client 1.20 uses) over the collection registry.
///
/// Every answer but `GET /` is wrapped in `{"result", "status", "time"}`; errors in
/// `{"status": {"error"}, "time"}` with Qdrant's status codes. Handlers parse the body with the
/// project's JSON reader (exact integers, bounded depth) and never let an error escape as a 500
/// unless storage itself failed.
struct QdrantRoutes: Sendable {
    let registry: CollectionRegistry
    let maxBodyBytes: Int
    let inference: InferenceResolver
    static let version = "1.20.0"

    func register(on router: Router<AppRequestContext>) {
        router.get("/") { _, _ in
            Self.json(.object([("title", .string("qdrant - vector search engine")), ("version", .string(Self.version)), ("commit", .string("campus-search"))]))
        }
        router.get("collections") { _, _ in
            await respond {
                .object([("collections", .array(registry.names().map { .object([("name", .string($0))]) }))])
            }
        }
        router.put("collections/:collection") { request, context in
            await respond {
                let name = try collectionName(context)
                let body = try await readBody(request, context)
                try registry.create(name: name, config: try QdrantWire.createCollection(body))
                return .bool(true)
            }
        }
        router.get("collections/:collection") { _, context in
            await respond { try collectionInfo(try collection(context)) }
        }
        router.delete("collections/:collection") { _, context in
            await respond { .bool(try registry.delete(name: try collectionName(context))) }
        }
        router.get("collections/:collection/exists") { _, context in
            await respond { .object([("exists", .bool(registry.exists(try collectionName(context))))]) }
        }

        router.put("collections/:collection/index") { request, context in
            await respond {
                let target = try collection(context)
                let body = try await readBody(request, context)
                guard let field = try QdrantWire.string(body["field_name"], "field_name") else { throw QdrantError.format("missing field `field_name`") }
                let schema = try QdrantWire.payloadFieldSchema(body["field_schema"])
                return updateResult(try target.createPayloadIndex(field: field, schema: schema), request)
            }
        }
        router.delete("collections/:collection/index/:field") { request, context in
            await respond {
                let target = try collection(context)
                let raw = context.parameters.get("field") ?? ""
                return updateResult(try target.dropPayloadIndex(field: raw.removingPercentEncoding ?? raw), request)
            }
        }

        // Points
        router.put("collections/:collection/points") { request, context in
            await respond {
                let target = try collection(context)
                var body = try await readBody(request, context)
                try await inference.resolveUpsert(&body)
                let points = try QdrantWire.upsert(body)
                return updateResult(try target.upsert(points, wait: waits(request)), request)
            }
        }
        router.post("collections/:collection/points") { request, context in
            await respond {
                let target = try collection(context)
                let body = try await readBody(request, context)
                let records = try target.retrieve(
                    ids: try QdrantWire.pointIDs(body["ids"], "ids"),
                    withPayload: try QdrantWire.withPayload(body["with_payload"], default: .all),
                    withVector: try QdrantWire.withVector(body["with_vector"], default: .none)
                )
                return .array(records.map { record($0, in: target, scored: false) })
            }
        }
        router.get("collections/:collection/points/:id") { _, context in
            await respond {
                let target = try collection(context)
                let raw = context.parameters.get("id")?.removingPercentEncoding ?? ""
                guard let id = PointID(raw) else { throw QdrantError.format("id: `\(raw)` is not an unsigned integer or a UUID") }
                guard let found = try target.retrieve(ids: [id], withPayload: .all, withVector: .all).first else {
                    throw QdrantError.notFound("No point with id \(id) found")
                }
                return record(found, in: target, scored: false)
            }
        }
        router.post("collections/:collection/points/delete") { request, context in
            await respond {
                let target = try collection(context)
                let body = try await readBody(request, context)
                let ids = try selectedIDs(body, in: target, idsKey: "points")
                return updateResult(try target.delete(ids: ids, wait: waits(request)), request)
            }
        }
        router.post("collections/:collection/points/payload") { request, context in
            await respond {
                let target = try collection(context)
                let body = try await readBody(request, context)
                let payload = try QdrantWire.payload(body["payload"], "payload")
                let key = try QdrantWire.string(body["key"], "key")
                let ids = try selectedIDs(body, in: target, idsKey: "points")
                return updateResult(try target.updatePayload(.set(payload, key: key), ids: ids), request)
            }
        }
        router.put("collections/:collection/points/payload") { request, context in
            await respond {
                let target = try collection(context)
                let body = try await readBody(request, context)
                let payload = try QdrantWire.payload(body["payload"], "payload")
                let ids = try selectedIDs(body, in: target, idsKey: "points")
                return updateResult(try target.updatePayload(.overwrite(payload), ids: ids), request)
            }
        }
        router.post("collections/:collection/points/payload/delete") { request, context in
            await respond {
                let target = try collection(context)
                let body = try await readBody(request, context)
                guard case .array(let rawKeys)? = body["keys"] else { throw QdrantError.format("keys: expected a list of payload keys") }
                let keys = try rawKeys.map { try QdrantWire.string($0, "keys") ?? "" }
                let ids = try selectedIDs(body, in: target, idsKey: "points")
                return updateResult(try target.updatePayload(.delete(keys), ids: ids), request)
            }
        }
        router.post("collections/:collection/points/payload/clear") { request, context in
            await respond {
                let target = try collection(context)
                let body = try await readBody(request, context)
                let ids = try selectedIDs(body, in: target, idsKey: "points")
                return updateResult(try target.updatePayload(.clear, ids: ids), request)
            }
        }
        router.post("collections/:collection/points/scroll") { request, context in
            await respond {
                let target = try collection(context)
                let body = try await readBody(request, context)
                let offset = try body["offset"].flatMap { $0 == .null ? nil : try QdrantWire.pointID($0, "offset") }
                let page = try target.scroll(
                    offset: offset,
                    limit: try QdrantWire.limit(body["limit"], "limit", default: 10),
                    filter: try QdrantWire.filter(body["filter"]),
                    withPayload: try QdrantWire.withPayload(body["with_payload"], default: .all),
                    withVector: try QdrantWire.withVector(body["with_vector"], default: .none)
                )
                return .object([
                    ("points", .array(page.points.map { record($0, in: target, scored: false) })),
                    ("next_page_offset", page.next.map(QdrantWire.wire) ?? .null),
                ])
            }
        }
        router.post("collections/:collection/points/count") { request, context in
            await respond {
                let target = try collection(context)
                let body = try await readBody(request, context, allowEmpty: true)
                return .object([("count", .int(try target.count(filter: try QdrantWire.filter(body["filter"]))))])
            }
        }
        router.post("collections/:collection/points/query") { request, context in
            await respond {
                let target = try collection(context)
                var body = try await readBody(request, context)
                try await inference.resolveQuery(&body)
                let query = try QdrantWire.queryRequest(body)
                let points = try target.query(query)
                return .object([("points", .array(points.map { record($0, in: target, scored: true) }))])
            }
        }
        router.post("collections/:collection/points/query/batch") { request, context in
            await respond {
                let target = try collection(context)
                let body = try await readBody(request, context)
                guard case .array(let searches)? = body["searches"] else { throw QdrantError.format("searches: expected a list of queries") }
                var requests: [QueryRequest] = []
                for (n, search) in searches.enumerated() {
                    var item = try QdrantWire.object(search, "searches[\(n)]")
                    try await inference.resolveQuery(&item)
                    requests.append(try QdrantWire.queryRequest(item))
                }
                return .array(try requests.map { query in
                    .object([("points", .array(try target.query(query).map { record($0, in: target, scored: true) }))])
                })
            }
        }
        router.post("collections/:collection/points/search") { request, context in
            await respond {
                let target = try collection(context)
                var body = try await readBody(request, context)
                try await inference.resolveSearch(&body)
                let query = try QdrantWire.searchRequest(body)
                return .array(try target.query(query).map { record($0, in: target, scored: true) })
            }
        }
        router.post("collections/:collection/points/search/batch") { request, context in
            await respond {
                let target = try collection(context)
                let body = try await readBody(request, context)
                guard case .array(let searches)? = body["searches"] else { throw QdrantError.format("searches: expected a list of searches") }
                let requests = try searches.enumerated().map { try QdrantWire.searchRequest(try QdrantWire.object($0.element, "searches[\($0.offset)]")) }
                return .array(try requests.map { query in .array(try target.query(query).map { record($0, in: target, scored: true) }) })
            }
        }
    }

    // MARK: Plumbing

    private func collectionName(_ context: AppRequestContext) throws -> String {
        let raw = context.parameters.get("collection") ?? ""
        return raw.removingPercentEncoding ?? raw
    }

    private func collection(_ context: AppRequestContext) throws -> VectorCollection {
        try registry.collection(named: try collectionName(context))
    }

    /// Reads and parses a JSON object body: 413 past the size limit, 400 when it is not a JSON object.
    private func readBody(_ request: Request, _ context: AppRequestContext, allowEmpty: Bool = false) async throws -> [String: JSONValue] {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBodyBytes)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw QdrantError(status: 413, message: "Payload too large: the request body exceeds \(maxBodyBytes) bytes")
        }
        if buffer.readableBytes == 0 {
            if allowEmpty { return [:] }
            throw QdrantError.format("EOF while parsing a value at line 1 column 0")
        }
        let value: JSONValue
        do {
            value = try buffer.withUnsafeReadableBytes { try JSONText.parse($0) }
        } catch let error as JSONText.SyntaxError {
            throw QdrantError.format(error.description)
        }
        guard case .object(let fields) = value else { throw QdrantError.format("expected a JSON object") }
        return fields
    }

    /// `points` (ids) or `filter` selecting the points of a write.
    private func selectedIDs(_ body: [String: JSONValue], in target: VectorCollection, idsKey: String) throws -> [PointID] {
        if let ids = body[idsKey], ids != .null { return try QdrantWire.pointIDs(ids, idsKey) }
        if let filter = try QdrantWire.filter(body["filter"]) { return try target.ids(matching: filter) }
        throw QdrantError.format("expected `\(idsKey)` or `filter`")
    }

    /// Qdrant's `?wait=`: absent or false acknowledges after the commit; true also waits for indexing.
    private func waits(_ request: Request) -> Bool {
        request.uri.queryParameters.get("wait").map { $0 == "true" || $0 == "1" } ?? false
    }

    private func updateResult(_ operation: UInt64, _ request: Request) -> WireValue {
        .object([("operation_id", .uint(operation)), ("status", .string(waits(request) ? "completed" : "acknowledged"))])
    }

    private func record(_ point: PointRecord, in collection: VectorCollection, scored: Bool) -> WireValue {
        var fields: [(String, WireValue)] = [("id", QdrantWire.wire(point.id))]
        if scored {
            fields.append(("version", .uint(point.version)))
            fields.append(("score", .float(point.score ?? 0)))
        }
        if let payload = point.payload { fields.append(("payload", .json(.object(payload)))) }
        if let vectors = point.vectors { fields.append(("vector", QdrantWire.wire(vectors, unnamed: collection.config.unnamedVector))) }
        return .object(fields)
    }

    private func collectionInfo(_ collection: VectorCollection) throws -> WireValue {
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
            var fields: [(String, WireValue)] = [("size", .int(v.size)), ("distance", .string(["cosine": "Cosine", "dot": "Dot", "euclid": "Euclid"][v.distance.rawValue]!))]
            if let h = v.hnsw { fields.append(("hnsw_config", .object([("m", .int(h.m)), ("ef_construct", .int(h.efConstruct))]))) }
            if v.quantization != nil { fields.append(("quantization_config", quantizationWire(v.quantization))) }
            if let onDisk = v.onDisk { fields.append(("on_disk", .bool(onDisk))) }
            return .object(fields)
        }
        let vectors: WireValue = config.unnamedVector && config.vectors.count == 1
            ? vectorWire(config.vectors[""]!)
            : .object(config.vectors.keys.sorted().map { ($0, vectorWire(config.vectors[$0]!)) })
        var params: [(String, WireValue)] = [
            ("vectors", vectors), ("shard_number", .int(config.shardNumber)), ("replication_factor", .int(config.replicationFactor)),
            ("write_consistency_factor", .int(config.writeConsistencyFactor)), ("on_disk_payload", .bool(config.onDiskPayload)),
        ]
        if !config.sparseVectors.isEmpty {
            params.append(("sparse_vectors", .object(config.sparseVectors.keys.sorted().map { name in
                (name, .object([("modifier", .string(config.sparseVectors[name]!.modifier.rawValue))]))
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
                ("optimizer_config", .object([
                    ("deleted_threshold", .double(0.2)), ("vacuum_min_vector_number", .int(1000)), ("default_segment_number", .int(0)),
                    ("flush_interval_sec", .int(5)), ("indexing_threshold", .int(10000)),
                ])),
                ("wal_config", .object([("wal_capacity_mb", .int(32)), ("wal_segments_ahead", .int(0))])),
                ("quantization_config", quantizationWire(config.quantization)),
            ])),
            ("payload_schema", payloadSchemaWire(collection)),
        ])
    }

    /// Runs a handler and wraps its result (or error) in Qdrant's envelope with the elapsed time.
    private func respond(_ body: () async throws -> WireValue) async -> Response {
        let start = ContinuousClock.now
        func seconds() -> Double {
            let elapsed = ContinuousClock.now - start
            return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        }
        do {
            let result = try await body()
            return Self.json(.object([("result", result), ("status", .string("ok")), ("time", .double(seconds()))]))
        } catch {
            let qdrant: QdrantError
            switch error {
            case let e as QdrantError: qdrant = e
            case let e as CollectionError: qdrant = QdrantError(e)
            default: qdrant = QdrantError(status: 500, message: "Service internal error: \(error)")
            }
            return Self.json(
                .object([("status", .object([("error", .string(qdrant.message))])), ("time", .double(seconds()))]),
                status: HTTPResponse.Status(code: qdrant.status)
            )
        }
    }

    static func json(_ value: WireValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: value.bytes)))
    }
}
