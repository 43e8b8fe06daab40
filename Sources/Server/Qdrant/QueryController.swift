import CollectionStore
import Hummingbird
import JSON

/// `/collections/{c}/points/query…` and the legacy `…/search…` routes.
struct QueryController<Context: RequestContext>: Sendable {
    let api: QdrantAPI
    /// The most searches one batch request may hold.
    static var maxBatch: Int { 256 }

    var routes: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.post(":collection/points/query", use: query)
        routes.post(":collection/points/query/batch", use: queryBatch)
        routes.post(":collection/points/search", use: search)
        routes.post(":collection/points/search/batch", use: searchBatch)
        routes.post(":collection/points/recommend", use: recommend)
        routes.post(":collection/points/query/groups", use: queryGroups)
        routes.post(":collection/points/search/groups", use: searchGroups)
        return routes
    }

    @Sendable func query(_ request: Request, context: Context) async -> Response {
        await api.respond {
            let target = try api.collection(context)
            var body = try await api.readBody(request)
            try await api.inference.resolveQuery(&body)
            let points = try target.query(try QdrantWire.queryRequest(body))
            return .object([("points", .array(points.map { api.record($0, in: target, scored: true) }))])
        }
    }

    @Sendable func queryBatch(_ request: Request, context: Context) async -> Response {
        await api.respond {
            let target = try api.collection(context)
            let body = try await api.readBody(request)
            let searches = try Self.batch(body)
            var requests: [QueryRequest] = []
            for (n, search) in searches.enumerated() {
                var item = try QdrantWire.object(search, "searches[\(n)]")
                try await api.inference.resolveQuery(&item)
                requests.append(try QdrantWire.queryRequest(item))
            }
            return .array(try requests.map { query in
                .object([("points", .array(try target.query(query).map { api.record($0, in: target, scored: true) }))])
            })
        }
    }

    @Sendable func search(_ request: Request, context: Context) async -> Response {
        await api.respond {
            let target = try api.collection(context)
            var body = try await api.readBody(request)
            try await api.inference.resolveSearch(&body)
            let query = try QdrantWire.searchRequest(body)
            return .array(try target.query(query).map { api.record($0, in: target, scored: true) })
        }
    }

    @Sendable func searchBatch(_ request: Request, context: Context) async -> Response {
        await api.respond {
            let target = try api.collection(context)
            let body = try await api.readBody(request)
            let searches = try Self.batch(body)
            var requests: [QueryRequest] = []
            for (n, search) in searches.enumerated() {
                var item = try QdrantWire.object(search, "searches[\(n)]")
                try await api.inference.resolveSearch(&item)
                requests.append(try QdrantWire.searchRequest(item))
            }
            return .array(try requests.map { query in .array(try target.query(query).map { api.record($0, in: target, scored: true) }) })
        }
    }

    @Sendable func recommend(_ request: Request, context: Context) async -> Response {
        await api.respond {
            let target = try api.collection(context)
            let body = try await api.readBody(request)
            return .array(try target.query(try QdrantWire.recommendRequest(body)).map { api.record($0, in: target, scored: true) })
        }
    }

    @Sendable func queryGroups(_ request: Request, context: Context) async -> Response {
        await api.respond {
            let target = try api.collection(context)
            var body = try await api.readBody(request)
            try await api.inference.resolveQuery(&body)
            let options = try QdrantWire.groupOptions(body)
            body["limit"] = nil
            return try groups(try QdrantWire.queryRequest(body), options, target)
        }
    }

    @Sendable func searchGroups(_ request: Request, context: Context) async -> Response {
        await api.respond {
            let target = try api.collection(context)
            var body = try await api.readBody(request)
            try await api.inference.resolveSearch(&body)
            let options = try QdrantWire.groupOptions(body)
            body["limit"] = nil
            return try groups(try QdrantWire.searchRequest(body), options, target)
        }
    }

    private func groups(_ query: QueryRequest, _ options: QdrantWire.GroupOptions, _ target: VectorCollection) throws -> WireValue {
        let found = try target.queryGroups(query, groupBy: options.groupBy, groupSize: options.groupSize, groups: options.groups)
        return .object([("groups", .array(found.map { group in
            .object([("id", .json(group.value)), ("hits", .array(group.hits.map { api.record($0, in: target, scored: true) }))])
        }))])
    }

    /// The `searches` list of a batch request, at most `maxBatch` long.
    static func batch(_ body: [String: JSONValue]) throws -> [JSONValue] {
        guard case .array(let searches)? = body["searches"] else { throw QdrantError.format("searches: expected a list of queries") }
        guard searches.count <= maxBatch else {
            throw QdrantError.validation("searches: \(searches.count) queries in one batch, at most \(maxBatch) are allowed")
        }
        return searches
    }
}
