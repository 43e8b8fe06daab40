import Foundation
import Synchronization

/// The time the queue and its workers live by, injectable so tests control it.
public protocol JobClock: Sendable {
    /// Milliseconds since the Unix epoch.
    func now() -> Int64
    /// Returns once `now() ≥ deadline`; throws `CancellationError` when the task is cancelled first.
    func sleep(until deadline: Int64) async throws
}

/// Wall-clock time and `Task.sleep`.
public struct SystemJobClock: JobClock {
    public init() {}

    public func now() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    public func sleep(until deadline: Int64) async throws {
        let remaining = deadline - now()
        if remaining > 0 { try await Task.sleep(for: .milliseconds(remaining)) }
        try Task.checkCancellation()
    }
}

/// A clock that moves only when told: `advance(by:)` wakes every sleeper whose deadline has come.
/// For tests of delays, backoff, leases and handlers, so no test sleeps to make time pass.
public final class ManualJobClock: JobClock {
    private struct Sleeper {
        let deadline: Int64
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Int64
        var sleepers: [UInt64: Sleeper] = [:]
        var nextID: UInt64 = 0
    }

    private let state: Mutex<State>

    public init(now: Int64 = 1_700_000_000_000) {
        state = Mutex(State(now: now))
    }

    public func now() -> Int64 { state.withLock { $0.now } }

    /// The earliest deadline anyone sleeps until, if anyone sleeps.
    public var nextDeadline: Int64? { state.withLock { $0.sleepers.values.map(\.deadline).min() } }

    /// Moves time forward by `milliseconds` and resumes the sleepers that are due.
    public func advance(by milliseconds: Int64) {
        let due = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            state.now += max(0, milliseconds)
            let now = state.now
            let ready = state.sleepers.filter { $0.value.deadline <= now }
            for key in ready.keys { state.sleepers[key] = nil }
            return ready.values.map(\.continuation)
        }
        for continuation in due { continuation.resume() }
    }

    public func sleep(until deadline: Int64) async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow = state.withLock { state -> (any Error)?? in
                    if Task.isCancelled { return .some(CancellationError()) }
                    if deadline <= state.now { return .some(nil) }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return nil
                }
                if let outcome = resumeNow {
                    if let error = outcome { continuation.resume(throwing: error) } else { continuation.resume() }
                }
            }
        } onCancel: {
            let sleeper = state.withLock { $0.sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }
}
