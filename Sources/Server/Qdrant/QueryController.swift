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
        routes.post(":collection/points/recommend/batch", use: recommendBatch)
        routes.post(":collection/points/recommend/groups", use: recommendGroups)
        routes.post(":collection/points/discover", use: discover)
        routes.post(":collection/points/discover/batch", use: discoverBatch)
        routes.post(":collection/points/search/matrix/pairs", use: matrixPairs)
        routes.post(":collection/points/search/matrix/offsets", use: matrixOffsets)
        routes.post(":collection/points/query/groups", use: queryGroups)
        routes.post(":collection/points/search/groups", use: searchGroups)
        return routes
    }

    @Sendable func query(_ request: Request, context: Context) async -> Response {
        await api.respond {
            let target = try api.collection(context)
            var body = try await api.readBody(request)
            try await api.inference.resolveQuery(&body)
            let points = try target.query(try QdrantWire.queryRequest(body, collections: lookup))
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
                requests.append(try QdrantWire.queryRequest(item, collections: lookup))
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
        await legacySingle(request, context) { try QdrantWire.recommendRequest($0, collections: lookup) }
    }

    @Sendable func recommendBatch(_ request: Request, context: Context) async -> Response {
        await legacyBatch(request, context) { try QdrantWire.recommendRequest($0, collections: lookup) }
    }

    @Sendable func recommendGroups(_ request: Request, context: Context) async -> Response {
        await api.respond {
            let target = try api.collection(context)
            var body = try await api.readBody(request)
            let options = try QdrantWire.groupOptions(body)
            body["limit"] = nil
            return try groups(try QdrantWire.recommendRequest(body, collections: lookup), options, target)
        }
    }

    @Sendable func discover(_ request: Request, context: Context) async -> Response {
        await legacySingle(request, context) { try QdrantWire.discoverRequest($0, collections: lookup) }
    }

    @Sendable func discoverBatch(_ request: Request, context: Context) async -> Response {
        await legacyBatch(request, context) { try QdrantWire.discoverRequest($0, collections: lookup) }
    }

    @Sendable func matrixPairs(_ request: Request, context: Context) async -> Response {
        await api.respond {
            let (_, matrix) = try await distanceMatrix(request, context)
            var pairs: [WireValue] = []
            for (a, row) in zip(matrix.ids, matrix.neighbours) {
                for hit in row {
                    pairs.append(.object([("a", QdrantWire.wire(a)), ("b", QdrantWire.wire(matrix.ids[hit.index])), ("score", .float(hit.score))]))
                }
            }
            return .object([("pairs", .array(pairs))])
        }
    }

    @Sendable func matrixOffsets(_ request: Request, context: Context) async -> Response {
        await api.respond {
            let (_, matrix) = try await distanceMatrix(request, context)
            var rows: [WireValue] = [], columns: [WireValue] = [], scores: [WireValue] = []
            for (row, hits) in matrix.neighbours.enumerated() {
                for hit in hits {
                    rows.append(.int(row))
                    columns.append(.int(hit.index))
                    scores.append(.float(hit.score))
                }
            }
            return .object([("offsets_row", .array(rows)), ("offsets_col", .array(columns)), ("scores", .array(scores)),
                            ("ids", .array(matrix.ids.map(QdrantWire.wire)))])
        }
    }

    /// `{sample?: 10, limit?: 3, filter?, using?}` of the distance-matrix routes.
    private func distanceMatrix(_ request: Request, _ context: Context) async throws -> (VectorCollection, DistanceMatrix) {
        let target = try api.collection(context)
        let body = try await api.readBody(request, allowEmpty: true)
        let sample = try QdrantWire.int(body["sample"], "sample") ?? 10
        let limit = try QdrantWire.int(body["limit"], "limit") ?? 3
        let filter = try QdrantWire.filter(body["filter"])
        let using = try QdrantWire.string(body["using"], "using") ?? ""
        var generator = SystemRandomNumberGenerator()
        return (target, try target.distanceMatrix(filter: filter, sample: sample, limit: limit, using: using, generator: &generator))
    }

    /// A legacy batch route: `{"searches": [...]}` → one list of scored points per item.
    /// A legacy single-request route: the body parsed by `parse`, answered as a bare list of scored points.
    private func legacySingle(_ request: Request, _ context: Context, _ parse: @escaping ([String: JSONValue]) throws -> QueryRequest) async -> Response {
        await api.respond {
            let target = try api.collection(context)
            let body = try await api.readBody(request)
            return .array(try target.query(try parse(body)).map { api.record($0, in: target, scored: true) })
        }
    }

    private func legacyBatch(_ request: Request, _ context: Context, _ parse: @escaping ([String: JSONValue]) throws -> QueryRequest) async -> Response {
        await api.respond {
            let target = try api.collection(context)
            let body = try await api.readBody(request)
            let requests = try Self.batch(body).enumerated().map { n, item in try parse(try QdrantWire.object(item, "searches[\(n)]")) }
            return .array(try requests.map { query in .array(try target.query(query).map { api.record($0, in: target, scored: true) }) })
        }
    }

    /// `lookup_from` collections come from the registry (404 when missing).
    private var lookup: QdrantWire.CollectionLookup { { [api] name in try api.registry.collection(named: name) } }

    @Sendable func queryGroups(_ request: Request, context: Context) async -> Response {
        await api.respond {
            let target = try api.collection(context)
            var body = try await api.readBody(request)
            try await api.inference.resolveQuery(&body)
            let options = try QdrantWire.groupOptions(body)
            body["limit"] = nil
            return try groups(try QdrantWire.queryRequest(body, collections: lookup), options, target)
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
        let lookupCollection = try options.lookup.map { try api.registry.collection(named: $0.collection) }
        return .object([("groups", .array(try found.map { group in
            var fields: [(String, WireValue)] = [("id", .json(group.value)), ("hits", .array(group.hits.map { api.record($0, in: target, scored: true) }))]
            // The group's value as a point id of the lookup collection (an integer, or a UUID string).
            if let lookup = options.lookup, let collection = lookupCollection, let id = try? QdrantWire.pointID(group.value),
               let point = try collection.retrieve(ids: [id], withPayload: lookup.withPayload, withVector: lookup.withVector).first {
                fields.append(("lookup", api.record(point, in: collection, scored: false)))
            }
            return .object(fields)
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
