import CollectionStore
import Hummingbird
import Logging
import Metrics
import Synchronization
import Tracing

/// Measures every request once: Prometheus metrics, the dashboard's rolling histograms, the access log
/// line (`debug`) and the slow-request warning.
///
/// Metrics (the route is Hummingbird's matched pattern, `unmatched` for a 404 — never the raw path):
/// - `http_server_requests_total{route,method,status}` (counter)
/// - `http_server_request_duration_seconds{route,method,status}` (histogram; until the handler returns, or for a
///   streamed body until its last byte is written)
/// - `http_server_request_size_bytes{route,method}` (histogram; the declared `Content-Length`, or the bytes the
///   handler read of a chunked body)
/// - `http_server_response_size_bytes{route,method}` (histogram; the bytes written, streamed bodies counted)
/// - `http_server_active_requests` (gauge)
///
/// The request's logger already carries `request_id` (RequestIDMiddleware, which runs first); this adds
/// `route`, `method`, `status` and `duration_ms` to the line it writes. A request slower than the threshold
/// logs at `warning` with time to the response head (`handler_ms`), to the end of its body (`duration_ms`) and
/// the stages its spans measured (`stages`: query stages, embedding and its cache; see `RequestStages`).
struct RequestObservationMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let thresholdNanoseconds: UInt64
    let live: LiveStats
    /// nil with metrics off: then only the request log and the slow-request warning remain.
    private let instruments: HTTPInstruments?

    init(slowThresholdMilliseconds: Double, live: LiveStats, recordsMetrics: Bool = true) {
        thresholdNanoseconds = UInt64(max(0, slowThresholdMilliseconds) * 1_000_000)
        self.live = live
        instruments = recordsMetrics ? HTTPInstruments() : nil
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        instruments?.active.increment()
        var request = request
        let declaredBytes = request.headers[.contentLength].flatMap { Int($0) }
        // A body without a declared length (chunked) is counted as the handler reads it. HTTPTypes drops
        // `Transfer-Encoding`, so any body-carrying method without `Content-Length` is watched.
        let streamedRequestBytes: ByteCount?
        if declaredBytes == nil, [.post, .put, .patch].contains(request.method) {
            let counter = ByteCount()
            request.body = RequestBody(asyncSequence: request.body.map { buffer in
                counter.add(buffer.readableBytes)
                return buffer
            })
            streamedRequestBytes = counter
        } else {
            streamedRequestBytes = nil
        }
        let stages = RequestStages()
        do {
            var instrumentation = InstrumentationContext.current ?? .topLevel
            instrumentation[StageRecorderKey.self] = stages
            var response = try await InstrumentationContext.withValue(instrumentation) { try await next(request, context) }
            let handlerDone = ContinuousClock.now
            let route = Self.route(context)
            let status = Int(response.status.code)
            let original = response.body
            let knownLength = original.contentLength
            let counted = ByteCount()
            let finish: @Sendable () -> Void = { [instruments, live, thresholdNanoseconds, request] in
                let end = ContinuousClock.now
                let requestBytes = declaredBytes ?? streamedRequestBytes?.value ?? 0
                let nanos = Self.nanoseconds(end - start)
                let responseBytes = knownLength ?? counted.value
                if let instruments {
                    instruments.record(route: route, method: request.method.rawValue, status: status, nanoseconds: nanos,
                                       requestBytes: requestBytes, responseBytes: responseBytes)
                    live.record(kind: .route, name: "\(request.method.rawValue) \(route)", nanoseconds: nanos, failed: status >= 500)
                }
                Self.log(context: context, request: request, route: route, status: status, nanos: nanos,
                         handlerNanos: Self.nanoseconds(handlerDone - start), responseBytes: responseBytes, threshold: thresholdNanoseconds,
                         stages: stages)
            }
            // A body of known length is a buffer handed to the channel as it is: the request ends with its
            // handler. Only a streamed body (JSONL batches, large listings) is timed to its last byte.
            guard knownLength == nil else {
                finish()
                return response
            }
            response.body = ResponseBody { writer in
                do {
                    try await original.write(writer.map { buffer in
                        counted.add(buffer.readableBytes)
                        return buffer
                    })
                    finish()
                } catch {
                    finish()
                    throw error
                }
            }
            return response
        } catch {
            let status = Int((error as? any HTTPResponseError)?.status.code ?? 500)
            let route = Self.route(context)
            let requestBytes = declaredBytes ?? streamedRequestBytes?.value ?? 0
            let nanos = Self.nanoseconds(ContinuousClock.now - start)
            if let instruments {
                instruments.record(route: route, method: request.method.rawValue, status: status, nanoseconds: nanos,
                                   requestBytes: requestBytes, responseBytes: 0)
                live.record(kind: .route, name: "\(request.method.rawValue) \(route)", nanoseconds: nanos, failed: status >= 500)
            }
            Self.log(context: context, request: request, route: route, status: status, nanos: nanos, handlerNanos: nanos,
                     responseBytes: 0, threshold: thresholdNanoseconds, stages: stages)
            throw error
        }
    }

    /// The matched route pattern; `unmatched` for paths no route takes (Hummingbird's not-found responder
    /// names them `NotFound`), so a scan of random paths cannot grow the label set.
    static func route(_ context: Context) -> String {
        guard let path = context.endpointPath, path != "NotFound" else { return "unmatched" }
        return path
    }

    static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
    }

    private static func log(context: Context, request: Request, route: String, status: Int, nanos: UInt64, handlerNanos: UInt64,
                            responseBytes: Int, threshold: UInt64, stages: RequestStages) {
        let slow = nanos >= threshold
        guard slow || context.logger.logLevel <= .debug else { return }
        var metadata: Logger.Metadata = [
            "method": .string(request.method.rawValue),
            "route": .string(route),
            "status": .stringConvertible(status),
            "duration_ms": .string(milliseconds(nanos)),
            "response_bytes": .stringConvertible(responseBytes),
        ]
        let facts = context.trace.current
        if let organisation = facts.organisation { metadata["organisation"] = .string(organisation) }
        if let user = facts.user { metadata["user"] = .string(user) }
        if let procedure = facts.procedure { metadata["procedure"] = .string(procedure) }
        if slow {
            metadata["handler_ms"] = .string(milliseconds(handlerNanos))
            metadata["write_ms"] = .string(milliseconds(nanos >= handlerNanos ? nanos - handlerNanos : 0))
            metadata["path"] = .string(request.uri.path)
            if let stages = stages.metadata { metadata["stages"] = stages }
            context.logger.warning("slow request", metadata: metadata)
        } else {
            context.logger.debug("request", metadata: metadata)
        }
    }

    static func milliseconds(_ nanos: UInt64) -> String {
        let micros = nanos / 1_000
        let fraction = micros % 1_000
        return "\(micros / 1_000).\(fraction < 10 ? "00" : fraction < 100 ? "0" : "")\(fraction)"
    }
}

