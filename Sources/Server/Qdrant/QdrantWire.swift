import JSON
import CollectionStore
import Foundation
import Search

/// Qdrant's JSON (as `JSONValue`) → the engine's request types, with Qdrant's error classes:
/// shapes that do not fit are 400 "Format error", values out of range are 422 "Validation error".
enum QdrantWire {
    // MARK: Scalars

    static func object(_ value: JSONValue?, _ field: String) throws -> [String: JSONValue] {
        guard case .object(let fields)? = value else { throw QdrantError.format("\(field): expected an object") }
        return fields
    }

    static func int(_ value: JSONValue?, _ field: String) throws -> Int? {
        switch value {
        case nil, .null?: return nil
        case .int(let i)?: return Int(i)
        case .uint?: throw QdrantError.validation("\(field): value too large")
        case .double(let d)? where d == d.rounded() && abs(d) < 1e15: return Int(d)
        default: throw QdrantError.format("\(field): expected an integer")
        }
    }

    static func bool(_ value: JSONValue?, _ field: String) throws -> Bool? {
        switch value {
        case nil, .null?: return nil
        case .bool(let b)?: return b
        default: throw QdrantError.format("\(field): expected true or false")
        }
    }

    static func float(_ value: JSONValue, _ field: String) throws -> Float {
        switch value {
        case .int(let i): return Float(i)
        case .uint(let u): return Float(u)
        case .double(let d): return Float(d)
        default: throw QdrantError.format("\(field): expected a number")
        }
    }

