import Dispatch

/// Runs CPU-bound work (extraction, chunking, base64, hashing) on Dispatch's worker threads, never on the
/// caller's executor: with SwiftNIO's event loops as Swift concurrency's executor, a long synchronous call
/// on the caller would stall every connection of that loop.
public enum CPUWork {
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async { continuation.resume(with: Result { try body() }) }
        }
    }
}
