import Foundation
import JSON
import Logging
import Metrics
import Storage

/// The durable job queue: jobs, their states and every index, in the data directory's LMDB
/// environment, so a job commits in the same transaction as the data it concerns.
///
/// Every write goes through the `GroupCommitter`: concurrent enqueues, claims and completions share
/// one transaction and one fsync, and each call returns only after its commit. `enqueue(_:now:in:)`
/// joins a transaction the caller already has (a course change and its job in one commit).
///
/// Delivery is at least once: an active job holds a lease its worker renews; when the lease runs
/// out (`recoverExpiredLeases`) or the process restarts, the job goes back to waiting with the
/// attempt counted and `stalledCount` + 1, or fails past `maxStalled`. Handlers must be safe to re-run.
///
/// Invariants: see `JobRecord`; in addition, one process works a data directory's jobs at a time
/// (a second process may read and enqueue, with `recoverActiveJobsAtOpen` off).
public final class JobQueue: Sendable {
    /// How the queue runs.
    ///
    /// - `leaseMilliseconds` (Int64, default 30000, BullMQ's `lockDuration`): how long a claim holds a
    ///   job without renewal.
    /// - `maxStalled` (Int, default 1, BullMQ's `maxStalledCount`): stalls a job survives; the next fails it.
    /// - `recoverActiveJobsAtOpen` (Bool, default true): at open, jobs left active by a dead process are
    ///   put back (or failed) as stalled jobs. Turn off in a process that opens the queue beside a
    ///   running server.
    /// - `clock` (JobClock, default `SystemJobClock()`): the time; tests inject `ManualJobClock`.
    /// - `random` (() -> Double in [0, 1), default `Double.random`): the backoff jitter's source.
    /// - `maxRemovalsPerFinish` (Int, default 1000): retention removes at most this many old jobs per
    ///   finished job (the rest at the next finish, as BullMQ's lazy removal).
    /// - `metricsFactory` ((any MetricsFactory)?, default nil = `MetricsSystem.factory`): where the
    ///   queue's and its workers' metrics go (see `JobMetrics`).
    public struct Configuration: Sendable {
        public var leaseMilliseconds: Int64 = 30_000
        public var maxStalled: Int = 1
        public var recoverActiveJobsAtOpen = true
        public var clock: any JobClock = SystemJobClock()
        public var random: @Sendable () -> Double = { Double.random(in: 0..<1) }
        public var maxRemovalsPerFinish = 1000
        public var metricsFactory: (any MetricsFactory)?

        public init() {}
    }

    public let environment: Environment
    public let committer: GroupCommitter
    public let configuration: Configuration
    let transitions: JobTransitions
    let events = JobEvents()
    let metrics: JobMetrics
    var clock: any JobClock { configuration.clock }
    private var indexing: JobIndexing { transitions.indexing }
    private var tables: JobTables { transitions.tables }

    /// Opens the queue's tables in `environment` (creating them), recovers jobs a dead process left
    /// active (when configured) and drops stale slot holders.
    ///
    /// - `committer` (GroupCommitter?, default a new one): share one with the other rooms of the
    ///   environment so their writes join the same commits.
    public init(environment: Environment, committer: GroupCommitter? = nil, configuration: Configuration = .init(),
                logger: Logger = Logger(label: "campus-search.jobs")) throws {
        guard configuration.leaseMilliseconds > 0, configuration.maxStalled >= 0, configuration.maxRemovalsPerFinish > 0 else {
            throw JobError.invalid("leaseMilliseconds and maxRemovalsPerFinish must be > 0 and maxStalled ≥ 0")
        }
        self.environment = environment
        self.committer = committer ?? GroupCommitter(environment: environment)
        self.configuration = configuration
        let metrics = JobMetrics(factory: configuration.metricsFactory)
        self.metrics = metrics
        transitions = JobTransitions(
            indexing: JobIndexing(tables: try JobTables(environment: environment)), events: events, metrics: metrics,
            leaseMilliseconds: configuration.leaseMilliseconds, maxStalled: configuration.maxStalled,
            random: configuration.random, maxRemovalsPerFinish: configuration.maxRemovalsPerFinish, logger: logger
        )
        let transitions = transitions
        let now = configuration.clock.now()
        let (recovered, staleSlots) = try environment.write { txn -> (Int, Int) in
            var recovered = 0
            if configuration.recoverActiveJobsAtOpen {
                while true {
                    let batch = try transitions.recoverAllActive(now: now, in: txn)
                    recovered += batch.count
                    if batch.isEmpty { break }
                }
            }
            return (recovered, try transitions.reconcileSlots(in: txn))
        }
        if recovered > 0 { logger.notice("recovered jobs left active by a previous process", metadata: ["jobs": "\(recovered)"]) }
        if staleSlots > 0 { logger.warning("dropped stale concurrency slot holders", metadata: ["slots": "\(staleSlots)"]) }
    }

