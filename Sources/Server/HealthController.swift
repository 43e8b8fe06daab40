import Hummingbird
import Platform

/// `/healthz` (the process answers), `/livez` (alias) and `/readyz` (storage answers a read; the
/// body also names any collection that could not be opened, while the rest serve).
struct HealthController<Context: RequestContext>: Sendable {
    let dataDirectory: DataDirectory

    var routes: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.get("healthz", use: alive)
        routes.get("livez", use: alive)
        routes.get("readyz", use: ready)
        return routes
    }

    @Sendable func alive(_ request: Request, context: Context) async -> String {
        "healthz check passed"
    }

    @Sendable func ready(_ request: Request, context: Context) async -> Response {
        guard dataDirectory.isReady() else {
            return Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "storage is not ready")))
        }
        var text = "all shards are ready"
        let unavailable = dataDirectory.collections.unavailable
        if !unavailable.isEmpty {
            text += "\n\(unavailable.count) collection(s) cannot be opened and answer an error until deleted:"
            for (name, reason) in unavailable { text += "\n- \(name): \(reason)" }
        }
        return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
