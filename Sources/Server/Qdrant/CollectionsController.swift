import CollectionStore
import Hummingbird
import JSON

/// `/collections`: list, create, inspect, delete, existence, and payload indexes.
struct CollectionsController<Context: RequestContext>: Sendable {
    let api: QdrantAPI

    var routes: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.get(use: list)
        routes.put(":collection", use: create)
        routes.get(":collection", use: info)
        routes.delete(":collection", use: delete)
        routes.get(":collection/exists", use: exists)
        routes.put(":collection/index", use: createIndex)
        routes.delete(":collection/index/:field", use: dropIndex)
        routes.patch(":collection", use: update)
        routes.post("aliases", use: updateAliases)
        routes.get(":collection/aliases", use: collectionAliases)
        routes.put(":collection/vectors/:vector", use: createVectorName)
        routes.delete(":collection/vectors/:vector", use: deleteVectorName)
        return routes
    }

    /// `GET /aliases` (mounted at the root).
    var rootRoutes: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.get("aliases", use: allAliases)
        return routes
    }

    @Sendable func update(_ request: Request, context: Context) async -> Response {
        await api.respond {
            let target = try api.collection(context)
            let body = try await api.readBody(request)
            try QdrantWire.refuseEngineChanges(body)
            try QdrantWire.refuseStrictMode(body["strict_mode_config"])
            var patched = target.config
            try QdrantWire.applyPatch(body, to: &patched)
            try target.updateConfig { $0 = patched }
            return .bool(true)
        }
    }

    /// Adds a named vector space (`{"dense": …}` or `{"sparse": …}`) to an existing collection.
    @Sendable func createVectorName(_ request: Request, context: Context) async -> Response {
        await api.respond {
            let target = try api.collection(context)
            let vector = try QdrantAPI.pathParameter("vector", context)
            let body = try await api.readBody(request)
            let change = try QdrantWire.vectorSpaceChange(name: vector, body, base: target.config.hnsw)
            return api.updateResult(try api.registry.changeVectorSpaces(of: try api.collectionName(context), change), request)
        }
    }

    /// Removes a named vector space and every vector of it; points keep their other vectors and payloads.
    @Sendable func deleteVectorName(_ request: Request, context: Context) async -> Response {
        await api.respond {
            let vector = try QdrantAPI.pathParameter("vector", context)
            return api.updateResult(try api.registry.changeVectorSpaces(of: try api.collectionName(context), .remove(name: vector)), request)
        }
    }

    @Sendable func updateAliases(_ request: Request, context: Context) async -> Response {
        await api.respond {
            let body = try await api.readBody(request)
            try api.registry.updateAliases(try QdrantWire.aliasOperations(body))
            return .bool(true)
        }
    }

    @Sendable func collectionAliases(_ request: Request, context: Context) async -> Response {
        await api.respond {
            let name = api.registry.resolve(try api.collectionName(context))
            guard api.registry.exists(name) else { throw CollectionError.collectionNotFound(name) }
            return Self.aliasesWire(api.registry.aliasList(of: name))
        }
    }

    @Sendable func allAliases(_ request: Request, context: Context) async -> Response {
        await api.respond { Self.aliasesWire(api.registry.aliasList()) }
    }

    static func aliasesWire(_ list: [(alias: String, collection: String)]) -> WireValue {
        .object([("aliases", .array(list.map { .object([("alias_name", .string($0.alias)), ("collection_name", .string($0.collection))]) }))])
    }

    @Sendable func list(_ request: Request, context: Context) async -> Response {
        await api.respond {
            .object([("collections", .array(api.registry.names().map { .object([("name", .string($0))]) }))])
        }
    }

    @Sendable func create(_ request: Request, context: Context) async -> Response {
        await api.respond {
            let name = try api.collectionName(context)
            let body = try await api.readBody(request)
            try api.registry.create(name: name, config: try QdrantWire.createCollection(body))
            return .bool(true)
        }
    }

    @Sendable func info(_ request: Request, context: Context) async -> Response {
        await api.respond { CollectionInfoWire.info(try api.collection(context)) }
    }

    @Sendable func delete(_ request: Request, context: Context) async -> Response {
        await api.respond { .bool(try api.registry.delete(name: try api.collectionName(context))) }
    }

    @Sendable func exists(_ request: Request, context: Context) async -> Response {
        await api.respond { .object([("exists", .bool(api.registry.exists(try api.collectionName(context))))]) }
    }

    @Sendable func createIndex(_ request: Request, context: Context) async -> Response {
        await api.respond {
            let target = try api.collection(context)
            let body = try await api.readBody(request)
            guard let field = try QdrantWire.string(body["field_name"], "field_name") else { throw QdrantError.format("missing field `field_name`") }
            let schema = try QdrantWire.payloadFieldSchema(body["field_schema"])
            return api.updateResult(try target.createPayloadIndex(field: field, schema: schema), request)
        }
    }

    @Sendable func dropIndex(_ request: Request, context: Context) async -> Response {
        await api.respond {
            let target = try api.collection(context)
            let field = try QdrantAPI.pathParameter("field", context)
            return api.updateResult(try target.dropPayloadIndex(field: field), request)
        }
    }
}
