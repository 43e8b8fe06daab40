import Dispatch
import Tracing

/// Runs CPU-bound work (extraction, chunking, base64, hashing) on Dispatch's worker threads, never on the
/// caller's executor: with SwiftNIO's event loops as Swift concurrency's executor, a long synchronous call
/// on the caller would stall every connection of that loop. The caller's instrumentation context (a task-local)
/// goes along, so spans opened by the work still belong to the caller's request.
public enum CPUWork {
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let context = InstrumentationContext.current
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Result {
                    try InstrumentationContext.withValue(context) { try body() }
                })
            }
        }
    }
}
