import Hummingbird
import Logging

/// Logs every request slower than the threshold at `warning`, with method, route, status and duration.
struct SlowRequestMiddleware<Context: RequestContext>: RouterMiddleware {
    let thresholdNanoseconds: UInt64

    init(thresholdMilliseconds: Double) {
        thresholdNanoseconds = UInt64(max(0, thresholdMilliseconds) * 1_000_000)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let nanos = UInt64(elapsed.components.seconds) * 1_000_000_000 + UInt64(elapsed.components.attoseconds / 1_000_000_000)
        if nanos >= thresholdNanoseconds {
            context.logger.warning(
                "slow request",
                metadata: [
                    "method": "\(request.method)",
                    "route": "\(context.endpointPath ?? request.uri.path)",
                    "status": "\(response.status.code)",
                    "ms": "\(Double(nanos) / 1e6)",
                ]
            )
        }
        return response
    }
}
