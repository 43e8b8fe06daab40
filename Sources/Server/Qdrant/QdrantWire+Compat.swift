import CollectionStore
import JSON

/// Wire forms added for Qdrant compatibility: ordered scroll, conditional upserts, update/delete
/// vectors, batch updates, aliases, collection updates, recommend and grouped queries.
extension QdrantWire {
    // MARK: Scroll order_by

    /// `order_by`: a key, or `{key, direction?: "asc"|"desc", start_from?: number | datetime}`.
    static func orderBy(_ value: JSONValue?) throws -> ScrollOrder? {
        switch value {
        case nil, .null?: return nil
        case .string(let key)?: return ScrollOrder(key: key)
        case .object(let fields)?:
            guard let key = try string(fields["key"], "order_by.key") else { throw QdrantError.format("order_by: missing field `key`") }
            var order = ScrollOrder(key: key)
            switch fields["direction"] {
            case nil, .null?, .string("asc")?: break
            case .string("desc")?: order.descending = true
            default: throw QdrantError.format("order_by.direction: expected \"asc\" or \"desc\"")
            }
            switch fields["start_from"] {
            case nil, .null?: break
            case .int(let i)?: order.startFrom = Double(i)
            case .uint(let u)?: order.startFrom = Double(u)
            case .double(let d)?: order.startFrom = d
            case .string(let s)?:
                guard let micros = DateTime.microseconds(s) else {
                    throw QdrantError.format("order_by.start_from: `\(s)` is not a number or an RFC 3339 datetime")
                }
                order.startFrom = Double(micros)
            default: throw QdrantError.format("order_by.start_from: expected a number or a datetime")
            }
            return order
        default: throw QdrantError.format("order_by: expected a key or {key, direction, start_from}")
        }
    }

    static func wire(_ value: OrderValue) -> WireValue {
        switch value {
        case .int(let i): .int(Int(i))
        case .double(let d): .double(d)
        }
    }

    // MARK: Upsert options

    static func updateMode(_ value: JSONValue?) throws -> VectorCollection.UpsertMode {
        switch value {
        case nil, .null?: return .upsert
        case .string(let s)?:
            guard let mode = VectorCollection.UpsertMode(rawValue: s) else {
                throw QdrantError.format("update_mode: unknown variant `\(s)`, expected one of `upsert`, `insert_only`, `update_only`")
            }
            return mode
        default: throw QdrantError.format("update_mode: expected a string")
        }
    }

    /// `{points: [{id, vector}]}` of `PUT /points/vectors`.
    static func vectorUpdates(_ body: [String: JSONValue]) throws -> [PointInput] {
        guard case .array(let points)? = body["points"] else { throw QdrantError.format("points: expected a list of {id, vector}") }
        return try points.enumerated().map { n, item in
            let fields = try object(item, "points[\(n)]")
            guard let id = fields["id"] else { throw QdrantError.format("points[\(n)]: missing field `id`") }
            let vectors = try pointVectors(fields["vector"] ?? fields["vectors"], "points[\(n)].vector")
            guard !vectors.isEmpty else { throw QdrantError.format("points[\(n)]: missing field `vector`") }
            return PointInput(id: try pointID(id, "points[\(n)].id"), vectors: vectors)
        }
    }

    /// The `vector` (or `vectors`) name list of `/points/vectors/delete`.
    static func vectorNames(_ value: JSONValue?) throws -> [String] {
        guard case .array(let names)? = value else { throw QdrantError.format("vector: expected a list of vector names") }
        return try names.map { try string($0, "vector") ?? "" }
    }

    // MARK: Aliases

