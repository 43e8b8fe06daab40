import Foundation
import JSON
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Runs the queue's jobs: per queue, `concurrency` handler slots, woken by enqueues (after-commit
/// hooks, so no polling delay) and by a timer for delayed jobs, lease checks and lease renewals.
///
/// - A runner claims as many jobs as it has free slots in one transaction; a slot that completes a
///   job claims its next one in the completion's transaction; completions of many slots share
///   commits (group commit).
/// - Each running job's lease is renewed (all of them in one transaction every `renewInterval`); a
///   renewal that finds the job cancelled or lost cancels the handler's task.
/// - `cancel` on an active job cancels its handler's task at once (in this process) and makes
///   `RunningJob.checkCancellation()` throw; the job ends `cancelled`, never `completed`.
/// - A job type with no handler fails with `No handler registered for job type: <name>`.
/// - Graceful shutdown stops claiming, waits up to `shutdownGrace` for running jobs, then cancels
///   the rest and puts them back to waiting (their attempt not counted) for the next start.
public final class JobWorkers: Service, Sendable {
    /// How the workers run.
    ///
    /// - `concurrency` ([String: Int], default `["fast": 8, "documents": 2]`): handler slots per queue
    ///   (1…4096 each); only these queues are worked.
    /// - `workerID` (String, default host-pid-random): who holds the leases.
    /// - `renewIntervalMilliseconds` (Int64?, default nil = a third of the queue's lease): how often the
    ///   leases of running jobs are renewed.
    /// - `maintenanceIntervalMilliseconds` (Int64, default 1000): the longest the timer sleeps between
    ///   lease checks and gauge refreshes (delayed jobs wake it at their due time).
    /// - `shutdownGraceMilliseconds` (Int64, default 10000): how long graceful shutdown waits for running jobs.
    public struct Configuration: Sendable {
        public var concurrency: [String: Int] = [JobOptions.fastQueue: 8, JobOptions.documentsQueue: 2]
        public var workerID: String = JobWorkers.defaultWorkerID()
        public var renewIntervalMilliseconds: Int64?
        public var maintenanceIntervalMilliseconds: Int64 = 1000
        public var shutdownGraceMilliseconds: Int64 = 10_000

        public init() {}
    }

    public let queue: JobQueue
    public let configuration: Configuration
    private let runners: [String: QueueRunner]
    private let scheduler = WakeSignal()
    private let stopping = StopFlag()
    private let renewInterval: Int64
    private let logger: Logger

    /// - `handlers`: one per job type (a later handler of the same type replaces an earlier one).
    /// - `onFinish` (default nil): called with the record after each attempt's end commits (completed,
    ///   failed, cancelled, retried or released), for benchmarks and tests.
    public init(queue: JobQueue, handlers: [any JobHandler], configuration: Configuration = .init(),
                onFinish: (@Sendable (JobRecord) -> Void)? = nil,
                logger: Logger = Logger(label: "campus-search.jobs.workers")) throws {
        for (name, slots) in configuration.concurrency {
            try JobTransitions.validateQueueName(name)
            guard (1...4096).contains(slots) else { throw JobError.invalid("concurrency of queue \(name) must be 1…4096, got \(slots)") }
        }
        guard configuration.maintenanceIntervalMilliseconds > 0, configuration.shutdownGraceMilliseconds >= 0,
              (configuration.renewIntervalMilliseconds ?? 1) > 0 else {
            throw JobError.invalid("worker intervals must be > 0 (grace ≥ 0)")
        }
        self.queue = queue
        self.configuration = configuration
        self.logger = logger
        renewInterval = configuration.renewIntervalMilliseconds ?? max(1, queue.configuration.leaseMilliseconds / 3)
        var byType: [String: any JobHandler] = [:]
        for handler in handlers { byType[handler.type] = handler }
        let handlersByType = byType
        let stopping = stopping
        runners = Dictionary(uniqueKeysWithValues: configuration.concurrency.map { name, slots in
            (name, QueueRunner(name: name, concurrency: slots, workerID: configuration.workerID, queue: queue,
                               handlers: handlersByType, stopping: stopping, onFinish: onFinish, logger: logger))
        })
    }

    public static func defaultWorkerID() -> String {
        "\(ProcessInfo.processInfo.hostName)-\(getpid())-\(UUID().uuidString.prefix(8).lowercased())"
    }