    // MARK: Enqueue

    /// Enqueues a job and returns it once committed (durable). An existing id returns that job.
    public func enqueue(_ spec: JobSpec) async throws -> JobRecord {
        let transitions = transitions, clock = clock
        return try await committer.write { txn in try transitions.enqueue(spec, now: clock.now(), in: txn) }
    }

    /// Enqueues a job inside the caller's write transaction, so it commits (or not) with the caller's
    /// other changes; workers are woken after that commit.
    package func enqueue(_ spec: JobSpec, now: Int64, in txn: WriteTransaction) throws -> JobRecord {
        try transitions.enqueue(spec, now: now, in: txn)
    }

    // MARK: Workers' side

    /// Claims up to `limit` waiting jobs of `queue` in one transaction (due delayed jobs first become
    /// waiting), highest priority first, FIFO within a priority, each under a lease for `worker`.
    public func claim(queue: String, worker: String, limit: Int) async throws -> [JobRecord] {
        let transitions = transitions, clock = clock
        // Deferrable, like the completions: a worker's bookkeeping joins the next enqueue's commit.
        return try await committer.write(deferrable: true) { txn in
            try transitions.claim(queue: queue, worker: worker, limit: limit, now: clock.now(), in: txn)
        }
    }

    /// Extends the leases of `claims` in one transaction.
    public func renewLeases(_ claims: [JobClaim]) async throws -> [JobClaim: LeaseRenewal] {
        guard !claims.isEmpty else { return [:] }
        let transitions = transitions, clock = clock
        return try await committer.write { txn in
            let now = clock.now()
            var outcomes: [JobClaim: LeaseRenewal] = [:]
            for claim in claims { outcomes[claim] = try transitions.renew(claim, now: now, in: txn) }
            return outcomes
        }
    }

    /// Extends one claim's lease.
    public func renewLease(_ claim: JobClaim) async throws -> LeaseRenewal {
        try await renewLeases([claim])[claim] ?? .lost
    }

    /// Completes the claimed attempt with `result`; `alsoWrite` runs in the same transaction, so the
    /// job's results commit with its completion (if it throws, nothing commits and the job stays
    /// active). A job whose cancellation was requested ends `cancelled` instead (and `alsoWrite` does
    /// not run). Throws `leaseLost` when the claim no longer holds the job.
    public func complete(_ claim: JobClaim, result: JSONValue,
                         alsoWrite: (@Sendable (WriteTransaction) throws -> Void)? = nil) async throws -> JobRecord {
        let transitions = transitions, clock = clock
        return try await committer.write(deferrable: true) { txn in
            try transitions.complete(claim, result: result, now: clock.now(), alsoWrite: alsoWrite, in: txn)
        }
    }

    /// `complete`, and in the same transaction claims the next waiting job of the job's queue for
    /// `worker` (nil when there is none): a busy worker slot needs one commit per job.
    public func completeAndClaimNext(_ claim: JobClaim, result: JSONValue, worker: String,
                                     alsoWrite: (@Sendable (WriteTransaction) throws -> Void)? = nil) async throws -> (completed: JobRecord, next: JobRecord?) {
        let transitions = transitions, clock = clock
        return try await committer.write(deferrable: true) { txn in
            try transitions.completeAndClaim(claim, result: result, worker: worker, now: clock.now(), alsoWrite: alsoWrite, in: txn)
        }
    }