    static func aliasOperations(_ body: [String: JSONValue]) throws -> [CollectionRegistry.AliasOperation] {
        guard case .array(let actions)? = body["actions"] else { throw QdrantError.format("actions: expected a list of alias operations") }
        return try actions.enumerated().map { n, item in
            let fields = try object(item, "actions[\(n)]")
            if let create = fields["create_alias"] {
                let op = try object(create, "actions[\(n)].create_alias")
                guard let collection = try string(op["collection_name"], "collection_name"), let alias = try string(op["alias_name"], "alias_name") else {
                    throw QdrantError.format("actions[\(n)].create_alias: needs `collection_name` and `alias_name`")
                }
                return .create(alias: alias, collection: collection)
            }
            if let delete = fields["delete_alias"] {
                let op = try object(delete, "actions[\(n)].delete_alias")
                guard let alias = try string(op["alias_name"], "alias_name") else { throw QdrantError.format("actions[\(n)].delete_alias: needs `alias_name`") }
                return .delete(alias: alias)
            }
            if let rename = fields["rename_alias"] {
                let op = try object(rename, "actions[\(n)].rename_alias")
                guard let old = try string(op["old_alias_name"], "old_alias_name"), let new = try string(op["new_alias_name"], "new_alias_name") else {
                    throw QdrantError.format("actions[\(n)].rename_alias: needs `old_alias_name` and `new_alias_name`")
                }
                return .rename(from: old, to: new)
            }
            throw QdrantError.format("actions[\(n)]: expected create_alias, delete_alias or rename_alias")
        }
    }

    // MARK: Collection settings

    /// Qdrant's optimizer defaults, reported under whatever was sent.
    static let optimizerDefaults: [(String, WireValue)] = [
        ("deleted_threshold", .double(0.2)), ("vacuum_min_vector_number", .int(1000)), ("default_segment_number", .int(0)),
        ("max_segment_size", .null), ("memmap_threshold", .null), ("indexing_threshold", .int(10000)),
        ("flush_interval_sec", .int(5)), ("max_optimization_threads", .null),
    ]

    /// Checks `optimizers_config` (known keys, the right types, Qdrant's bounds) and returns it as sent.
    static func optimizers(_ value: JSONValue?, _ field: String = "optimizers_config") throws -> [String: JSONValue]? {
        guard let value, value != .null else { return nil }
        let fields = try object(value, field)
        for (key, item) in fields {
            switch key {
            case "deleted_threshold":
                let d = try float(item, "\(field).deleted_threshold")
                guard d >= 0, d <= 1 else { throw QdrantError.validation("\(field).deleted_threshold: value \(d) invalid, must be from 0 to 1") }
            case "vacuum_min_vector_number":
                guard let n = try int(item, "\(field).\(key)"), n >= 100 else { throw QdrantError.validation("\(field).\(key): must be 100 or larger") }
            case "default_segment_number", "flush_interval_sec":
                guard let n = try int(item, "\(field).\(key)"), n >= 0 else { throw QdrantError.validation("\(field).\(key): must be 0 or larger") }
            case "max_segment_size", "memmap_threshold", "indexing_threshold", "max_optimization_threads":
                if item != .null, (try int(item, "\(field).\(key)") ?? 0) < 0 { throw QdrantError.validation("\(field).\(key): must be 0 or larger") }
            default:
                throw QdrantError.format("\(field): unknown field `\(key)`")
            }
        }
        return fields
    }

    static func metadata(_ value: JSONValue?) throws -> [String: JSONValue]? {
        guard let value, value != .null else { return nil }
        return try object(value, "metadata")
    }

    /// `strict_mode_config` is refused unless it leaves strict mode off: its limits are not enforced here.
    static func refuseStrictMode(_ value: JSONValue?) throws {
        guard let value, value != .null else { return }
        let fields = try object(value, "strict_mode_config")
        let active = fields.contains { key, item in key == "enabled" ? item == .bool(true) : item != .null }
        if active { throw QdrantError.badRequest("strict_mode_config: strict mode is not supported by this server") }
    }

    /// The engine-shaping parts of a PATCH that this server cannot apply to an existing collection.
    static func refuseEngineChanges(_ body: [String: JSONValue]) throws {
        for key in ["vectors", "sparse_vectors", "hnsw_config", "quantization_config"] {
            if let value = body[key], value != .null {
                if case .object(let fields) = value, fields.isEmpty { continue }
                throw QdrantError.badRequest("\(key): changing it on an existing collection is not supported; create a new collection with the new settings")
            }
        }
    }

