import JSON

/// What a caller asks for when it enqueues a job.
///
/// - `id` (String?, default nil = a new UUID): a caller-chosen id makes enqueueing idempotent:
///   enqueueing an id that exists returns the existing job unchanged (BullMQ's `duplicated`).
/// - `type` (String): the handler that runs it.
/// - `payload` (JSONValue, default `{}`).
/// - `organizationID` (String, required), `userID` and `courseID` (String?, default nil).
/// - `delayMilliseconds` (Int64, default 0): the job is `delayed` until then.
/// - `options` (JobOptions, default `JobOptions.defaults(for: type)`): queue, priority (higher
///   first), attempts, backoff, retention.
/// - `concurrencySlot` (ConcurrencySlot?, default nil): a generation slot reserved in the enqueue
///   transaction and released when the job becomes terminal.
public struct JobSpec: Sendable {
    public var id: String?
    public var type: String
    public var payload: JSONValue
    public var organizationID: String
    public var userID: String?
    public var courseID: String?
    public var delayMilliseconds: Int64
    public var options: JobOptions
    public var concurrencySlot: ConcurrencySlot?

    public init(
        id: String? = nil, type: String, payload: JSONValue = .object([:]), organizationID: String,
        userID: String? = nil, courseID: String? = nil, delayMilliseconds: Int64 = 0,
        options: JobOptions? = nil, concurrencySlot: ConcurrencySlot? = nil
    ) {
        self.id = id
        self.type = type
        self.payload = payload
        self.organizationID = organizationID
        self.userID = userID
        self.courseID = courseID
        self.delayMilliseconds = delayMilliseconds
        self.options = options ?? .defaults(for: type)
        self.concurrencySlot = concurrencySlot
    }
}

/// How a job is run and kept.
///
/// - `queue` (String): which workers take it (`fast`, `documents`, or any name of 1…100 of
///   `A-Z a-z 0-9 . _ -`).
/// - `priority` (Int, default 0): **higher runs first**, FIFO within one priority.
/// - `attempts` (Int, 1…1000, default 3): attempts before the job fails for good.
/// - `backoff` (Backoff?, default exponential 1000 ms): the wait before a retry; nil retries at once.
/// - `retention` (Retention, default keep everything): `removeOnComplete` / `removeOnFail`.
public struct JobOptions: Sendable, Equatable {
    public var queue: String
    public var priority: Int
    public var attempts: Int
    public var backoff: Backoff?
    public var retention: Retention

    public init(queue: String, priority: Int = 0, attempts: Int = 3, backoff: Backoff? = .exponential(milliseconds: 1000),
                retention: Retention = .keepAll) {
        self.queue = queue
        self.priority = priority
        self.attempts = attempts
        self.backoff = backoff
        self.retention = retention
    }
}

/// A generation concurrency slot (contract §4.3): the job counts against `userLimit` jobs of its
/// key (the user) and `globalLimit` jobs of everyone while it is not terminal. Enqueueing past a limit
/// throws `JobError.concurrencyLimit` and writes nothing.
public struct ConcurrencySlot: Sendable, Equatable {
    /// Whose slots: the user id.
    public var key: String
    public var userLimit: Int
    public var globalLimit: Int

    public init(key: String, userLimit: Int, globalLimit: Int) {
        self.key = key
        self.userLimit = userLimit
        self.globalLimit = globalLimit
    }
}