    /// Fails the claimed attempt: retried after its backoff while attempts remain and `retryable`,
    /// else `failed` (or `cancelled`, when cancellation was requested).
    public func fail(_ claim: JobClaim, error: JobFailure, retryable: Bool = true) async throws -> JobRecord {
        let transitions = transitions, clock = clock
        return try await committer.write { txn in
            try transitions.fail(claim, error: error, retryable: retryable, now: clock.now(), in: txn)
        }
    }

    /// Puts a claimed job back to waiting without counting the attempt (graceful shutdown).
    public func release(_ claim: JobClaim) async throws -> JobRecord {
        let transitions = transitions, clock = clock
        return try await committer.write { txn in try transitions.release(claim, now: clock.now(), in: txn) }
    }

    /// Stores the handler's progress (any JSON) on the claimed job.
    public func updateProgress(_ claim: JobClaim, _ progress: JSONValue) async throws -> JobRecord {
        let transitions = transitions, clock = clock
        return try await committer.write { txn in
            try transitions.updateProgress(claim, progress: progress, now: clock.now(), in: txn)
        }
    }

    /// Moves delayed jobs whose time has come to waiting. Returns how many.
    @discardableResult
    public func promoteDueJobs() async throws -> Int {
        let now = clock.now()
        let due = try environment.read { txn in
            try tables.delayed.entries(in: txn, below: JobKeys.delayed(due: now, sequence: .max), limit: 1).count
        }
        guard due > 0 else { return 0 }
        let transitions = transitions
        return try await committer.write { txn in try transitions.promoteDue(now: now, in: txn) }
    }

    /// Active jobs whose lease ran out by `now` (default: the clock's) go back to waiting, attempt
    /// counted and `stalledCount` + 1, or fail past `maxStalled` stalls or their attempts.
    @discardableResult
    public func recoverExpiredLeases(now: Int64? = nil) async throws -> [JobRecord] {
        let now = now ?? clock.now()
        let expired = try environment.read { txn in
            try tables.active.entries(in: txn, below: JobKeys.active(expiresAt: now, sequence: .max), limit: 1).count
        }
        guard expired > 0 else { return [] }
        let transitions = transitions
        return try await committer.write { txn in try transitions.recoverExpired(now: now, in: txn) }
    }

    /// The earliest time something is due: a delayed job's `notBefore` or an active job's lease expiry.
    public func nextDeadline() throws -> Int64? {
        try environment.read { txn in
            let delayed = try tables.delayed.entries(in: txn, limit: 1).first.flatMap { JobKeys.leadingTime($0.key) }
            let lease = try tables.active.entries(in: txn, limit: 1).first.flatMap { JobKeys.leadingTime($0.key) }
            return [delayed, lease].compactMap { $0 }.min()
        }
    }

    // MARK: API side

    /// Cancels a job: waiting or delayed → `cancelled` at once; active → `cancelRequested` and its
    /// handler told; finished → an outcome saying so. Throws `notFound`.
    public func cancel(_ id: String, by: String?) async throws -> CancelOutcome {
        let transitions = transitions, clock = clock
        return try await committer.write { txn in try transitions.cancel(id, by: by, now: clock.now(), in: txn) }
    }

    /// The job, or nil; throws `damagedRecord` for a record that does not decode.
    public func get(_ id: String) throws -> JobRecord? {
        try environment.read { txn in try indexing.load(id, in: txn) }
    }

    /// Jobs per queue and state (only non-zero counts appear).
    public func counts() throws -> [String: [JobState: Int]] {
        try environment.read { txn in
            var result: [String: [JobState: Int]] = [:]
            for (key, count) in try tables.counts.entries(in: txn, prefix: [UInt8(ascii: "q")]) {
                guard key.count >= 3 else { continue }
                let length = Int(key[1])
                guard key.count == 2 + length + 1,
                      let state = JobState.allCases.first(where: { $0.code == key[key.count - 1] }) else { continue }
                let queue = String(decoding: key[2..<(2 + length)], as: UTF8.self)
                result[queue, default: [:]][state] = Int(clamping: count)
            }
            return result
        }
    }

    /// How many generation slots `key` holds, and everyone together.
    public func slotsHeld(key: String) throws -> (user: Int, global: Int) {
        try environment.read { txn in
            (try tables.slots.entries(in: txn, prefix: JobKeys.slotPrefix(key)).count, try tables.slots.count(in: txn))
        }
    }
}
