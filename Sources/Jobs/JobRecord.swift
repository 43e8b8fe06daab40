import JSON

/// Where a job is in its life.
///
/// `waiting` (ready to be claimed) → `active` (claimed, under a lease) → `completed`, `failed` or
/// `cancelled` (the terminal states); `delayed` jobs wait for their `notBefore` time (a delay or a
/// retry's backoff) and then become `waiting`.
public enum JobState: String, Sendable, Codable, CaseIterable, Hashable {
    case waiting, delayed, active, completed, failed, cancelled

    /// Completed, failed or cancelled: the job will not run again.
    public var isTerminal: Bool {
        switch self {
        case .completed, .failed, .cancelled: true
        case .waiting, .delayed, .active: false
        }
    }

    /// The state's byte in index keys.
    var code: UInt8 {
        switch self {
        case .waiting: 1
        case .delayed: 2
        case .active: 3
        case .completed: 4
        case .failed: 5
        case .cancelled: 6
        }
    }
}

/// How long to wait before retrying a failed attempt: BullMQ's built-in strategies (`backoffs.ts`).
///
/// - `fixed(milliseconds, jitter)`: `delay`; with jitter `j` in (0, 1], uniform in `[(1 − j)·delay, delay)`.
/// - `exponential(milliseconds, jitter)`: `round(2^(attemptsMade − 1) · delay)`; with jitter, uniform in
///   `[(1 − j)·max, max)` where `max` is that value.
public enum Backoff: Sendable, Equatable {
    case fixed(milliseconds: Int64, jitter: Double = 0)
    case exponential(milliseconds: Int64, jitter: Double = 0)

    /// The longest delay any backoff yields (30 days): exponential growth is clamped here.
    public static let maximumMilliseconds: Int64 = 30 * 24 * 3_600_000

    /// The delay after the attempt numbered `attemptsMade` (1 after the first failure), with
    /// `random` uniform in [0, 1) for the jitter.
    public func delay(afterAttempt attemptsMade: Int, random: Double) -> Int64 {
        let (base, jitter): (Double, Double)
        switch self {
        case .fixed(let milliseconds, let j):
            (base, jitter) = (Double(milliseconds), j)
        case .exponential(let milliseconds, let j):
            let exponent = Double(max(0, attemptsMade - 1))
            (base, jitter) = ((Double(milliseconds) * Self.power2(exponent)).rounded(), j)
        }
        let bounded = min(base, Double(Self.maximumMilliseconds))
        guard jitter > 0 else { return Int64(bounded) }
        let minimum = bounded * (1 - min(jitter, 1))
        return Int64((random * bounded * min(jitter, 1) + minimum).rounded(.down))
    }

    private static func power2(_ exponent: Double) -> Double {
        // 2^63 already exceeds any clamp; stop there instead of producing infinity.
        var result = 1.0
        var remaining = min(exponent, 63)
        while remaining >= 1 {
            result *= 2
            remaining -= 1
        }
        return result
    }

    var milliseconds: Int64 {
        switch self {
        case .fixed(let ms, _), .exponential(let ms, _): ms
        }
    }

    var jitter: Double {
        switch self {
        case .fixed(_, let j), .exponential(_, let j): j
        }
    }
}

/// Which finished jobs to keep: BullMQ's `removeOnComplete` / `removeOnFail` values.
///
/// - `all` (BullMQ `false`, its default): keep every finished job.
/// - `none` (BullMQ `true`): remove the job as soon as it finishes.
/// - `limits(count:ageSeconds:)` (BullMQ `N` or `{age, count}`): keep at most `count` finished jobs of
///   the queue in that state (the newest) and none older than `ageSeconds`; either may be nil. As in
///   BullMQ, the finishing job's policy trims the whole queue's set, lazily, when a job finishes.
public enum KeepJobs: Sendable, Equatable {
    case all
    case none
    case limits(count: Int?, ageSeconds: Int64?)

