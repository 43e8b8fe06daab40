import Foundation
import JSON
import Logging
import Storage

/// Every state change of a job, each inside the caller's write transaction, synchronous, and with
/// no effect outside it but after-commit hooks (metrics, worker wake-ups), so any of them may run in
/// a group commit, be re-run after map growth, or share a transaction with the caller's own writes.
struct JobTransitions: Sendable {
    let indexing: JobIndexing
    let events: JobEvents
    let metrics: JobMetrics
    let leaseMilliseconds: Int64
    let maxStalled: Int
    let random: @Sendable () -> Double
    let maxRemovalsPerFinish: Int
    let logger: Logger

    var tables: JobTables { indexing.tables }

    // MARK: Enqueue

    func enqueue(_ spec: JobSpec, now: Int64, in txn: WriteTransaction) throws -> JobRecord {
        try Self.validate(spec)
        let id = spec.id ?? UUID().lowercasedString
        if let existing = try indexing.load(id, in: txn) {
            guard existing.organizationID == spec.organizationID else { throw JobError.idTaken(id: id) }
            return existing
        }
        if let slot = spec.concurrencySlot {
            let held = try tables.slots.entries(in: txn, prefix: JobKeys.slotPrefix(slot.key), limit: max(0, slot.userLimit)).count
            if held >= slot.userLimit {
                throw JobError.concurrencyLimit(.user(key: slot.key, current: held, limit: slot.userLimit))
            }
            let global = try tables.slots.count(in: txn)
            if global >= slot.globalLimit {
                throw JobError.concurrencyLimit(.global(current: global, limit: slot.globalLimit))
            }
        }
        let (due, overflow) = now.addingReportingOverflow(spec.delayMilliseconds)
        guard !overflow else { throw JobError.invalid("delayMilliseconds \(spec.delayMilliseconds) is too large") }
        let record = JobRecord(
            id: id, queue: spec.options.queue, type: spec.type, payload: try Self.storable(spec.payload, "payload"),
            organizationID: spec.organizationID, userID: spec.userID, courseID: spec.courseID,
            state: spec.delayMilliseconds > 0 ? .delayed : .waiting, priority: spec.options.priority,
            attemptsMade: 0, maxAttempts: spec.options.attempts, backoff: spec.options.backoff,
            notBefore: due, createdAt: now, updatedAt: now, startedAt: nil, completedAt: nil, failedAt: nil,
            cancelledAt: nil, cancelledBy: nil, cancelRequested: false, progress: .object([:]), result: nil,
            errorMessage: nil, errorStack: nil, stalledCount: 0, lease: nil, retention: spec.options.retention,
            concurrencySlot: spec.concurrencySlot?.key, sequence: try indexing.nextSequence(in: txn)
        )
        try indexing.replace(nil, with: record, in: txn)
        announce(record, in: txn)
        return record
    }

    /// The deepest nesting a payload, progress or result may have (the stored record adds one level
    /// and reading allows `JSONText.defaultMaxDepth`).
    static let maxValueDepth = 32

    /// `value` in the form that reads back identically (integers that fit Int64 as `.int`, non-finite
    /// doubles as null, which JSON cannot hold), or `invalid` when it nests too deep.
    static func storable(_ value: JSONValue, _ what: String, depth: Int = 0) throws -> JSONValue {
        guard depth <= maxValueDepth else { throw JobError.invalid("\(what) nests deeper than \(maxValueDepth) levels") }
        switch value {
        case .uint(let u) where u <= UInt64(Int64.max): return .int(Int64(u))
        case .double(let d) where !d.isFinite: return .null
        case .array(let items): return .array(try items.map { try storable($0, what, depth: depth + 1) })
        case .object(let fields): return .object(try fields.mapValues { try storable($0, what, depth: depth + 1) })
        case .null, .bool, .int, .uint, .double, .string: return value
        }
    }

    static let maxNameBytes = 100
    static let maxIDBytes = 200