    /// `PATCH /collections/{c}`: metadata (merged; a null value removes its key), optimizer settings
    /// (merged), and the replication parameters a single node keeps only to report them.
    static func applyPatch(_ body: [String: JSONValue], to config: inout CollectionConfig) throws {
        if let metadata = try metadata(body["metadata"]) {
            var merged = config.metadata ?? [:]
            for (key, value) in metadata { merged[key] = value == .null ? nil : value }
            config.metadata = merged
        }
        if let optimizers = try optimizers(body["optimizers_config"]) {
            config.optimizers = (config.optimizers ?? [:]).merging(optimizers) { $1 }
        }
        if let value = body["params"], value != .null {
            let params = try object(value, "params")
            for key in params.keys where !["replication_factor", "write_consistency_factor", "on_disk_payload", "read_fan_out_factor"].contains(key) {
                throw QdrantError.format("params: unknown field `\(key)`")
            }
            if let n = try int(params["replication_factor"], "params.replication_factor") {
                guard n >= 1 else { throw QdrantError.validation("params.replication_factor: must be 1 or larger") }
                config.replicationFactor = n
            }
            if let n = try int(params["write_consistency_factor"], "params.write_consistency_factor") {
                guard n >= 1 else { throw QdrantError.validation("params.write_consistency_factor: must be 1 or larger") }
                config.writeConsistencyFactor = n
            }
            if let b = try bool(params["on_disk_payload"], "params.on_disk_payload") { config.onDiskPayload = b }
        }
    }

    // MARK: Recommend

    static func recommendExamples(_ value: JSONValue?, _ field: String) throws -> [RecommendExample] {
        switch value {
        case nil, .null?: return []
        case .array(let items)?:
            return try items.enumerated().map { n, item in
                switch item {
                case .int, .uint, .string: return .point(try pointID(item, "\(field)[\(n)]"))
                default: return .vector(try vector(item, "\(field)[\(n)]"))
                }
            }
        default: throw QdrantError.format("\(field): expected a list of point ids or vectors")
        }
    }

    /// One example: a point id or a vector.
    static func example(_ value: JSONValue?, _ field: String) throws -> RecommendExample {
        switch value {
        case nil, .null?: throw QdrantError.format("\(field): expected a point id or a vector")
        case .int?, .uint?, .string?: return .point(try pointID(value!, field))
        case let item?: return .vector(try vector(item, field))
        }
    }

    /// The `recommend` input of the Query API or the legacy route.
    static func recommend(_ fields: [String: JSONValue], _ field: String) throws -> QueryInput {
        let strategy: RecommendStrategy
        switch fields["strategy"] {
        case nil, .null?: strategy = .averageVector
        case .string(let name)?:
            guard let known = RecommendStrategy(rawValue: name) else {
                throw QdrantError.format("\(field).strategy: unknown variant `\(name)`, expected one of `average_vector`, `best_score`, `sum_scores`")
            }
            strategy = known
        default: throw QdrantError.format("\(field).strategy: expected a string")
        }
        let positive = try recommendExamples(fields["positive"], "\(field).positive")
        let negative = try recommendExamples(fields["negative"], "\(field).negative")
        if strategy == .averageVector {
            guard !positive.isEmpty else { throw QdrantError.badRequest("\(field): at least one positive example is required") }
        } else {
            guard !positive.isEmpty || !negative.isEmpty else { throw QdrantError.badRequest("\(field): no positive or negative examples given") }
        }
        return .recommend(positive: positive, negative: negative, strategy: strategy)
    }

    /// Context pairs: a list of `{positive, negative}` objects, or one such object.
    static func contextPairs(_ value: JSONValue?, _ field: String) throws -> [ContextPair] {
        let items: [JSONValue]
        switch value {
        case nil, .null?: return []
        case .array(let list)?: items = list
        case .object?: items = [value!]
        default: throw QdrantError.format("\(field): expected a list of {positive, negative} pairs")
        }
        return try items.enumerated().map { n, item in
            let pair = try object(item, "\(field)[\(n)]")
            return ContextPair(positive: try example(pair["positive"], "\(field)[\(n)].positive"),
                               negative: try example(pair["negative"], "\(field)[\(n)].negative"))
        }
    }