    public func run() async throws {
        let runners = runners, scheduler = scheduler
        let observer = queue.events.add(JobEvents.Observer(
            jobReady: { name in runners[name]?.wake.signal() },
            jobDelayed: { _ in scheduler.signal() },
            cancelRequested: { id in for runner in runners.values { runner.cancel(id) } }
        ))
        defer { queue.events.remove(observer) }
        for runner in runners.values { queue.metrics.workers(queue: runner.name).record(runner.concurrency) }
        let grace = configuration.shutdownGraceMilliseconds
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                for runner in runners.values {
                    group.addTask { await runner.run(graceMilliseconds: grace) }
                }
                group.addTask { await self.maintain() }
                await group.waitForAll()
            }
        } onGracefulShutdown: {
            self.stop()
        }
    }

    /// Stops claiming; running jobs get the grace period. What graceful shutdown calls.
    public func stop() {
        stopping.set()
        for runner in runners.values { runner.wake.signal() }
        scheduler.signal()
    }

    /// The timer: due delayed jobs, expired leases, lease renewals and gauges.
    private func maintain() async {
        let clock = queue.clock
        var lastRenewal = clock.now()
        var knownQueues = Set(runners.keys)
        while !stopping.isSet && !Task.isCancelled {
            let now = clock.now()
            var deadline = min(now &+ configuration.maintenanceIntervalMilliseconds, lastRenewal &+ renewInterval)
            do {
                if let due = try queue.nextDeadline() { deadline = min(deadline, due) }
            } catch {
                logger.error("cannot read the next job deadline", metadata: ["error": "\(error)"])
            }
            if deadline > now { await scheduler.wait(until: deadline, clock: clock) }
            if stopping.isSet || Task.isCancelled { break }
            do {
                try await queue.promoteDueJobs()
                let recovered = try await queue.recoverExpiredLeases()
                if !recovered.isEmpty { logger.warning("jobs stalled (lease expired)", metadata: ["jobs": "\(recovered.count)"]) }
            } catch {
                logger.error("job maintenance failed", metadata: ["error": "\(error)"])
                await scheduler.wait(until: clock.now() &+ configuration.maintenanceIntervalMilliseconds, clock: clock)
            }
            if clock.now() >= lastRenewal &+ renewInterval {
                await renewLeases()
                lastRenewal = clock.now()
            }
            refreshGauges(&knownQueues)
        }
    }

    private func renewLeases() async {
        let claims = runners.values.flatMap { $0.runningClaims() }
        guard !claims.isEmpty else { return }
        do {
            let outcomes = try await queue.renewLeases(claims)
            for (claim, outcome) in outcomes {
                switch outcome {
                case .renewed(cancelRequested: false): break
                case .renewed(cancelRequested: true):
                    for runner in runners.values { _ = runner.cancel(claim) }
                case .lost:
                    // A job that finished since its claim was collected has nothing left to stop.
                    if runners.values.contains(where: { $0.cancel(claim) }) {
                        logger.warning("a running job lost its lease; stopping its handler", metadata: ["id": "\(claim.id)"])
                    }
                }
            }
        } catch {
            logger.error("lease renewal failed", metadata: ["error": "\(error)"])
        }
    }

    private func refreshGauges(_ knownQueues: inout Set<String>) {
        guard let counts = try? queue.counts() else { return }
        knownQueues.formUnion(counts.keys)
        for name in knownQueues {
            for state in JobState.allCases {
                queue.metrics.depth(queue: name, state: state).record(counts[name]?[state] ?? 0)
            }
        }
    }
}

/// The handler slots of one queue.
final class QueueRunner: Sendable {
    private struct Running {
        let claim: JobClaim
        let signals: RunningJobSignals
        var task: Task<Void, Never>?
    }

    let name: String
    let concurrency: Int
    let wake = WakeSignal()
    private let workerID: String
    private let queue: JobQueue
    private let handlers: [String: any JobHandler]
    private let onFinish: (@Sendable (JobRecord) -> Void)?
    private let logger: Logger
    private let running = Mutex<[String: Running]>([:])
    private let busyGauge: Gauge
    private let stopping: StopFlag

    init(name: String, concurrency: Int, workerID: String, queue: JobQueue, handlers: [String: any JobHandler],
         stopping: StopFlag, onFinish: (@Sendable (JobRecord) -> Void)?, logger: Logger) {
        self.stopping = stopping
        self.name = name
        self.concurrency = concurrency
        self.workerID = workerID
        self.queue = queue
        self.handlers = handlers
        self.onFinish = onFinish
        self.logger = logger
        busyGauge = queue.metrics.busyWorkers(queue: name)
    }

    func run(graceMilliseconds: Int64) async {
        while !stopping.isSet && !Task.isCancelled {
            let free = concurrency - running.withLock { $0.count }
            if free > 0 {
                do {
                    let claimed = try await queue.claim(queue: name, worker: workerID, limit: free)
                    for job in claimed { start(job) }
                    if claimed.count == free { continue }
                } catch {
                    logger.error("claiming jobs failed", metadata: ["queue": "\(name)", "error": "\(error)"])
                    await wake.wait(until: queue.clock.now() &+ 1000, clock: queue.clock)
                    continue
                }
            }
            await wake.wait()
        }
        await drain(graceMilliseconds: Task.isCancelled ? 0 : graceMilliseconds)
    }

    /// Waits up to the grace period for running jobs, then cancels the rest (they are released).
    private func drain(graceMilliseconds: Int64) async {
        let clock = queue.clock
        let deadline = clock.now() &+ graceMilliseconds
        while running.withLock({ !$0.isEmpty }) && clock.now() < deadline && !Task.isCancelled {
            await wake.wait(until: deadline, clock: clock)
        }
        let tasks = running.withLock { $0.values.compactMap(\.task) }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }

