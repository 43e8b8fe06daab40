import Hummingbird
import JSON

/// `GET /`: the version object Qdrant answers (unwrapped; qdrant-client checks the version).
struct ServiceController<Context: RequestContext>: Sendable {
    var routes: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.get("/", use: root)
        return routes
    }

    @Sendable func root(_ request: Request, context: Context) async -> Response {
        QdrantAPI.json(.object([
            ("title", .string("qdrant - vector search engine")), ("version", .string(QdrantAPI.version)), ("commit", .string("campus-search")),
        ]))
    }
}