    /// `{target, context}` (discovery) or `{context}` alone (context search), for the legacy route.
    static func discover(_ fields: [String: JSONValue], _ field: String) throws -> QueryInput {
        let context = try contextPairs(fields["context"], "\(field).context")
        if let target = fields["target"], target != .null {
            return .discover(target: try example(target, "\(field).target"), context: context)
        }
        guard !context.isEmpty else { throw QdrantError.badRequest("\(field): a target or at least one context pair is required") }
        return .context(context)
    }

    /// `lookup_from`: `{collection, vector?}`, resolved by `collections`.
    static func lookupFrom(_ value: JSONValue?, collections: CollectionLookup?) throws -> ExampleSource? {
        guard let value, value != .null else { return nil }
        let fields = try object(value, "lookup_from")
        guard let name = try string(fields["collection"], "lookup_from.collection") else {
            throw QdrantError.format("lookup_from: missing field `collection`")
        }
        guard let collections else { throw QdrantError.badRequest("lookup_from is not supported here") }
        return ExampleSource(collection: try collections(name), vectorName: try string(fields["vector"], "lookup_from.vector"))
    }

    /// Legacy `POST /points/recommend` → a query request.
    static func recommendRequest(_ body: [String: JSONValue], collections: CollectionLookup? = nil, query: Bool = true) throws -> QueryRequest {
        var request = QueryRequest()
        request.lookupFrom = try lookupFrom(body["lookup_from"], collections: collections)
        if query { request.query = try recommend(body, "recommend") }
        request.using = try string(body["using"], "using")
        request.filter = try filter(body["filter"])
        try searchParams(body["params"], into: &request)
        if let threshold = body["score_threshold"], threshold != .null { request.scoreThreshold = try float(threshold, "score_threshold") }
        request.limit = try limit(body["limit"], "limit", default: 10)
        request.offset = try int(body["offset"], "offset") ?? 0
        request.withPayload = try withPayload(body["with_payload"], default: .none)
        request.withVector = try withVector(body["with_vector"], default: .none)
        return request
    }

    /// Legacy `POST /points/discover` → a query request (`target` and `context`, or `context` alone).
    static func discoverRequest(_ body: [String: JSONValue], collections: CollectionLookup? = nil) throws -> QueryRequest {
        var request = try recommendRequest(body.filter { !["target", "context", "positive", "negative", "strategy"].contains($0.key) },
                                           collections: collections, query: false)
        request.query = try discover(body, "discover")
        return request
    }

    // MARK: Groups

    struct GroupOptions {
        var groupBy: String
        var groupSize: Int
        var groups: Int
        var lookup: GroupLookup?
    }

    /// `with_lookup`: each group's id looked up as a point of another collection.
    struct GroupLookup {
        var collection: String
        var withPayload: PayloadSelector
        var withVector: VectorSelector
    }

    static func groupOptions(_ body: [String: JSONValue]) throws -> GroupOptions {
        guard let groupBy = try string(body["group_by"], "group_by") else { throw QdrantError.format("missing field `group_by`") }
        var lookup: GroupLookup?
        switch body["with_lookup"] {
        case nil, .null?: break
        case .string(let name)?: lookup = GroupLookup(collection: name, withPayload: .all, withVector: .none)
        case .object(let fields)?:
            guard let name = try string(fields["collection"], "with_lookup.collection") else {
                throw QdrantError.format("with_lookup: missing field `collection`")
            }
            lookup = GroupLookup(collection: name, withPayload: try withPayload(fields["with_payload"], default: .all),
                                 withVector: try withVector(fields["with_vectors"] ?? fields["with_vector"], default: .none))
        default: throw QdrantError.format("with_lookup: expected a collection name or {collection, with_payload, with_vectors}")
        }
        let groupSize = try limit(body["group_size"], "group_size", default: 3)
        let groups = try limit(body["limit"], "limit", default: 10)
        guard groupSize <= 1000, groups <= 1000 else { throw QdrantError.validation("limit and group_size: at most 1000 each") }
        return GroupOptions(groupBy: groupBy, groupSize: groupSize, groups: groups, lookup: lookup)
    }
}
