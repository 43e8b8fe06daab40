/// What a queue operation can fail with: a domain error with a kind and a message a user can act on
/// (the API layer maps kinds to its statuses).
public enum JobError: Error, Equatable, CustomStringConvertible, Sendable {
    /// No job has this id.
    case notFound(id: String)
    /// The request is malformed (an empty organisation, a bad queue name, attempts out of range …).
    case invalid(String)
    /// The claim no longer holds the job: its lease ran out and the job was put back or claimed again,
    /// or the job finished.
    case leaseLost(id: String)
    /// A generation concurrency limit is reached; nothing was written.
    case concurrencyLimit(ConcurrencyLimit)
    /// A stored record could not be decoded; it is reported, never trusted.
    case damagedRecord(id: String, reason: String)
    /// A caller-chosen id is taken by a job of another organisation (ids are global; idempotent
    /// enqueue returns the existing job only to its own organisation).
    case idTaken(id: String)

    /// Which limit refused a concurrency slot, with its numbers.
    public enum ConcurrencyLimit: Equatable, Sendable {
        /// The user already holds `current` of `limit` slots.
        case user(key: String, current: Int, limit: Int)
        /// Everyone together holds `current` of `limit` slots.
        case global(current: Int, limit: Int)
    }

    public enum Kind: Sendable, Equatable {
        case notFound, invalid, conflict, limitExceeded, damaged
    }

    public var kind: Kind {
        switch self {
        case .notFound: .notFound
        case .invalid: .invalid
        case .leaseLost, .idTaken: .conflict
        case .concurrencyLimit: .limitExceeded
        case .damagedRecord: .damaged
        }
    }

    public var description: String {
        switch self {
        case .notFound(let id): "Job \(id) not found"
        case .invalid(let message): message
        case .leaseLost(let id): "Job \(id) is no longer held by this worker (its lease ran out or it finished)"
        case .concurrencyLimit(.user(let key, let current, let limit)):
            "User \(key) already has \(current) of \(limit) concurrent jobs allowed"
        case .concurrencyLimit(.global(let current, let limit)):
            "System at capacity: \(current) of \(limit) concurrent jobs are running"
        case .damagedRecord(let id, let reason): "Stored job \(id) is damaged: \(reason)"
        case .idTaken(let id): "Job id \(id) is already used; choose another id"
        }
    }
}

/// What `cancel` did, so the API can answer in the contract's words.
public enum CancelOutcome: Sendable, Equatable {
    /// The job was waiting or delayed and is now `cancelled`.
    case cancelled(JobRecord)
    /// The job is active: `cancelRequested` is set, its handler has been told, and it will end `cancelled`.
    case cancelRequested(JobRecord)
    /// It was cancelled before ("Job <id> is already cancelled").
    case alreadyCancelled(JobRecord)
    /// It completed or failed ("Cannot cancel job <id> because it is already <state>").
    case alreadyFinished(JobRecord)

    public var record: JobRecord {
        switch self {
        case .cancelled(let r), .cancelRequested(let r), .alreadyCancelled(let r), .alreadyFinished(let r): r
        }
    }
}

/// Why an attempt failed, as stored in `errorMessage` / `errorStack`.
public struct JobFailure: Sendable, Equatable {
    public var message: String
    public var stack: String?

    public init(message: String, stack: String? = nil) {
        self.message = message
        self.stack = stack
    }
}
