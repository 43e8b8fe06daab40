import Metrics
import Synchronization

/// The tRPC controller's metrics hook: one call per procedure run, one per batch.
///
/// - `campus_trpc_calls_total{procedure,type,code}` (counter): `code` is `OK` or the tRPC error key
///   (`BAD_REQUEST`, `UNAUTHORIZED`, `TOO_MANY_REQUESTS`, …); `procedure` is `unknown` for a path that names none.
/// - `campus_trpc_call_duration_seconds{procedure,type}` (histogram): from the procedure's lookup to its envelope.
/// - `campus_trpc_batch_size` (histogram): procedures per `?batch=1` call.
///
/// Each call also feeds the dashboard's live figures under the procedure's name.
final class TRPCCallObserver: Sendable {
    private struct Key: Hashable {
        let procedure: String
        let type: String
        let code: String
    }
    private struct Handles: Sendable {
        let calls: Counter
        let duration: Metrics.Timer
    }

    private let live: LiveStats?
    private let handles = Mutex<[Key: Handles]>([:])
    private let batchSize = Recorder(label: "campus_trpc_batch_size", aggregate: true)

    init(live: LiveStats?) {
        self.live = live
    }

    func batch(size: Int) {
        batchSize.record(size)
    }

    func call(procedure: String?, type: String?, code: String?, duration: Duration) {
        let name = procedure ?? "unknown"
        let key = Key(procedure: name, type: type ?? "unknown", code: code ?? "OK")
        let handle = handles.withLock { handles in
            if let handle = handles[key] { return handle }
            let handle = Handles(
                calls: Counter(label: "campus_trpc_calls_total", dimensions: [("procedure", key.procedure), ("type", key.type), ("code", key.code)]),
                duration: Metrics.Timer(
                    label: "campus_trpc_call_duration_seconds", dimensions: [("procedure", key.procedure), ("type", key.type)],
                    preferredDisplayUnit: .seconds
                )
            )
            handles[key] = handle
            return handle
        }
        let nanos = RequestObservationMiddleware.nanoseconds(duration)
        handle.calls.increment()
        handle.duration.recordNanoseconds(Int64(clamping: nanos))
        let failed = code.map { $0 == "INTERNAL_SERVER_ERROR" || $0 == "SERVICE_UNAVAILABLE" || $0 == "TIMEOUT" } ?? false
        live?.record(kind: .procedure, name: name, nanoseconds: nanos, failed: failed)
    }
}