    static func validate(_ spec: JobSpec) throws {
        func check(_ value: String, _ name: String, max: Int) throws {
            guard !value.isEmpty, value.utf8.count <= max else {
                throw JobError.invalid("\(name) must be 1…\(max) bytes, got \(value.utf8.count)")
            }
        }
        if let id = spec.id { try check(id, "Job id", max: maxIDBytes) }
        try check(spec.type, "Job type", max: maxNameBytes)
        try check(spec.organizationID, "Organization id", max: maxNameBytes)
        if let user = spec.userID { try check(user, "User id", max: maxNameBytes) }
        if let course = spec.courseID { try check(course, "Course id", max: maxNameBytes) }
        try validateQueueName(spec.options.queue)
        let options = spec.options
        guard (1...1000).contains(options.attempts) else { throw JobError.invalid("attempts must be 1…1000, got \(options.attempts)") }
        guard (0...(10 * 365 * 86_400_000)).contains(spec.delayMilliseconds) else {
            throw JobError.invalid("delay must be 0…315360000000 ms (10 years), got \(spec.delayMilliseconds)")
        }
        if let backoff = options.backoff {
            guard (0...Backoff.maximumMilliseconds).contains(backoff.milliseconds) else {
                throw JobError.invalid("backoff delay must be 0…\(Backoff.maximumMilliseconds) ms, got \(backoff.milliseconds)")
            }
            guard backoff.jitter.isFinite, (0...1).contains(backoff.jitter) else {
                throw JobError.invalid("backoff jitter must be 0…1, got \(backoff.jitter)")
            }
        }
        for keep in [options.retention.onComplete, options.retention.onFail] {
            if case .limits(let count, let age) = keep, (count ?? 0) < 0 || (age ?? 0) < 0 {
                throw JobError.invalid("retention count and age must be ≥ 0")
            }
        }
        if let slot = spec.concurrencySlot {
            try check(slot.key, "Concurrency key", max: maxNameBytes)
            guard slot.userLimit >= 0, slot.globalLimit >= 0 else { throw JobError.invalid("concurrency limits must be ≥ 0") }
        }
    }