    static func string(_ value: JSONValue?, _ field: String) throws -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let s)?: return s
        default: throw QdrantError.format("\(field): expected a string")
        }
    }

    // MARK: Ids

    static func pointID(_ value: JSONValue, _ field: String = "id") throws -> PointID {
        switch value {
        case .int(let i) where i >= 0: return .number(UInt64(i))
        case .uint(let u): return .number(u)
        case .int: throw QdrantError.format("\(field): point ids are unsigned integers or UUIDs, not negative numbers")
        case .string(let s):
            if let uuid = UUID(uuidString: s) { return .uuid(uuid) }
            if s.count == 32, let id = PointID(s), case .uuid = id { return id }
            throw QdrantError.format("\(field): Unable to parse UUID: \(s)")
        default: throw QdrantError.format("\(field): point ids are unsigned integers or UUID strings")
        }
    }

    static func pointIDs(_ value: JSONValue?, _ field: String) throws -> [PointID] {
        guard case .array(let items)? = value else { throw QdrantError.format("\(field): expected a list of point ids") }
        return try items.enumerated().map { try pointID($0.element, "\(field)[\($0.offset)]") }
    }

    static func wire(_ id: PointID) -> WireValue {
        switch id {
        case .number(let n): .uint(n)
        case .uuid: .string(id.description)
        }
    }

    // MARK: Vectors

    static func denseVector(_ items: [JSONValue], _ field: String) throws -> [Float] {
        var vector = [Float]()
        vector.reserveCapacity(items.count)
        for item in items {
            switch item {
            case .double(let d): vector.append(Float(d))
            case .int(let i): vector.append(Float(i))
            case .uint(let u): vector.append(Float(u))
            default: throw QdrantError.format("\(field): vector components must be numbers")
            }
        }
        return vector
    }

    static func sparseVector(_ fields: [String: JSONValue], _ field: String) throws -> VectorValue {
        guard case .array(let rawIndices)? = fields["indices"], case .array(let rawValues)? = fields["values"] else {
            throw QdrantError.format("\(field): a sparse vector needs `indices` and `values` lists")
        }
        var indices: [UInt32] = []
        indices.reserveCapacity(rawIndices.count)
        for item in rawIndices {
            guard case .int(let i) = item else { throw QdrantError.format("\(field).indices: expected unsigned integers") }
            guard i >= 0, i <= Int64(UInt32.max) else { throw QdrantError.validation("\(field).indices: index \(i) out of range 0...\(UInt32.max)") }
            indices.append(UInt32(i))
        }
        let values = try rawValues.map { try float($0, "\(field).values") }
        guard indices.count == values.count else {
            throw QdrantError.validation("\(field): indices and values must be the same length (\(indices.count) ≠ \(values.count))")
        }
        guard values.allSatisfy(\.isFinite) else { throw QdrantError.validation("\(field).values: must be finite numbers") }
        let sorted = indices.sorted()
        for i in sorted.indices.dropFirst() where sorted[i] == sorted[i - 1] {
            throw QdrantError.validation("\(field).indices: duplicate index \(sorted[i])")
        }
        return .sparse(indices: indices, values: values)
    }

    /// A vector wherever one goes: a dense list or a sparse object.
    static func vector(_ value: JSONValue, _ field: String) throws -> VectorValue {
        switch value {
        case .array(let items):
            if case .array? = items.first {
                return .multi(try items.enumerated().map { n, row in
                    guard case .array(let values) = row else { throw QdrantError.format("\(field)[\(n)]: a multivector's rows must be lists of numbers") }
                    return try denseVector(values, "\(field)[\(n)]")
                })
            }
            return .dense(try denseVector(items, field))
        case .object(let fields) where fields["indices"] != nil:
            return try sparseVector(fields, field)
        default:
            throw QdrantError.format("\(field): expected a vector (a list of numbers or {indices, values})")
        }
    }

    /// A point's `vector`: one unnamed dense list, or `{name: vector}`.
    static func pointVectors(_ value: JSONValue?, _ field: String) throws -> [String: VectorValue] {
        switch value {
        case nil, .null?: return [:]
        case .array?: return ["": try vector(value!, field)]
        case .object(let named)?:
            var vectors: [String: VectorValue] = [:]
            for (name, item) in named { vectors[name] = try vector(item, "\(field).\(name)") }
            return vectors
        default: throw QdrantError.format("\(field): expected a vector or an object of named vectors")
        }
    }

    static func wire(_ vectors: [String: VectorValue], unnamed: Bool) -> WireValue {
        func one(_ value: VectorValue) -> WireValue {
            switch value {
            case .dense(let v): .array(v.map { .float($0) })
            case .multi(let rows): .array(rows.map { row in .array(row.map { .float($0) }) })
            case .sparse(let indices, let values):
                .object([("indices", .array(indices.map { .int(Int($0)) })), ("values", .array(values.map { .float($0) }))])
            }
        }
        if unnamed, vectors.count == 1, let only = vectors[""] { return one(only) }
        return .object(vectors.keys.sorted().map { ($0, one(vectors[$0]!)) })
    }

    // MARK: Payload

    static func payload(_ value: JSONValue?, _ field: String) throws -> [String: JSONValue] {
        switch value {
        case nil, .null?: return [:]
        case .object(let fields)?: return fields
        default: throw QdrantError.format("\(field): a payload must be a JSON object")
        }
    }

    static func withPayload(_ value: JSONValue?, default defaultValue: PayloadSelector) throws -> PayloadSelector {
        switch value {
        case nil, .null?: return defaultValue
        case .bool(let b)?: return b ? .all : .none
        case .array(let keys)?: return .include(try keys.map { try string($0, "with_payload") ?? "" })
        case .object(let fields)?:
            if case .array(let keys)? = fields["include"] { return .include(try keys.map { try string($0, "with_payload.include") ?? "" }) }
            if case .array(let keys)? = fields["exclude"] { return .exclude(try keys.map { try string($0, "with_payload.exclude") ?? "" }) }
            throw QdrantError.format("with_payload: expected include or exclude")
        default: throw QdrantError.format("with_payload: expected a bool, a list of keys or {include|exclude}")
        }
    }

    static func withVector(_ value: JSONValue?, default defaultValue: VectorSelector) throws -> VectorSelector {
        switch value {
        case nil, .null?: return defaultValue
        case .bool(let b)?: return b ? .all : .none
        case .array(let names)?: return .names(try names.map { try string($0, "with_vector") ?? "" })
        default: throw QdrantError.format("with_vector: expected a bool or a list of vector names")
        }
    }

    static func filter(_ value: JSONValue?) throws -> Filter? {
        switch value {
        case nil, .null?: return nil
        case .object: return try decodeFilter(value!)
        default: throw QdrantError.format("filter: expected an object")
        }
    }

    // MARK: Upsert

    static func upsert(_ body: [String: JSONValue]) throws -> [PointInput] {
        if case .array(let points)? = body["points"] {
            return try points.enumerated().map { n, item in
                let fields = try object(item, "points[\(n)]")
                guard let id = fields["id"] else { throw QdrantError.format("points[\(n)]: missing field `id`") }
                return PointInput(
                    id: try pointID(id, "points[\(n)].id"),
                    vectors: try pointVectors(fields["vector"] ?? fields["vectors"], "points[\(n)].vector"),
                    payload: try payload(fields["payload"], "points[\(n)].payload")
                )
            }
        }
        if case .object(let batch)? = body["batch"] {
            let ids = try pointIDs(batch["ids"], "batch.ids")
            var vectors = Array(repeating: [String: VectorValue](), count: ids.count)
            switch batch["vectors"] {
            case .array(let rows)?:
                guard rows.count == ids.count else { throw QdrantError.badRequest("batch: \(rows.count) vectors for \(ids.count) ids") }
                for (n, row) in rows.enumerated() { vectors[n][""] = try vector(row, "batch.vectors[\(n)]") }
            case .object(let named)?:
                for (name, column) in named {
                    guard case .array(let rows) = column, rows.count == ids.count else {
                        throw QdrantError.badRequest("batch.vectors.\(name): expected one vector per id (\(ids.count))")
                    }
                    for (n, row) in rows.enumerated() { vectors[n][name] = try vector(row, "batch.vectors.\(name)[\(n)]") }
                }
            case nil, .null?: break
            default: throw QdrantError.format("batch.vectors: expected a list or an object of named lists")
            }
            var payloads = Array(repeating: [String: JSONValue](), count: ids.count)
            if case .array(let rows)? = batch["payloads"] {
                guard rows.count == ids.count else { throw QdrantError.badRequest("batch: \(rows.count) payloads for \(ids.count) ids") }
                for (n, row) in rows.enumerated() { payloads[n] = try payload(row, "batch.payloads[\(n)]") }
            }
            return ids.indices.map { PointInput(id: ids[$0], vectors: vectors[$0], payload: payloads[$0]) }
        }
        throw QdrantError.format("expected `points` or `batch`")
    }

    // MARK: Query

    /// Whatever stands where a query goes: a vector, `{nearest: ...}`, a point id, or a fusion.
    static func queryInput(_ value: JSONValue, _ field: String) throws -> QueryInput {
        switch value {
        case .array, .object(_) where value["indices"] != nil:
            return .nearest(try vector(value, field))
        case .int, .uint, .string:
            return .nearestPoint(try pointID(value, field))
        case .object(let fields):
            if let mmr = fields["mmr"], mmr != .null {
                guard fields["nearest"] != nil, fields["nearest"] != .null else { throw QdrantError.format("\(field): mmr needs `nearest`") }
                var plain = fields
                plain["mmr"] = nil
                let options = try object(mmr, "\(field).mmr")
                let diversity = try options["diversity"].flatMap { $0 == .null ? nil : try float($0, "\(field).mmr.diversity") } ?? 0.5
                let candidates = try int(options["candidates_limit"], "\(field).mmr.candidates_limit")
                return .diverse(try queryInput(.object(plain), field), MaximalMarginalRelevance(diversity: diversity, candidates: candidates))
            }
            if let recommend = fields["recommend"] {
                return try self.recommend(try object(recommend, "\(field).recommend"), "\(field).recommend")
            }
            if let discover = fields["discover"] {
                let inner = try object(discover, "\(field).discover")
                guard let target = inner["target"], target != .null else { throw QdrantError.format("\(field).discover: missing field `target`") }
                return .discover(target: try example(target, "\(field).discover.target"),
                                 context: try contextPairs(inner["context"], "\(field).discover.context"))
            }
            if let context = fields["context"] {
                let pairs = try contextPairs(context, "\(field).context")
                guard !pairs.isEmpty else { throw QdrantError.badRequest("\(field).context: at least one pair is required") }
                return .context(pairs)
            }
            if let nearest = fields["nearest"] {
                switch nearest {
                case .int, .uint, .string: return .nearestPoint(try pointID(nearest, "\(field).nearest"))
                default: return .nearest(try vector(nearest, "\(field).nearest"))
                }
            }
            if let fusion = fields["fusion"] {
                switch fusion {
                case .string("rrf"): return .fusion(.rrf())
                case .string("dbsf"): return .fusion(.dbsf)
                default: throw QdrantError.format("\(field).fusion: expected \"rrf\" or \"dbsf\"")
                }
            }
            if let rrf = fields["rrf"] {
                let options = try object(rrf, "\(field).rrf")
                let k = try int(options["k"], "\(field).rrf.k") ?? 2
                var weights: [Float]?
                if case .array(let items)? = options["weights"] { weights = try items.map { try float($0, "\(field).rrf.weights") } }
                return .fusion(.rrf(k: k, weights: weights))
            }
            if let order = fields["order_by"] {
                guard let order = try orderBy(order) else { throw QdrantError.format("\(field).order_by: expected a key or {key, direction, start_from}") }
                return .orderBy(order)
            }
            if let sample = fields["sample"] {
                guard sample == .string("random") else { throw QdrantError.format("\(field).sample: expected \"random\"") }
                return .sample
            }
            if let feedback = fields["relevance_feedback"] {
                return .relevanceFeedback(try relevanceFeedback(try object(feedback, "\(field).relevance_feedback"), "\(field).relevance_feedback"))
            }
            if let formula = fields["formula"] {
                return .formula(try scoreFormula(formula, defaults: fields["defaults"], "\(field).formula"))
            }
            throw QdrantError.badRequest("\(field): unsupported query (supported: nearest, recommend, discover, context, relevance_feedback, order_by, sample, formula, fusion, rrf, a vector or a point id)")
        default:
            throw QdrantError.format("\(field): expected a query")
        }
    }

    static func searchParams(_ value: JSONValue?, into request: inout QueryRequest) throws {
        guard let value, value != .null else { return }
        let params = try object(value, "params")
        if let ef = try int(params["hnsw_ef"], "params.hnsw_ef") {
            guard ef >= 1, ef <= VectorCollection.maxQueryLimit else {
                throw QdrantError.validation("params.hnsw_ef: value \(ef) invalid, must be from 1 to \(VectorCollection.maxQueryLimit)")
            }
            request.hnswEf = ef
        }
        request.exact = try bool(params["exact"], "params.exact") ?? false
    }

    static func limit(_ value: JSONValue?, _ field: String, default defaultValue: Int) throws -> Int {
        let limit = try int(value, field) ?? defaultValue
        guard limit >= 1 else { throw QdrantError.validation("\(field): value \(limit) invalid, must be 1 or larger") }
        guard limit <= VectorCollection.maxQueryLimit else {
            throw QdrantError.validation("\(field): value \(limit) invalid, must be at most \(VectorCollection.maxQueryLimit)")
        }
        return limit
    }

    /// Resolves a collection name (for `lookup_from`): the registry's look-up, 404 when missing.
    typealias CollectionLookup = (String) throws -> VectorCollection

    static func queryRequest(_ body: [String: JSONValue], depth: Int = 0, collections: CollectionLookup? = nil) throws -> QueryRequest {
        guard depth <= 8 else { throw QdrantError.badRequest("prefetch nested deeper than 8 levels") }
        var request = QueryRequest()
        switch body["prefetch"] {
        case .array(let items)?:
            request.prefetch = try items.enumerated().map {
                try queryRequest(try object($0.element, "prefetch[\($0.offset)]"), depth: depth + 1, collections: collections)
            }
        case .object(let single)?:
            request.prefetch = [try queryRequest(single, depth: depth + 1, collections: collections)]
        case nil, .null?: break
        default: throw QdrantError.format("prefetch: expected an object or a list")
        }
        if let query = body["query"], query != .null { request.query = try queryInput(query, "query") }
        request.lookupFrom = try lookupFrom(body["lookup_from"], collections: collections)
        request.using = try string(body["using"], "using")
        request.filter = try filter(body["filter"])
        try searchParams(body["params"], into: &request)
        if let threshold = body["score_threshold"], threshold != .null { request.scoreThreshold = try float(threshold, "score_threshold") }
        request.limit = try limit(body["limit"], "limit", default: 10)
        request.offset = try int(body["offset"], "offset") ?? 0
        guard request.offset >= 0 else { throw QdrantError.validation("offset: must be 0 or larger") }
        request.withPayload = try withPayload(body["with_payload"], default: .none)
        request.withVector = try withVector(body["with_vector"], default: .none)
        return request
    }

    /// Legacy `POST /points/search` → a query request.
    static func searchRequest(_ body: [String: JSONValue]) throws -> QueryRequest {
        var request = QueryRequest()
        switch body["vector"] {
        case .array(let items)?:
            request.query = .nearest(.dense(try denseVector(items, "vector")))
        case .object(let named)?:
            guard let name = try string(named["name"], "vector.name"), let inner = named["vector"] else {
                throw QdrantError.format("vector: expected a list or {name, vector}")
            }
            request.using = name
            request.query = .nearest(try vector(inner, "vector.vector"))
        default:
            throw QdrantError.format("vector: missing or not a vector")
        }
        request.filter = try filter(body["filter"])
        try searchParams(body["params"], into: &request)
        if let threshold = body["score_threshold"], threshold != .null { request.scoreThreshold = try float(threshold, "score_threshold") }
        request.limit = try limit(body["limit"] ?? body["top"], "limit", default: 10)
        request.offset = try int(body["offset"], "offset") ?? 0
        request.withPayload = try withPayload(body["with_payload"], default: .none)
        request.withVector = try withVector(body["with_vector"], default: .none)
        return request
    }

    // MARK: Collections

    static func distanceName(_ metric: DistanceMetric) -> String {
        switch metric {
        case .cosine: "Cosine"
        case .dot: "Dot"
        case .euclid: "Euclid"
        }
    }

    static func distance(_ value: JSONValue?, _ field: String) throws -> DistanceMetric {
        switch value {
        case .string("Cosine")?: return .cosine
        case .string("Dot")?: return .dot
        case .string("Euclid")?: return .euclid
        case .string("Manhattan")?: throw QdrantError.badRequest("\(field): Manhattan distance is not supported by this server (Cosine, Euclid and Dot are)")
        case .string(let other)?: throw QdrantError.format("\(field): unknown distance `\(other)`, expected one of `Cosine`, `Euclid`, `Dot`")
        default: throw QdrantError.format("\(field): missing field `distance`")
        }
    }

    static func hnsw(_ value: JSONValue?, base: HNSWParameters, _ field: String) throws -> HNSWParameters {
        guard let value, value != .null else { return base }
        let fields = try object(value, field)
        var params = base
        if let m = try int(fields["m"], "\(field).m") { params.m = m }
        if let ef = try int(fields["ef_construct"], "\(field).ef_construct") { params.efConstruct = ef }
        if let threshold = try int(fields["full_scan_threshold"], "\(field).full_scan_threshold") { params.fullScanThreshold = threshold }
        return params
    }

    static func quantization(_ value: JSONValue?, _ field: String) throws -> ScalarQuantization? {
        guard let value, value != .null else { return nil }
        let fields = try object(value, field)
        guard let scalar = fields["scalar"] else {
            let kind = fields["binary"] != nil ? "binary" : fields["product"] != nil ? "product" : nil
            throw QdrantError.badRequest("\(field): \(kind.map { "\($0) quantization is not supported by this server; " } ?? "")only scalar int8 quantization is supported")
        }
        let options = try object(scalar, "\(field).scalar")
        guard options["type"] == .string("int8") else { throw QdrantError.format("\(field).scalar.type: expected \"int8\"") }
        return ScalarQuantization(
            quantile: try options["quantile"].map { try float($0, "\(field).scalar.quantile") },
            alwaysRam: try bool(options["always_ram"], "\(field).scalar.always_ram")
        )
    }

    static func denseConfig(_ fields: [String: JSONValue], base: HNSWParameters, _ field: String) throws -> DenseVectorConfig {
        guard let size = try int(fields["size"], "\(field).size") else { throw QdrantError.format("\(field): missing field `size`") }
        var multivector: MultiVectorConfig?
        if let multi = fields["multivector_config"], multi != .null {
            let options = try object(multi, "\(field).multivector_config")
            guard let name = try string(options["comparator"], "\(field).multivector_config.comparator") else {
                throw QdrantError.format("\(field).multivector_config: missing field `comparator`")
            }
            guard let comparator = MultiVectorComparator(rawValue: name) else {
                throw QdrantError.format("\(field).multivector_config.comparator: unknown variant `\(name)`, expected `max_sim`")
            }
            multivector = MultiVectorConfig(comparator: comparator)
        }
        if let datatype = fields["datatype"], datatype != .null, datatype != .string("float32") {
            throw QdrantError.badRequest("\(field).datatype: only float32 vectors are supported by this server")
        }
        var config = DenseVectorConfig(
            size: size,
            distance: try distance(fields["distance"], "\(field).distance"),
            hnsw: fields["hnsw_config"].flatMap { $0 == .null ? nil : $0 } != nil ? try hnsw(fields["hnsw_config"], base: base, "\(field).hnsw_config") : nil,
            quantization: try quantization(fields["quantization_config"], "\(field).quantization_config"),
            onDisk: try bool(fields["on_disk"], "\(field).on_disk")
        )
        if case .object(let sent)? = fields["hnsw_config"] {
            let known: Set<String> = ["m", "ef_construct", "full_scan_threshold", "max_indexing_threads", "on_disk", "payload_m", "inline_storage"]
            config.hnswSent = sent.filter { known.contains($0.key) && $0.value != .null }
        }
        config.multivector = multivector
        return config
    }

    static func sparseConfig(_ fields: [String: JSONValue], _ field: String) throws -> SparseVectorConfig {
        switch fields["modifier"] {
        case nil, .null?: return SparseVectorConfig(modifier: .none)
        case .string("none")?: return SparseVectorConfig(modifier: .none, modifierGiven: true)
        case .string("idf")?: return SparseVectorConfig(modifier: .idf, modifierGiven: true)
        default: throw QdrantError.format("\(field).modifier: expected \"none\" or \"idf\"")
        }
    }

    /// The body of `PUT /collections/{c}/vectors/{name}`: `{"dense": vector params}` or `{"sparse": sparse params}`.
    static func vectorSpaceChange(name: String, _ body: [String: JSONValue], base: HNSWParameters) throws -> CollectionRegistry.VectorSpaceChange {
        if let dense = body["dense"], dense != .null {
            return .addDense(name: name, try denseConfig(try object(dense, "dense"), base: base, "dense"))
        }
        if let sparse = body["sparse"], sparse != .null {
            return .addSparse(name: name, try sparseConfig(try object(sparse, "sparse"), "sparse"))
        }
        throw QdrantError.format("expected {\"dense\": {size, distance, …}} or {\"sparse\": {modifier}}")
    }

    static func createCollection(_ body: [String: JSONValue]) throws -> CollectionConfig {
        let base = try hnsw(body["hnsw_config"], base: HNSWParameters(), "hnsw_config")
        var vectors: [String: DenseVectorConfig] = [:]
        var unnamed = false
        switch body["vectors"] {
        case .object(let fields)? where fields["size"] != nil || fields["distance"] != nil:
            vectors[""] = try denseConfig(fields, base: base, "vectors")
            unnamed = true
        case .object(let named)?:
            for (name, item) in named { vectors[name] = try denseConfig(try object(item, "vectors.\(name)"), base: base, "vectors.\(name)") }
        case nil, .null?: break
        default: throw QdrantError.format("vectors: expected vector params or an object of named vector params")
        }
        var sparse: [String: SparseVectorConfig] = [:]
        if case .object(let named)? = body["sparse_vectors"] {
            for (name, item) in named {
                sparse[name] = try sparseConfig(try object(item, "sparse_vectors.\(name)"), "sparse_vectors.\(name)")
            }
        }
        var config = CollectionConfig(vectors: vectors, sparseVectors: sparse, hnsw: base, quantization: try quantization(body["quantization_config"], "quantization_config"), unnamedVector: unnamed)
        config.shardNumber = try int(body["shard_number"], "shard_number") ?? 1
        config.replicationFactor = try int(body["replication_factor"], "replication_factor") ?? 1
        config.writeConsistencyFactor = try int(body["write_consistency_factor"], "write_consistency_factor") ?? 1
        config.onDiskPayload = try bool(body["on_disk_payload"], "on_disk_payload") ?? true
        try refuseStrictMode(body["strict_mode_config"])
        config.metadata = try metadata(body["metadata"])
        config.optimizers = try optimizers(body["optimizers_config"])
        if let from = body["init_from"], from != .null { throw QdrantError.badRequest("init_from is not supported by this server") }
        return config
    }
}