/// Bytes written by a streamed response body.
final class ByteCount: Sendable {
    private let count = Atomic<Int>(0)
    func add(_ bytes: Int) { count.add(bytes, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}

/// The HTTP instruments, made once per route, method and status.
final class HTTPInstruments: Sendable {
    struct Key: Hashable {
        let route: String
        let method: String
        let status: Int
    }
    struct Handles: Sendable {
        let requests: Counter
        let duration: Metrics.Timer
        let requestSize: Recorder
        let responseSize: Recorder
    }

    let active = Meter(label: "http_server_active_requests")
    private let cache = Mutex<[Key: Handles]>([:])

    func record(route: String, method: String, status: Int, nanoseconds: UInt64, requestBytes: Int, responseBytes: Int) {
        let key = Key(route: route, method: method, status: status)
        let set = cache.withLock { cache in
            if let set = cache[key] { return set }
            let dimensions = [("route", route), ("method", method), ("status", String(status))]
            let sizes = [("route", route), ("method", method)]
            let set = Handles(
                requests: Counter(label: "http_server_requests_total", dimensions: dimensions),
                duration: Metrics.Timer(label: "http_server_request_duration_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds),
                requestSize: Recorder(label: "http_server_request_size_bytes", dimensions: sizes, aggregate: true),
                responseSize: Recorder(label: "http_server_response_size_bytes", dimensions: sizes, aggregate: true)
            )
            cache[key] = set
            return set
        }
        set.requests.increment()
        set.duration.recordNanoseconds(Int64(clamping: nanoseconds))
        set.requestSize.record(requestBytes)
        set.responseSize.record(responseBytes)
        active.decrement()
    }
}
