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
///
/// Settings:
/// - `maxBatch` (Int, default 4096): the most bodies in one transaction.
public final class GroupCommitter: Sendable {
    /// How many transactions and bodies this committer has committed (for tests and metrics).
    public struct Statistics: Sendable, Equatable {
        /// Outermost transactions committed (one fsync each with `.sync` durability).
        public var commits: Int
        /// Bodies run to completion in committed transactions.
        public var writes: Int
    }

    public let environment: Environment
    public let maxBatch: Int
    private let queue: CommitQueue

    public init(environment: Environment, maxBatch: Int = 4096) {
        self.environment = environment
        self.maxBatch = max(1, maxBatch)
        let queue = CommitQueue()
        self.queue = queue
        let batchLimit = self.maxBatch
        let thread = Thread {
            while let batch = queue.take(max: batchLimit) {
                if batch.isEmpty {
                    queue.wake.wait()
                    continue
                }
                Self.run(batch, in: environment, queue: queue)
            }
        }
        thread.name = "campus-group-commit"
        thread.start()
    }

    deinit {
        queue.stop()
    }

    /// Runs `body` in a shared write transaction and returns its result once that transaction has
    /// committed. `body` runs on the committer thread; see the type's invariants.
    public func write<R: Sendable>(_ body: @escaping @Sendable (WriteTransaction) throws -> R) async throws -> R {
        // Unsafe continuation: `run` resumes every queued write exactly once, after its batch.
        try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<R, any Error>) in
            queue.submit(TypedPendingWrite(body: body, continuation: continuation))
        }
    }

    public var statistics: Statistics {
        Statistics(commits: queue.commits.load(ordering: .relaxed), writes: queue.writes.load(ordering: .relaxed))
    }

    /// Runs one batch in one outermost transaction and resumes its callers after the commit.
    private static func run(_ batch: [PendingWrite], in environment: Environment, queue: CommitQueue) {
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
        if commitError == nil {
            queue.commits.add(1, ordering: .relaxed)
            queue.writes.add(errors.lazy.filter { $0 == nil }.count, ordering: .relaxed)
        }
        for (i, pending) in batch.enumerated() {
            pending.finish(errors[i] ?? commitError)
        }
    }
}

/// One queued body and how to resume its caller (one allocation per write).
private class PendingWrite: @unchecked Sendable {
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

/// The committer's queue. The thread sleeps on `wake` only after finding the queue empty (`idle`);
/// a submitter that finds it idle signals once.
private final class CommitQueue: Sendable {
    private struct State {
        var pending: [PendingWrite] = []
        var idle = false
        var stopped = false
    }

    private let state = Mutex(State())
    let wake = DispatchSemaphore(value: 0)
    let commits = Atomic<Int>(0)
    let writes = Atomic<Int>(0)

    func submit(_ write: PendingWrite) {
        let signal = state.withLock { state -> Bool in
            state.pending.append(write)
            guard state.idle else { return false }
            state.idle = false
            return true
        }
        if signal { wake.signal() }
    }

    /// Up to `max` queued writes in arrival order; empty when there are none (the caller then waits
    /// on `wake`); nil when stopped and drained.
    func take(max: Int) -> [PendingWrite]? {
        state.withLock { state -> [PendingWrite]? in
            if state.pending.isEmpty {
                if state.stopped { return nil }
                state.idle = true
                return []
            }
            if state.pending.count <= max {
                defer { state.pending.removeAll(keepingCapacity: true) }
                return state.pending
            }
            let batch = Array(state.pending.prefix(max))
            state.pending.removeFirst(max)
            return batch
        }
    }

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