    static func validateQueueName(_ queue: String) throws {
        let allowed = queue.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
        }
        guard !queue.isEmpty, queue.utf8.count <= maxNameBytes, allowed else {
            throw JobError.invalid("Queue name must be 1…\(maxNameBytes) of A-Z a-z 0-9 . _ -, got \(queue.debugDescription)")
        }
    }

    /// Wakes whoever waits for this record's new state, after the commit.
    private func announce(_ record: JobRecord, in txn: WriteTransaction) {
        let events = events
        switch record.state {
        case .waiting:
            let queue = record.queue
            txn.afterCommit { events.jobReady(queue) }
        case .delayed:
            let due = record.notBefore
            txn.afterCommit { events.jobDelayed(due) }
        default:
            break
        }
    }

    // MARK: Claims and leases

    /// Moves due delayed jobs (all queues) to waiting; at most `limit` of them.
    @discardableResult
    func promoteDue(now: Int64, limit: Int = 10_000, in txn: WriteTransaction) throws -> Int {
        let due = try tables.delayed.entries(in: txn, below: JobKeys.delayed(due: now, sequence: .max), limit: limit)
        for (key, id) in due {
            guard var record = try loadIndexed(id, in: txn), record.state == .delayed else {
                try indexing.dropOrphan(delayed: key, in: txn)
                continue
            }
            let old = record
            record.state = .waiting
            record.sequence = try indexing.nextSequence(in: txn)
            record.updatedAt = now
            try indexing.replace(old, with: record, in: txn)
            announce(record, in: txn)
        }
        return due.count
    }

    func claim(queue: String, worker: String, limit: Int, now: Int64, in txn: WriteTransaction) throws -> [JobRecord] {
        guard limit > 0 else { return [] }
        try promoteDue(now: now, in: txn)
        let ready = try tables.ready.entries(in: txn, prefix: JobKeys.readyPrefix(queue: queue), limit: limit)
        var claimed: [JobRecord] = []
        claimed.reserveCapacity(ready.count)
        for (key, id) in ready {
            guard var record = try loadIndexed(id, in: txn), record.state == .waiting else {
                try indexing.dropOrphan(ready: key, in: txn)
                continue
            }
            let old = record
            let token = try indexing.nextSequence(in: txn)
            record.state = .active
            record.sequence = token
            record.startedAt = record.startedAt ?? now
            record.updatedAt = now
            record.lease = Lease(worker: worker, token: token, claimedAt: now, expiresAt: now &+ leaseMilliseconds)
            try indexing.replace(old, with: record, in: txn)
            let type = record.type, waited = now - record.notBefore, metrics = metrics
            txn.afterCommit { metrics.wait(type: type, milliseconds: waited) }
            claimed.append(record)
        }
        return claimed
    }

    /// The record a claim still holds, or `leaseLost` / `notFound`.
    func activeRecord(_ claim: JobClaim, in txn: ReadTransaction) throws -> JobRecord {
        guard let record = try indexing.load(claim.id, in: txn) else { throw JobError.notFound(id: claim.id) }
        guard record.state == .active, record.lease?.token == claim.token else { throw JobError.leaseLost(id: claim.id) }
        return record
    }

    /// Extends the claim's lease; `.renewed(cancelRequested:)` or `.lost`.
    func renew(_ claim: JobClaim, now: Int64, in txn: WriteTransaction) throws -> LeaseRenewal {
        let record: JobRecord
        do {
            record = try activeRecord(claim, in: txn)
        } catch let error as JobError where error.kind == .conflict || error.kind == .notFound {
            return .lost
        }
        var renewed = record
        renewed.lease?.expiresAt = now &+ leaseMilliseconds
        try indexing.replace(record, with: renewed, in: txn)
        return .renewed(cancelRequested: record.cancelRequested)
    }

    func updateProgress(_ claim: JobClaim, progress: JSONValue, now: Int64, in txn: WriteTransaction) throws -> JobRecord {
        let record = try activeRecord(claim, in: txn)
        var updated = record
        updated.progress = try Self.storable(progress, "progress")
        updated.updatedAt = now
        try indexing.replace(record, with: updated, in: txn)
        return updated
    }

    // MARK: Finishing

    func complete(_ claim: JobClaim, result: JSONValue, now: Int64, alsoWrite: ((WriteTransaction) throws -> Void)?,
                  in txn: WriteTransaction) throws -> JobRecord {
        let record = try activeRecord(claim, in: txn)
        if record.cancelRequested { return try finishCancelled(record, by: record.cancelledBy, now: now, in: txn) }
        try alsoWrite?(txn)
        var done = record
        done.state = .completed
        done.completedAt = now
        done.updatedAt = now
        done.result = try Self.storable(result, "result")
        done.attemptsMade = record.attemptsMade + 1
        done.lease = nil
        done.concurrencySlot = nil
        try finish(record, as: done, keep: record.retention.onComplete, now: now, in: txn)
        recordAttempt(record, outcome: .completed, now: now, in: txn)
        return done
    }

    /// Completes the claim and claims the next job of the same queue for the same worker in the same
    /// transaction (BullMQ's fetch-next on completion): one commit per job for a busy slot.
    func completeAndClaim(_ claim: JobClaim, result: JSONValue, worker: String, now: Int64,
                          alsoWrite: ((WriteTransaction) throws -> Void)?, in txn: WriteTransaction) throws -> (JobRecord, JobRecord?) {
        let done = try complete(claim, result: result, now: now, alsoWrite: alsoWrite, in: txn)
        return (done, try self.claim(queue: done.queue, worker: worker, limit: 1, now: now, in: txn).first)
    }

    /// A failed attempt: retried after its backoff (→ `delayed`, or `waiting` with no delay) while
    /// attempts remain and the error is retryable, else `failed`.
    func fail(_ claim: JobClaim, error: JobFailure, retryable: Bool, now: Int64, in txn: WriteTransaction) throws -> JobRecord {
        let record = try activeRecord(claim, in: txn)
        if record.cancelRequested { return try finishCancelled(record, by: record.cancelledBy, now: now, in: txn) }
        var next = record
        next.attemptsMade = record.attemptsMade + 1
        next.errorMessage = error.message
        next.errorStack = error.stack
        next.updatedAt = now
        next.lease = nil
        if retryable && next.attemptsMade < record.maxAttempts {
            let delay = record.backoff?.delay(afterAttempt: next.attemptsMade, random: random()) ?? 0
            next.state = delay > 0 ? .delayed : .waiting
            next.notBefore = now &+ delay
            next.sequence = try indexing.nextSequence(in: txn)
            try indexing.replace(record, with: next, in: txn)
            announce(next, in: txn)
            recordAttempt(record, outcome: .retried, now: now, in: txn)
        } else {
            next.state = .failed
            next.failedAt = now
            next.concurrencySlot = nil
            try finish(record, as: next, keep: record.retention.onFail, now: now, in: txn)
            recordAttempt(record, outcome: .failed, now: now, in: txn)
        }
        return next
    }

    /// Puts an active job back to waiting without counting the attempt (a graceful shutdown gave up
    /// waiting for it).
    func release(_ claim: JobClaim, now: Int64, in txn: WriteTransaction) throws -> JobRecord {
        let record = try activeRecord(claim, in: txn)
        if record.cancelRequested { return try finishCancelled(record, by: record.cancelledBy, now: now, in: txn) }
        var back = record
        back.state = .waiting
        back.lease = nil
        back.notBefore = now
        back.updatedAt = now
        back.sequence = try indexing.nextSequence(in: txn)
        try indexing.replace(record, with: back, in: txn)
        announce(back, in: txn)
        return back
    }

    func cancel(_ id: String, by: String?, now: Int64, in txn: WriteTransaction) throws -> CancelOutcome {
        guard let record = try indexing.load(id, in: txn) else { throw JobError.notFound(id: id) }
        switch record.state {
        case .cancelled:
            return .alreadyCancelled(record)
        case .completed, .failed:
            return .alreadyFinished(record)
        case .waiting, .delayed:
            return .cancelled(try finishCancelled(record, by: by, now: now, in: txn))
        case .active:
            if record.cancelRequested { return .cancelRequested(record) }
            var asked = record
            asked.cancelRequested = true
            asked.cancelledBy = by
            asked.cancelledAt = now
            asked.updatedAt = now
            try indexing.replace(record, with: asked, in: txn)
            let events = events
            txn.afterCommit { events.cancelRequested(id) }
            return .cancelRequested(asked)
        }
    }

    private func finishCancelled(_ record: JobRecord, by: String?, now: Int64, in txn: WriteTransaction) throws -> JobRecord {
        var cancelled = record
        cancelled.state = .cancelled
        cancelled.cancelledAt = record.cancelledAt ?? now
        cancelled.cancelledBy = by
        cancelled.updatedAt = now
        cancelled.lease = nil
        cancelled.concurrencySlot = nil
        if record.state == .active { cancelled.attemptsMade = record.attemptsMade + 1 }
        try finish(record, as: cancelled, keep: record.retention.onFail, now: now, in: txn)
        if record.state == .active {
            recordAttempt(record, outcome: .cancelled, now: now, in: txn)
        } else {
            let queue = record.queue, type = record.type, metrics = metrics
            txn.afterCommit { metrics.count(.cancelled, queue: queue, type: type) }
        }
        return cancelled
    }

    /// Writes a terminal record (or removes it at once when `keep` is `.none`), then trims the
    /// queue's finished jobs of that state to `keep`.
    private func finish(_ old: JobRecord, as done: JobRecord, keep: KeepJobs, now: Int64, in txn: WriteTransaction) throws {
        switch keep {
        case .none:
            try indexing.replace(old, with: nil, in: txn)
        case .all:
            try indexing.replace(old, with: done, in: txn)
        case .limits(let count, let ageSeconds):
            try indexing.replace(old, with: done, in: txn)
            try trim(queue: done.queue, state: done.state, count: count, ageSeconds: ageSeconds, now: now, in: txn)
        }
    }

    /// Removes the oldest finished jobs of `queue` in `state` past `count` and older than `ageSeconds`
    /// (at most `maxRemovalsPerFinish` per call; the next finish goes on, like BullMQ's lazy removal).
    private func trim(queue: String, state: JobState, count: Int?, ageSeconds: Int64?, now: Int64, in txn: WriteTransaction) throws {
        let prefix = JobKeys.finishedPrefix(queue: queue, state: state)
        var total = Int(clamping: try txn.counter(JobKeys.queueCount(queue, state), in: tables.counts))
        let excess = max(0, total - (count ?? .max))
        let cutoff: Int64? = ageSeconds.map { now - min($0, Int64.max / 2000) * 1000 }
        let candidates = try tables.finished.entries(in: txn, prefix: prefix, limit: min(maxRemovalsPerFinish, max(excess, cutoff == nil ? 0 : maxRemovalsPerFinish)))
        var removed = 0
        for (key, id) in candidates where removed < maxRemovalsPerFinish {
            let overCount = total > (count ?? .max)
            let tooOld = cutoff.map { (JobKeys.finishedTime(key, prefixLength: prefix.count) ?? .max) < $0 } ?? false
            guard overCount || tooOld else { break }
            if let record = try loadIndexed(id, in: txn) {
                try indexing.replace(record, with: nil, in: txn)
            } else {
                try indexing.dropOrphan(finished: key, in: txn)
            }
            total -= 1
            removed += 1
        }
    }

    // MARK: Stalls

    /// Active jobs whose lease ran out by `now` go back to waiting (attempt counted, `stalledCount` + 1)
    /// or fail past `maxStalled` stalls or their attempts. At most `limit` per call.
    func recoverExpired(now: Int64, limit: Int = 10_000, in txn: WriteTransaction) throws -> [JobRecord] {
        let expired = try tables.active.entries(in: txn, below: JobKeys.active(expiresAt: now, sequence: .max), limit: limit)
        return try stall(expired, now: now, in: txn)
    }

    /// Every active job, whatever its lease: what a process that starts finds left by a dead one.
    func recoverAllActive(now: Int64, limit: Int = 10_000, in txn: WriteTransaction) throws -> [JobRecord] {
        try stall(try tables.active.entries(in: txn, limit: limit), now: now, in: txn)
    }

    private func stall(_ entries: [(key: [UInt8], value: String)], now: Int64, in txn: WriteTransaction) throws -> [JobRecord] {
        var recovered: [JobRecord] = []
        for (key, id) in entries {
            guard let record = try loadIndexed(id, in: txn), record.state == .active else {
                try indexing.dropOrphan(active: key, in: txn)
                continue
            }
            if record.cancelRequested {
                recovered.append(try finishCancelled(record, by: record.cancelledBy, now: now, in: txn))
                continue
            }
            var next = record
            next.attemptsMade = record.attemptsMade + 1
            next.stalledCount = record.stalledCount + 1
            next.lease = nil
            next.updatedAt = now
            recordAttempt(record, outcome: .stalled, now: now, in: txn)
            if next.stalledCount > maxStalled || next.attemptsMade >= record.maxAttempts {
                next.state = .failed
                next.failedAt = now
                next.concurrencySlot = nil
                next.errorMessage = next.stalledCount > maxStalled
                    ? "job stalled more than allowable limit"
                    : "job stalled and has no attempts left (\(next.attemptsMade) of \(record.maxAttempts))"
                try finish(record, as: next, keep: record.retention.onFail, now: now, in: txn)
                let queue = record.queue, type = record.type, metrics = metrics
                txn.afterCommit { metrics.count(.failed, queue: queue, type: type) }
            } else {
                next.state = .waiting
                next.notBefore = now
                next.sequence = try indexing.nextSequence(in: txn)
                try indexing.replace(record, with: next, in: txn)
                announce(next, in: txn)
            }
            recovered.append(next)
        }
        return recovered
    }

    /// Drops slot holders whose job is missing or terminal (none, when every transition kept the
    /// invariant): the slot counts are the holder entries, so they are recomputed from the records.
    func reconcileSlots(in txn: WriteTransaction) throws -> Int {
        var stale: [[UInt8]] = []
        try tables.slots.forEach(in: txn) { key, _ in
            // key = slot key (length-prefixed) · id
            guard let length = key.first.map(Int.init), key.count > 1 + length else {
                stale.append(key)
                return true
            }
            let id = String(decoding: key[(1 + length)...], as: UTF8.self)
            let holds: Bool
            if let record = try? indexing.load(id, in: txn) {
                holds = !record.state.isTerminal && record.concurrencySlot != nil
            } else {
                holds = false  // missing or damaged
            }
            if !holds { stale.append(key) }
            return true
        }
        for key in stale { try tables.slots.delete(key, in: txn) }
        return stale.count
    }

    // MARK: Helpers

    /// Loads a record an index points at; a damaged one is logged and treated as missing, so the
    /// caller drops the index entry and the queue moves on.
    private func loadIndexed(_ id: String, in txn: ReadTransaction) throws -> JobRecord? {
        do {
            return try indexing.load(id, in: txn)
        } catch let error as JobError {
            logger.error("skipping a damaged job record", metadata: ["id": "\(id)", "error": "\(error)"])
            return nil
        }
    }

    /// Metrics of an attempt that ended (after the commit).
    private func recordAttempt(_ record: JobRecord, outcome: JobMetrics.Outcome, now: Int64, in txn: WriteTransaction) {
        let queue = record.queue, type = record.type, metrics = metrics
        let duration = record.lease.map { now - $0.claimedAt }
        txn.afterCommit {
            metrics.count(outcome, queue: queue, type: type)
            if let duration { metrics.duration(type: type, milliseconds: duration) }
        }
    }
}

/// What renewing a lease found.
public enum LeaseRenewal: Sendable, Equatable {
    /// Extended; `cancelRequested` tells the holder whether `cancel` reached the job.
    case renewed(cancelRequested: Bool)
    /// The claim no longer holds the job: stop working on it.
    case lost
}
