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
        return routes
    }

    @Sendable func upsert(_ request: Request, context: Context) async -> Response {
        await api.respond {
            let target = try api.collection(context)
            var body = try await api.readBody(request)
            try await api.inference.resolveUpsert(&body)
            let points = try QdrantWire.upsert(body)
            return api.updateResult(try target.upsert(points, wait: api.waits(request)), request)
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

    /// `points` (ids) or `filter` selecting the points of a write; an empty filter selects every point.
    private func selectedIDs(_ body: [String: JSONValue], in target: VectorCollection) throws -> [PointID] {
        if let ids = body["points"], ids != .null { return try QdrantWire.pointIDs(ids, "points") }
        if let filter = try QdrantWire.filter(body["filter"]) { return try target.ids(matching: filter) }
        throw QdrantError.format("expected `points` or `filter`")
    }
}
