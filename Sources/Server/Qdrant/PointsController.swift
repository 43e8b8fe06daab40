import CollectionStore
import Hummingbird
import JSON

/// `/collections/{c}/points…`: upsert, retrieve, delete, payload edits, scroll and count.
struct PointsController<Context: RequestContext>: Sendable {
    let api: QdrantAPI

    var routes: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.put(":collection/points", use: upsert)
        routes.post(":collection/points", use: retrieve)
        routes.get(":collection/points/:id", use: retrieveOne)
        routes.post(":collection/points/delete", use: delete)
        routes.post(":collection/points/payload", use: setPayload)
        routes.put(":collection/points/payload", use: overwritePayload)
        routes.post(":collection/points/payload/delete", use: deletePayload)
        routes.post(":collection/points/payload/clear", use: clearPayload)
        routes.post(":collection/points/scroll", use: scroll)
        routes.post(":collection/points/count", use: count)
        routes.put(":collection/points/vectors", use: updateVectors)
        routes.post(":collection/points/vectors", use: updateVectors)
        routes.post(":collection/points/vectors/delete", use: deleteVectors)
        routes.post(":collection/points/batch", use: batch)
        routes.post(":collection/facet", use: facet)
        return routes
    }

    @Sendable func upsert(_ request: Request, context: Context) async -> Response {
        await api.respond {
            let target = try api.collection(context)
            var body = try await api.readBody(request)
            try await api.inference.resolveUpsert(&body)
            return api.updateResult(try upsert(body, into: target, wait: api.waits(request)), request)
        }
    }

    @Sendable func retrieve(_ request: Request, context: Context) async -> Response {
        await api.respond {
            let target = try api.collection(context)
            let body = try await api.readBody(request)
            let records = try target.retrieve(
                ids: try QdrantWire.pointIDs(body["ids"], "ids"),
                withPayload: try QdrantWire.withPayload(body["with_payload"], default: .all),
                withVector: try QdrantWire.withVector(body["with_vector"], default: .none)
            )
            return .array(records.map { api.record($0, in: target, scored: false) })
        }
    }

    @Sendable func retrieveOne(_ request: Request, context: Context) async -> Response {
        await api.respond {
            let target = try api.collection(context)
            let raw = try QdrantAPI.pathParameter("id", context)
            guard let id = PointID(raw) else { throw QdrantError.format("id: `\(raw)` is not an unsigned integer or a UUID") }
            guard let found = try target.retrieve(ids: [id], withPayload: .all, withVector: .all).first else {
                throw QdrantError.notFound("No point with id \(id) found")
            }
            return api.record(found, in: target, scored: false)
        }
    }

    @Sendable func delete(_ request: Request, context: Context) async -> Response {
        await api.respond {
            let target = try api.collection(context)
            let body = try await api.readBody(request)
            let ids = try selectedIDs(body, in: target)
            return api.updateResult(try target.delete(ids: ids, wait: api.waits(request)), request)
        }
    }

    @Sendable func setPayload(_ request: Request, context: Context) async -> Response {
        await api.respond {
            let target = try api.collection(context)
            let body = try await api.readBody(request)
            let payload = try QdrantWire.payload(body["payload"], "payload")
            let key = try QdrantWire.string(body["key"], "key")
            let ids = try selectedIDs(body, in: target)
            return api.updateResult(try target.updatePayload(.set(payload, key: key), ids: ids), request)
        }
    }

    @Sendable func overwritePayload(_ request: Request, context: Context) async -> Response {
        await api.respond {
            let target = try api.collection(context)
            let body = try await api.readBody(request)
            let payload = try QdrantWire.payload(body["payload"], "payload")
            let ids = try selectedIDs(body, in: target)
            return api.updateResult(try target.updatePayload(.overwrite(payload), ids: ids), request)
        }
    }

    @Sendable func deletePayload(_ request: Request, context: Context) async -> Response {
        await api.respond {
            let target = try api.collection(context)
            let body = try await api.readBody(request)
            guard case .array(let rawKeys)? = body["keys"] else { throw QdrantError.format("keys: expected a list of payload keys") }
            let keys = try rawKeys.map { try QdrantWire.string($0, "keys") ?? "" }
            let ids = try selectedIDs(body, in: target)
            return api.updateResult(try target.updatePayload(.delete(keys), ids: ids), request)
        }
    }

    @Sendable func clearPayload(_ request: Request, context: Context) async -> Response {
        await api.respond {
            let target = try api.collection(context)
            let body = try await api.readBody(request)
            let ids = try selectedIDs(body, in: target)
            return api.updateResult(try target.updatePayload(.clear, ids: ids), request)
        }
    }

    @Sendable func scroll(_ request: Request, context: Context) async -> Response {
        await api.respond {
            let target = try api.collection(context)
            let body = try await api.readBody(request, allowEmpty: true)
            let offset = try body["offset"].flatMap { $0 == .null ? nil : try QdrantWire.pointID($0, "offset") }
            if let order = try QdrantWire.orderBy(body["order_by"]) {
                guard offset == nil else { throw QdrantError.badRequest("Cannot use an `offset` when using `order_by`") }
                let rows = try target.scroll(
                    orderedBy: order,
                    limit: try QdrantWire.limit(body["limit"], "limit", default: 10),
                    filter: try QdrantWire.filter(body["filter"]),
                    withPayload: try QdrantWire.withPayload(body["with_payload"], default: .all),
                    withVector: try QdrantWire.withVector(body["with_vector"], default: .none)
                )
                return .object([
                    ("points", .array(rows.map { api.record($0.record, in: target, scored: false, orderValue: $0.value) })),
                    ("next_page_offset", .null),
                ])
            }
            let page = try target.scroll(
                offset: offset,
                limit: try QdrantWire.limit(body["limit"], "limit", default: 10),
                filter: try QdrantWire.filter(body["filter"]),
                withPayload: try QdrantWire.withPayload(body["with_payload"], default: .all),
                withVector: try QdrantWire.withVector(body["with_vector"], default: .none)
            )
            return .object([
                ("points", .array(page.points.map { api.record($0, in: target, scored: false) })),
                ("next_page_offset", page.next.map(QdrantWire.wire) ?? .null),
            ])
        }
    }

    @Sendable func count(_ request: Request, context: Context) async -> Response {
        await api.respond {
            let target = try api.collection(context)
            let body = try await api.readBody(request, allowEmpty: true)
            return .object([("count", .int(try target.count(filter: try QdrantWire.filter(body["filter"]))))])
        }
    }

    @Sendable func updateVectors(_ request: Request, context: Context) async -> Response {
        await api.respond {
            let target = try api.collection(context)
            let body = try await api.readBody(request)
            return api.updateResult(try target.updateVectors(try QdrantWire.vectorUpdates(body), wait: api.waits(request),
                                                             updateFilter: try QdrantWire.filter(body["update_filter"])), request)
        }
    }

    @Sendable func deleteVectors(_ request: Request, context: Context) async -> Response {
        await api.respond {
            let target = try api.collection(context)
            let body = try await api.readBody(request)
            let names = try QdrantWire.vectorNames(body["vector"] ?? body["vectors"])
            let ids = try selectedIDs(body, in: target)
            return api.updateResult(try target.deleteVectors(names, ids: ids, wait: api.waits(request)), request)
        }
    }

    /// `POST /points/batch`: update operations applied in order, each its own write (as in Qdrant, a
    /// failing operation stops the batch and the ones before it stay applied).
    @Sendable func batch(_ request: Request, context: Context) async -> Response {
        await api.respond {
            let target = try api.collection(context)
            let body = try await api.readBody(request)
            guard case .array(let operations)? = body["operations"] else { throw QdrantError.format("operations: expected a list of update operations") }
            guard operations.count <= QueryController<Context>.maxBatch else {
                throw QdrantError.validation("operations: \(operations.count) operations in one batch, at most \(QueryController<Context>.maxBatch) are allowed")
            }
            let wait = api.waits(request)
            var results: [WireValue] = []
            for (n, item) in operations.enumerated() {
                let operation = try QdrantWire.object(item, "operations[\(n)]")
                guard operation.count == 1, let (kind, value) = operation.first else {
                    throw QdrantError.format("operations[\(n)]: expected exactly one operation")
                }
                var fields = try QdrantWire.object(value, "operations[\(n)].\(kind)")
                let id: UInt64
                switch kind {
                case "upsert":
                    try await api.inference.resolveUpsert(&fields)
                    id = try upsert(fields, into: target, wait: wait)
                case "delete":
                    id = try target.delete(ids: try selectedIDs(fields, in: target), wait: wait)
                case "set_payload":
                    let payload = try QdrantWire.payload(fields["payload"], "payload")
                    id = try target.updatePayload(.set(payload, key: try QdrantWire.string(fields["key"], "key")), ids: try selectedIDs(fields, in: target))
                case "overwrite_payload":
                    id = try target.updatePayload(.overwrite(try QdrantWire.payload(fields["payload"], "payload")), ids: try selectedIDs(fields, in: target))
                case "delete_payload":
                    guard case .array(let rawKeys)? = fields["keys"] else { throw QdrantError.format("keys: expected a list of payload keys") }
                    let keys = try rawKeys.map { try QdrantWire.string($0, "keys") ?? "" }
                    id = try target.updatePayload(.delete(keys), ids: try selectedIDs(fields, in: target))
                case "clear_payload":
                    id = try target.updatePayload(.clear, ids: try selectedIDs(fields, in: target))
                case "update_vectors":
                    id = try target.updateVectors(try QdrantWire.vectorUpdates(fields), wait: wait,
                                                  updateFilter: try QdrantWire.filter(fields["update_filter"]))
                case "delete_vectors":
                    let names = try QdrantWire.vectorNames(fields["vector"] ?? fields["vectors"])
                    id = try target.deleteVectors(names, ids: try selectedIDs(fields, in: target), wait: wait)
                default:
                    throw QdrantError.format("operations[\(n)]: unknown operation `\(kind)`")
                }
                results.append(api.updateResult(id, request))
            }
            return .array(results)
        }
    }

    /// `POST /collections/{c}/facet`: counts per value of a payload key, like Qdrant (which needs a
    /// keyword, integer or bool index on the key; so does this server).
    @Sendable func facet(_ request: Request, context: Context) async -> Response {
        await api.respond {
            let target = try api.collection(context)
            let body = try await api.readBody(request)
            guard let key = try QdrantWire.string(body["key"], "key") else { throw QdrantError.format("missing field `key`") }
            let indexed = target.payloadSchema[key]?.dataType.rawValue
            guard let indexed, ["keyword", "integer", "bool", "uuid"].contains(indexed) else {
                throw QdrantError.badRequest("Index required but not found for \"\(key)\" of one of the following types: [keyword, integer, bool, uuid]. Help: Create an index for this key.")
            }
            let hits = try target.facet(
                key: key,
                filter: try QdrantWire.filter(body["filter"]),
                limit: try QdrantWire.limit(body["limit"], "limit", default: 10)
            )
            return .object([("hits", .array(hits.map { .object([("value", .json($0.value)), ("count", .int($0.count))]) }))])
        }
    }

    /// An upsert body (`points` or `batch`) with its `update_mode` and `update_filter`.
    private func upsert(_ body: [String: JSONValue], into target: VectorCollection, wait: Bool) throws -> UInt64 {
        let points = try QdrantWire.upsert(body)
        return try target.upsert(
            points, wait: wait,
            mode: try QdrantWire.updateMode(body["update_mode"]),
            updateFilter: try QdrantWire.filter(body["update_filter"])
        )
    }

    /// `points` (ids) or `filter` selecting the points of a write; an empty filter selects every point.
    private func selectedIDs(_ body: [String: JSONValue], in target: VectorCollection) throws -> [PointID] {
        if let ids = body["points"], ids != .null { return try QdrantWire.pointIDs(ids, "points") }
        if let filter = try QdrantWire.filter(body["filter"]) { return try target.ids(matching: filter) }
        throw QdrantError.format("expected `points` or `filter`")
    }
}
