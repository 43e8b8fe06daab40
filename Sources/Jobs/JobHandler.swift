import JSON
import Storage
import Synchronization

/// Runs the jobs of one type. Delivery is at least once, so `run` must be safe to re-run (a crash or
/// an expired lease puts a job back); what it returns is stored as the job's result.
///
/// Errors: a thrown error fails the attempt and the job is retried with its backoff while attempts
/// remain; an error conforming to `UnrecoverableJobError` fails the job at once. When the job is
/// cancelled its task is cancelled too (`Task.isCancelled`, `Task.sleep` throws) and
/// `RunningJob.checkCancellation()` throws; the job then ends `cancelled`, whatever `run` returns.
public protocol JobHandler: Sendable {
    var type: String { get }
    func run(_ job: RunningJob) async throws -> JSONValue
}

/// An error that fails a job without retrying (BullMQ's `UnrecoverableError`).
public protocol UnrecoverableJobError: Error {}

/// Thrown by `RunningJob.checkCancellation()` once the job's cancellation was requested.
public struct JobCancelledError: UnrecoverableJobError, CustomStringConvertible, Equatable {
    public init() {}
    public var description: String { "Job cancelled by user request" }
}

/// What a handler gets: the job, progress reporting, cancellation and the workers' clock.
public struct RunningJob: Sendable {
    /// The job as claimed (state `active`, its lease set).
    public let record: JobRecord
    let claim: JobClaim
    let queue: JobQueue
    let signals: RunningJobSignals

    /// Stores `value` as the job's progress (committed before this returns).
    public func progress(_ value: JSONValue) async throws {
        let updated = try await queue.updateProgress(claim, value)
        if updated.cancelRequested { signals.requestCancellation() }
    }

    /// True once `cancel` reached the job (or its task was cancelled).
    public var isCancellationRequested: Bool { signals.cancellationRequested || Task.isCancelled }

    /// Throws `JobCancelledError` once the job's cancellation was requested.
    public func checkCancellation() throws {
        if isCancellationRequested { throw JobCancelledError() }
    }

    /// Sleeps `milliseconds` on the workers' clock; throws `CancellationError` if the job is cancelled meanwhile.
    public func sleep(milliseconds: Int64) async throws {
        try await queue.clock.sleep(until: queue.clock.now() &+ max(0, milliseconds))
    }

    /// Registers writes that commit in the same transaction as the job's completion (results and
    /// completion commit together or not at all). Runs only if the job completes; later calls add more.
    public func alsoWriteOnCompletion(_ body: @escaping @Sendable (WriteTransaction) throws -> Void) {
        signals.addCompletionWrite(body)
    }
}

/// State shared between a running job's handler and its worker slot.
final class RunningJobSignals: Sendable {
    private struct State {
        var cancellation = false
        var completionWrites: [@Sendable (WriteTransaction) throws -> Void] = []
    }

    private let state = Mutex(State())

    var cancellationRequested: Bool { state.withLock { $0.cancellation } }

    func requestCancellation() { state.withLock { $0.cancellation = true } }

    func addCompletionWrite(_ body: @escaping @Sendable (WriteTransaction) throws -> Void) {
        state.withLock { $0.completionWrites.append(body) }
    }

    /// The completion writes as one body, or nil when there are none.
    var completionWrite: (@Sendable (WriteTransaction) throws -> Void)? {
        let writes = state.withLock { $0.completionWrites }
        guard !writes.isEmpty else { return nil }
        return { txn in for write in writes { try write(txn) } }
    }
}
