import Dispatch
import Foundation
import Synchronization

/// Group commit: concurrent writers share one LMDB write transaction and one fsync.
///
/// `write` queues its body and suspends. A committer thread of its own (LMDB commits block on
/// fsync, so they stay off Swift's cooperative pool and NIO's event loops) takes everything queued,
/// runs the bodies in one write transaction, commits once and then resumes every caller.
///
/// Invariants:
/// - Bodies run in arrival order, one batch at a time, each batch in one outermost transaction.
/// - A caller is resumed only after the commit that contains its changes has returned (durable when
///   the environment's durability is `.sync`); nothing is acknowledged earlier.
/// - One body's error aborts only its own changes and is thrown to its own caller. A batch first
///   runs all its bodies in one child transaction (one `mdb_txn_begin` per batch, not per body:
///   LMDB's nested transactions cost ≈ 13 µs each); if any body throws, that child is aborted and
///   the batch runs again with each body in its own child transaction, so the others commit.
/// - Bodies follow `Environment.write`'s rule and more: they may run more than once (after map
///   growth or another body's failure), so they have no effects outside the transaction; work for
///   after the commit goes through `WriteTransaction.afterCommit`, whose hooks run before any caller
///   of the batch is resumed.
/// - If the commit fails, every caller whose body succeeded gets the commit's error.
/// - A caller's task cancellation does not withdraw a queued write (it may already be committed).
/// - A *deferrable* write (`write(deferrable: true)`: work nobody waits on, such as a job queue worker's
///   claim or completion) does not start a commit of its own while it is young: it joins the next commit
///   that another write starts, or commits on its own once it has waited `deferral`. A lone enqueue then
///   shares its commit with the workers' bookkeeping instead of waiting behind it (twice the latency).
///
/// Settings:
/// - `maxBatch` (Int, default 4096): the most bodies in one transaction.
/// - `deferral` (Duration, default 1 ms): the longest a deferrable write waits for company.
/// - `observer` (optional): told of every batch (`CommitReport`) on the committer thread, after its callers
///   were resumed, so it delays no one; it must be quick and must not write through this committer.
public final class GroupCommitter: Sendable {
    /// What one batch did: how many bodies it held, how long its oldest waited and how long it took.
    public struct CommitReport: Sendable, Equatable {
        /// Bodies in the batch's transaction.
        public var writes: Int
        /// Bodies whose own error aborted only their changes (counted in `writes`).
        public var failedWrites: Int
        /// Whether the transaction committed (false: every caller got the commit's error).
        public var committed: Bool
        /// From the arrival of the batch's oldest write to the start of its transaction.
        public var queuedNanoseconds: UInt64
        /// From the start of the transaction to the commit's return (running the bodies and syncing).
        public var commitNanoseconds: UInt64
    }

    /// How many transactions and bodies this committer has committed (for tests and metrics).
    public struct Statistics: Sendable, Equatable {
        /// Outermost transactions committed (each syncs once for all its bodies with `.sync` durability).
        public var commits: Int
        /// Bodies run to completion in committed transactions.
        public var writes: Int
    }

    public let environment: Environment
    public let maxBatch: Int
    public let deferral: Duration
    private let queue: CommitQueue

    public init(environment: Environment, maxBatch: Int = 4096, deferral: Duration = .milliseconds(1),
                observer: (@Sendable (CommitReport) -> Void)? = nil) {
        self.environment = environment
        self.maxBatch = max(1, maxBatch)
        self.deferral = max(.zero, deferral)
        let (seconds, attoseconds) = self.deferral.components
        let queue = CommitQueue(deferralNanoseconds: UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000))
        self.queue = queue
        let batchLimit = self.maxBatch
        let thread = Thread {
            while true {
                switch queue.take(max: batchLimit) {
                case .stopped: return
                case .wait(until: nil): queue.wake.wait()
                case .wait(until: let deadline?): _ = queue.wake.wait(timeout: deadline)
                case .batch(let batch):
                    let report = Self.run(batch, in: environment, queue: queue)
                    observer?(report)
                }
            }
        }
        thread.name = "campus-group-commit"
        thread.start()
    }

    deinit {
        queue.stop()
    }

    /// Runs `body` in a shared write transaction and returns its result once that transaction has
    /// committed. `body` runs on the committer thread; see the type's invariants. A `deferrable` write
    /// waits up to `deferral` for another write to start its commit.
    public func write<R: Sendable>(deferrable: Bool = false,
                                   _ body: @escaping @Sendable (WriteTransaction) throws -> R) async throws -> R {
        // Unsafe continuation: `run` resumes every queued write exactly once, after its batch.
        try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<R, any Error>) in
            queue.submit(TypedPendingWrite(body: body, continuation: continuation), deferrable: deferrable)
        }
    }

    public var statistics: Statistics {
        Statistics(commits: queue.commits.load(ordering: .relaxed), writes: queue.writes.load(ordering: .relaxed))
    }

    /// Writes submitted and not yet taken into a batch (for tests).
    var queuedWrites: Int { queue.queuedCount }

    /// Runs one batch in one outermost transaction and resumes its callers after the commit.
    private static func run(_ batch: [PendingWrite], in environment: Environment, queue: CommitQueue) -> CommitReport {
        let start = DispatchTime.now().uptimeNanoseconds
        var errors = [(any Error)?](repeating: nil, count: batch.count)
        var commitError: (any Error)?
        do {
            try environment.write { txn in
                for i in errors.indices { errors[i] = nil }  // a re-run after map growth starts clean
                do {
                    try txn.nested { child in
                        for pending in batch { try pending.run(child) }
                    }
                } catch where !txn.hitMapFull {
                    for (i, pending) in batch.enumerated() {
                        do {
                            try txn.nested { try pending.run($0) }
                        } catch {
                            if txn.hitMapFull { throw error }  // Environment.write grows the map and re-runs
                            errors[i] = error
                        }
                    }
                }
            }
        } catch {
            commitError = error
        }
        let end = DispatchTime.now().uptimeNanoseconds
        let failed = errors.lazy.filter { $0 != nil }.count
        if commitError == nil {
            queue.commits.add(1, ordering: .relaxed)
            queue.writes.add(batch.count - failed, ordering: .relaxed)
        }
        for (i, pending) in batch.enumerated() {
            pending.finish(errors[i] ?? commitError)
        }
        return CommitReport(writes: batch.count, failedWrites: failed, committed: commitError == nil,
                            queuedNanoseconds: start &- min(start, batch.first?.arrived ?? start), commitNanoseconds: end &- start)
    }
}

