import HTTPTypes
import Hummingbird

/// CORS for the browser app calling `/trpc`, as the platform's Express `cors()` set it: credentials
/// allowed, headers `Content-Type`, `Authorization` (and `trpc-accept` for the streaming link), methods
/// GET, POST, PUT, DELETE, OPTIONS. An allowed origin is echoed (never `*`, which browsers refuse with
/// credentials); a preflight (`OPTIONS` with `Access-Control-Request-Method`) is answered 204 here.
struct CORSPolicy: RouterMiddleware {
    typealias Context = AppRequestContext
    /// `["*"]` allows any origin.
    let origins: [String]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], origins.contains("*") || origins.contains(origin) else {
            return try await next(request, context)
        }
        var headers: HTTPFields = [:]
        headers[.accessControlAllowOrigin] = origin
        headers[.accessControlAllowCredentials] = "true"
        headers.append(HTTPField(name: .vary, value: "Origin"))
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            headers[.accessControlAllowMethods] = "GET,POST,PUT,DELETE,OPTIONS"
            headers[.accessControlAllowHeaders] = "Content-Type,Authorization,trpc-accept,x-request-id"
            headers[.accessControlMaxAge] = "600"
            return Response(status: .noContent, headers: headers)
        }
        var response = try await next(request, context)
        for field in headers { response.headers.append(field) }
        return response
    }
}
