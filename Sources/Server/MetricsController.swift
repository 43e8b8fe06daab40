import Hummingbird
import Platform

/// `GET /metrics`: Prometheus text exposition of every metric, then the process collector's (`ProcessMetrics`).
struct MetricsController<Context: RequestContext>: Sendable {
    let dataDirectory: DataDirectory

    var routes: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.get("metrics", use: metrics)
        return routes
    }

    @Sendable func metrics(_ request: Request, context: Context) async -> Response {
        StorageGauges.shared.update(from: dataDirectory)
        var bytes = CampusMetrics.exposition()
        if let sample = ProcessMetrics.sample() { bytes.append(contentsOf: ProcessMetrics.exposition(sample).utf8) }
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }
}