/// One queued body and how to resume its caller (one allocation per write).
private class PendingWrite: @unchecked Sendable {
    /// Set once at submission, before the write is shared.
    var deferrable = false
    /// When it was submitted (uptime nanoseconds); set with `deferrable`.
    var arrived: UInt64 = 0
    /// Runs the body in `txn`, keeping its result for `finish`.
    func run(_ txn: WriteTransaction) throws {}
    /// Resumes the caller with the kept result, or `error`. Called exactly once.
    func finish(_ error: (any Error)?) {}
}

private final class TypedPendingWrite<R: Sendable>: PendingWrite, @unchecked Sendable {
    private let body: @Sendable (WriteTransaction) throws -> R
    private let continuation: UnsafeContinuation<R, any Error>
    /// Written on the committer thread (the last successful run's), read by `finish` on the same thread.
    private var value: R?

    init(body: @escaping @Sendable (WriteTransaction) throws -> R, continuation: UnsafeContinuation<R, any Error>) {
        self.body = body
        self.continuation = continuation
    }

    override func run(_ txn: WriteTransaction) throws { value = try body(txn) }

    override func finish(_ error: (any Error)?) {
        if let error {
            continuation.resume(throwing: error)
        } else if let value {
            continuation.resume(returning: value)
        } else {
            continuation.resume(throwing: LMDBError(code: EINVAL, operation: "group commit lost a result"))
        }
    }
}

/// The committer's queue. The thread sleeps on `wake` only after `take` told it to wait (`idle`); a
/// submitter that finds it idle signals once, unless its write is deferrable and others already wait
/// (the thread is then in a timed wait for the oldest of them).
private final class CommitQueue: Sendable {
    private struct State {
        var pending: [PendingWrite] = []
        /// Writes in `pending` that are not deferrable: while there are none, the batch may wait.
        var urgent = 0
        var idle = false
        var stopped = false
    }

    enum Next {
        case batch([PendingWrite])
        /// Sleep on `wake` (until the deadline, when one is given), then `take` again.
        case wait(until: DispatchTime?)
        case stopped
    }

    private let state = Mutex(State())
    private let deferralNanoseconds: UInt64
    let wake = DispatchSemaphore(value: 0)
    let commits = Atomic<Int>(0)
    let writes = Atomic<Int>(0)

    init(deferralNanoseconds: UInt64) {
        self.deferralNanoseconds = deferralNanoseconds
    }

    func submit(_ write: PendingWrite, deferrable: Bool) {
        let now = DispatchTime.now().uptimeNanoseconds
        let signal = state.withLock { state -> Bool in
            write.deferrable = deferrable
            write.arrived = now
            state.pending.append(write)
            if !deferrable { state.urgent += 1 }
            guard state.idle, !deferrable || state.pending.count == 1 else { return false }
            state.idle = false
            return true
        }
        if signal { wake.signal() }
    }

    /// The next batch: up to `max` queued writes in arrival order, at once when one of them is urgent
    /// (or the queue is stopping), else once the oldest has waited the deferral; otherwise how long to wait.
    func take(max: Int) -> Next {
        let now = DispatchTime.now().uptimeNanoseconds
        return state.withLock { state -> Next in
            if state.pending.isEmpty {
                if state.stopped { return .stopped }
                state.idle = true
                return .wait(until: nil)
            }
            let due = state.pending[0].arrived &+ deferralNanoseconds
            if state.urgent == 0, !state.stopped, now < due {
                state.idle = true
                return .wait(until: DispatchTime(uptimeNanoseconds: due))
            }
            state.idle = false
            let batch: [PendingWrite]
            if state.pending.count <= max {
                batch = state.pending
                state.pending.removeAll(keepingCapacity: true)
                state.urgent = 0
            } else {
                batch = Array(state.pending.prefix(max))
                state.pending.removeFirst(max)
                state.urgent = state.pending.count(where: { !$0.deferrable })
            }
            return .batch(batch)
        }
    }

    var queuedCount: Int { state.withLock { $0.pending.count } }

    func stop() {
        let signal = state.withLock { state -> Bool in
            state.stopped = true
            guard state.idle else { return false }
            state.idle = false
            return true
        }
        if signal { wake.signal() }
    }
}