    /// BullMQ's `removeOnComplete: N`: keep the last `n`.
    public static func last(_ n: Int) -> KeepJobs { .limits(count: n, ageSeconds: nil) }
}

/// What to keep once jobs finish. Failed and cancelled jobs both follow `onFail`.
public struct Retention: Sendable, Equatable {
    public var onComplete: KeepJobs
    public var onFail: KeepJobs

    public init(onComplete: KeepJobs = .all, onFail: KeepJobs = .all) {
        self.onComplete = onComplete
        self.onFail = onFail
    }

    /// Keep everything (BullMQ's default).
    public static let keepAll = Retention()
}

/// An active job's lease: the worker holding it and until when.
public struct Lease: Sendable, Equatable {
    /// The worker that claimed the job.
    public var worker: String
    /// Unique per claim: a claim whose token no longer matches has lost the job.
    public var token: UInt64
    /// When this attempt was claimed (ms since the epoch).
    public var claimedAt: Int64
    /// When the lease runs out unless renewed (ms since the epoch).
    public var expiresAt: Int64
}

/// A worker's handle on one claimed attempt of a job: what `complete`, `fail`, `renewLeases`,
/// `updateProgress` and `release` take, so a worker whose lease ran out cannot finish a job that
/// another worker has claimed since.
public struct JobClaim: Sendable, Hashable {
    public let id: String
    public let token: UInt64
}

/// One job, as stored (JSON in `jobs.records`).
///
/// Invariants (kept by `JobQueue`, which alone writes records):
/// - `state == .active` ⇔ `lease != nil`; `lease.token` is unique among all claims ever made.
/// - `attemptsMade ≤ maxAttempts`; an attempt is counted when it completes, fails or stalls.
/// - `concurrencySlot != nil` ⇔ the job holds a generation slot; it is set only while the job is
///   not terminal and cleared in the commit that makes it terminal.
/// - Every index entry of the job (ready order, delayed, active, finished, per organisation, per
///   user, counts, slots) is derived from the record and changes in the same transaction.
///
/// Priority: **higher runs first** (FIFO within one priority). The platform's tier numbers (premium
/// 10 … free 1) ran backwards under BullMQ's lower-first rule; here premium is served first.
public struct JobRecord: Sendable, Equatable {
    /// Caller-chosen (enqueueing the same id again returns this job), else a UUID.
    public var id: String
    public var queue: String
    /// `test_job`, `initialize`, `document_processing`, …: which handler runs it.
    public var type: String
    public var payload: JSONValue
    public var organizationID: String
    public var userID: String?
    public var courseID: String?
    public var state: JobState
    /// Higher runs first.
    public var priority: Int
    public var attemptsMade: Int
    public var maxAttempts: Int
    /// nil: a failed attempt is retried at once.
    public var backoff: Backoff?
    /// When the job is (or was) due to be claimable: the enqueue time plus its delay, a retry's
    /// backoff end, or the time a stalled job was put back (ms since the epoch).
    public var notBefore: Int64
    public var createdAt: Int64
    public var updatedAt: Int64
    /// The first attempt's start.
    public var startedAt: Int64?
    public var completedAt: Int64?
    public var failedAt: Int64?
    public var cancelledAt: Int64?
    public var cancelledBy: String?
    /// Set when `cancel` reached the job while it was active: its handler is told and it ends `cancelled`.
    public var cancelRequested: Bool
    public var progress: JSONValue
    public var result: JSONValue?
    public var errorMessage: String?
    public var errorStack: String?
    /// How many times its lease ran out (a crashed or hung worker, or a restart).
    public var stalledCount: Int
    public var lease: Lease?
    public var retention: Retention
    /// The concurrency key (user) of the generation slot this job holds, while it holds one.
    public var concurrencySlot: String?
    /// The tie-breaker of the job's current ready, delayed or active index key (a fresh value from
    /// the queue's sequence each time the job enters one of those states).
    package var sequence: UInt64

    /// This attempt's claim, while the job is active.
    public var claim: JobClaim? { lease.map { JobClaim(id: id, token: $0.token) } }
}