    private func start(_ job: JobRecord) {
        guard let claim = job.claim else { return }
        let signals = RunningJobSignals()
        if job.cancelRequested { signals.requestCancellation() }
        let busy = running.withLock { running -> Int in
            running[job.id] = Running(claim: claim, signals: signals, task: nil)
            return running.count
        }
        busyGauge.record(busy)
        let task = Task { await self.process(job, claim: claim, signals: signals) }
        let cancelNow = running.withLock { running -> Bool in
            guard running[job.id]?.claim == claim else { return false }
            running[job.id]?.task = task
            return signals.cancellationRequested
        }
        if cancelNow { task.cancel() }
    }

    /// Tells a running job of this queue that it is cancelled.
    func cancel(_ id: String) {
        let task = running.withLock { running -> Task<Void, Never>? in
            guard let entry = running[id] else { return nil }
            entry.signals.requestCancellation()
            return entry.task
        }
        task?.cancel()
    }

    /// Stops the handler of `claim` if this runner still runs that attempt; returns whether it did.
    func cancel(_ claim: JobClaim) -> Bool {
        let task = running.withLock { running -> Task<Void, Never>?? in
            guard let entry = running[claim.id], entry.claim == claim else { return nil }
            entry.signals.requestCancellation()
            return .some(entry.task)
        }
        guard let task else { return false }
        task?.cancel()
        return true
    }

    func runningClaims() -> [JobClaim] { running.withLock { $0.values.map(\.claim) } }

    /// Runs a claimed job, then (while the slot stays busy) the next one claimed with its completion.
    private func process(_ first: JobRecord, claim firstClaim: JobClaim, signals firstSignals: RunningJobSignals) async {
        var job = first, claim = firstClaim, signals = firstSignals
        while true {
            var final: JobRecord?
            var next: JobRecord?
            if let handler = handlers[job.type] {
                do {
                    let result = try await handler.run(RunningJob(record: job, claim: claim, queue: queue, signals: signals))
                    // A cancelled task cannot carry another job: its cancellation would stick to it.
                    if stopping.isSet || Task.isCancelled {
                        final = try await queue.complete(claim, result: result, alsoWrite: signals.completionWrite)
                    } else {
                        (final, next) = try await queue.completeAndClaimNext(claim, result: result, worker: workerID,
                                                                             alsoWrite: signals.completionWrite)
                    }
                } catch {
                    final = await failed(claim, error: error, signals: signals)
                }
            } else {
                final = await failed(claim, error: NoHandler(type: job.type), signals: signals)
            }
            let handoff = next.flatMap { record in record.claim.map { (record, $0, RunningJobSignals()) } }
            if let (record, _, nextSignals) = handoff, record.cancelRequested { nextSignals.requestCancellation() }
            let busy = running.withLock { running -> Int in
                let task = running[job.id]?.task
                if running[job.id]?.claim == claim { running[job.id] = nil }
                if let (record, nextClaim, nextSignals) = handoff {
                    running[record.id] = Running(claim: nextClaim, signals: nextSignals, task: task)
                }
                return running.count
            }
            if let final { onFinish?(final) }
            guard let (record, nextClaim, nextSignals) = handoff else {
                busyGauge.record(busy)
                wake.signal()
                return
            }
            (job, claim, signals) = (record, nextClaim, nextSignals)
        }
    }

    private func failed(_ claim: JobClaim, error: any Error, signals: RunningJobSignals) async -> JobRecord? {
        if let jobError = error as? JobError, jobError.kind == .conflict {
            logger.warning("a job finished after losing its lease; its outcome is dropped", metadata: ["id": "\(claim.id)"])
            return nil
        }
        do {
            let interrupted = error is CancellationError || Task.isCancelled
            if interrupted && !signals.cancellationRequested {
                // Shut down (or the lease was lost): not the job's fault, so the attempt is not counted.
                return try await queue.release(claim)
            }
            return try await queue.fail(claim, error: JobFailure(message: Self.message(error), stack: String(reflecting: error)),
                                        retryable: !(error is any UnrecoverableJobError))
        } catch let jobError as JobError where jobError.kind == .conflict {
            logger.warning("a job failed after losing its lease; its outcome is dropped", metadata: ["id": "\(claim.id)"])
        } catch {
            logger.error("cannot record a job's failure", metadata: ["id": "\(claim.id)", "error": "\(error)"])
        }
        return nil
    }

    static func message(_ error: any Error) -> String { String(describing: error) }
}

/// A job whose type has no handler.
struct NoHandler: UnrecoverableJobError, CustomStringConvertible {
    let type: String
    var description: String { "No handler registered for job type: \(type)" }
}

/// Set once, read by every runner.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var isSet: Bool { flag.load(ordering: .acquiring) }
    func set() { flag.store(true, ordering: .releasing) }
}
