import Hummingbird

/// `GET /openapi.json`: the OpenAPI description of the routes this server answers.
struct OpenAPIController<Context: RequestContext>: Sendable {
    var routes: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.get("openapi.json", use: document)
        return routes
    }

    @Sendable func document(_ request: Request, context: Context) async -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.bytes)))
    }
}
