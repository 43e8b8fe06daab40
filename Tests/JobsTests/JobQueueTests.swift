import Foundation
import JSON
import Testing
@testable import Jobs
import Storage

@Suite("Job queue state machine")
struct JobQueueTests {
    @Test("enqueue → waiting → claim (lease) → complete, with counts and the result stored")
    func lifecycle() async throws {
        let f = try QueueFixture()
        defer { f.remove() }
        let job = try await f.queue.enqueue(spec(payload: .object(["x": .int(1)])))
        #expect(job.state == .waiting)
        #expect(job.attemptsMade == 0 && job.maxAttempts == 3)
        #expect(try f.queue.counts()["fast"]?[.waiting] == 1)

        let claimed = try await f.queue.claimOne()
        #expect(claimed.id == job.id && claimed.state == .active)
        #expect(claimed.lease?.worker == "w")
        #expect(claimed.lease?.expiresAt == f.clock.now() + 30_000)
        #expect(claimed.startedAt == f.clock.now())
        #expect(try await f.queue.claim(queue: "fast", worker: "w", limit: 5).isEmpty, "an active job is not claimed twice")

        f.clock.advance(by: 250)
        let done = try await f.queue.complete(try claimed.requiredClaim, result: .object(["ok": .bool(true)]))
        #expect(done.state == .completed && done.attemptsMade == 1 && done.lease == nil)
        #expect(done.completedAt == f.clock.now())
        #expect(try f.queue.get(job.id) == done)
        #expect(try f.queue.counts()["fast"] == [.completed: 1])
        await #expect(throws: JobError.leaseLost(id: job.id)) {
            _ = try await f.queue.complete(try claimed.requiredClaim, result: .null)
        }
    }

    @Test("a completion can claim the worker's next job in the same commit")
    func completeAndClaimNext() async throws {
        let f = try QueueFixture()
        defer { f.remove() }
        _ = try await f.queue.enqueue(spec("first"))
        _ = try await f.queue.enqueue(spec("second", priority: 5))
        _ = try await f.queue.enqueue(spec("elsewhere", queue: "documents"))
        let first = try await f.queue.claim(queue: "fast", worker: "w", limit: 1)
        #expect(first.map(\.id) == ["second"])
        let before = f.queue.committer.statistics.commits
        let (done, next) = try await f.queue.completeAndClaimNext(try #require(first.first).requiredClaim, result: .int(1), worker: "w2")
        #expect(f.queue.committer.statistics.commits == before + 1)
        #expect(done.state == .completed && done.result == .int(1))
        #expect(next?.id == "first" && next?.state == .active && next?.lease?.worker == "w2")
        let (_, none) = try await f.queue.completeAndClaimNext(try #require(next).requiredClaim, result: .null, worker: "w2")
        #expect(none == nil, "the documents queue's job is not taken")
    }

    @Test("a caller-chosen id makes enqueue idempotent; the first job is returned unchanged")
    func idempotentIDs() async throws {
        let f = try QueueFixture()
        defer { f.remove() }
        let first = try await f.queue.enqueue(spec("job-1", payload: .string("first")))
        f.clock.advance(by: 10)
        let second = try await f.queue.enqueue(spec("job-1", priority: 9, payload: .string("second")))
        #expect(second == first)
        #expect(try f.queue.counts()["fast"]?[.waiting] == 1)
        await #expect(throws: JobError.idTaken(id: "job-1"), "another organisation never sees the job") {
            _ = try await f.queue.enqueue(spec("job-1", org: "org-2"))
        }
        let generated = try await f.queue.enqueue(spec())
        #expect(UUID(uuidString: generated.id) != nil)
    }

    @Test("higher priority runs first, FIFO within one priority")
    func priorities() async throws {
        let f = try QueueFixture()
        defer { f.remove() }
        for (id, priority) in [("a", 1), ("b", 10), ("c", 5), ("d", 10), ("e", -3), ("f", 5)] {
            _ = try await f.queue.enqueue(spec(id, priority: priority))
        }
        let order = try await f.queue.claim(queue: "fast", worker: "w", limit: 10).map(\.id)
        #expect(order == ["b", "d", "c", "f", "a", "e"])
    }

    @Test("queues are separate")
    func separateQueues() async throws {
        let f = try QueueFixture()
        defer { f.remove() }
        _ = try await f.queue.enqueue(spec("doc", queue: "documents"))
        _ = try await f.queue.enqueue(spec("fast"))
        #expect(try await f.queue.claim(queue: "fast", worker: "w", limit: 10).map(\.id) == ["fast"])
        #expect(try await f.queue.claim(queue: "documents", worker: "w", limit: 10).map(\.id) == ["doc"])
    }

    @Test("a delayed job becomes claimable at its time, not before")
    func delays() async throws {
        let f = try QueueFixture()
        defer { f.remove() }
        let job = try await f.queue.enqueue(spec(delay: 5_000))
        #expect(job.state == .delayed && job.notBefore == f.clock.now() + 5_000)
        #expect(try f.queue.nextDeadline() == job.notBefore)
        f.clock.advance(by: 4_999)
        #expect(try await f.queue.claim(queue: "fast", worker: "w", limit: 1).isEmpty)
        f.clock.advance(by: 1)
        #expect(try await f.queue.claimOne().id == job.id)
    }

    @Test("exponential backoff: retries after exactly 1 s and 2 s, then failed with the last error")
    func exponentialBackoff() async throws {
        let f = try QueueFixture()
        defer { f.remove() }
        let id = try await f.queue.enqueue(spec(attempts: 3, backoff: .exponential(milliseconds: 1000))).id
        var delays: [Int64] = []
        for attempt in 1...3 {
            let claimed = try await f.queue.claimOne()
            let failed = try await f.queue.fail(try claimed.requiredClaim, error: JobFailure(message: "boom \(attempt)"))
            #expect(failed.attemptsMade == attempt)
            #expect(failed.errorMessage == "boom \(attempt)")
            if attempt < 3 {
                #expect(failed.state == .delayed)
                delays.append(failed.notBefore - f.clock.now())
                #expect(try await f.queue.claim(queue: "fast", worker: "w", limit: 1).isEmpty)
                f.clock.advance(by: failed.notBefore - f.clock.now())
            } else {
                #expect(failed.state == .failed && failed.failedAt == f.clock.now())
            }
        }
        #expect(delays == [1000, 2000])
        #expect(try f.queue.get(id)?.state == .failed)
    }

    @Test("BullMQ's backoff formulas: fixed, exponential, jitter bounds, clamping")
    func backoffFormulas() {
        #expect(Backoff.fixed(milliseconds: 700).delay(afterAttempt: 5, random: 0.9) == 700)
        #expect((1...5).map { Backoff.exponential(milliseconds: 1000).delay(afterAttempt: $0, random: 0) } == [1000, 2000, 4000, 8000, 16000])
        #expect(Backoff.exponential(milliseconds: 3000).delay(afterAttempt: 7, random: 0) == 192_000)  // BullMQ docs: 2^6 × 3000
        let jittered = Backoff.exponential(milliseconds: 1000, jitter: 0.5)
        for r in [0.0, 0.25, 0.5, 0.999_999] {
            let d = jittered.delay(afterAttempt: 3, random: r)
            #expect(d >= 2000 && d < 4000, "\(d) outside [2000, 4000)")
        }
        #expect(jittered.delay(afterAttempt: 3, random: 0) == 2000)
        let fixedJitter = Backoff.fixed(milliseconds: 1000, jitter: 0.2)
        #expect(fixedJitter.delay(afterAttempt: 1, random: 0) == 800)
        #expect(fixedJitter.delay(afterAttempt: 1, random: 0.999_999) == 999)
        #expect(Backoff.exponential(milliseconds: 1000).delay(afterAttempt: 10_000, random: 0) == Backoff.maximumMilliseconds)
    }

    @Test("jitter through the queue draws from the injected random source")
    func jitterThroughQueue() async throws {
        let f = try QueueFixture(random: { 0 })
        defer { f.remove() }
        _ = try await f.queue.enqueue(spec(backoff: .fixed(milliseconds: 1000, jitter: 0.5)))
        let claimed = try await f.queue.claimOne()
        let retried = try await f.queue.fail(try claimed.requiredClaim, error: JobFailure(message: "x"))
        #expect(retried.notBefore - f.clock.now() == 500)
    }

    @Test("no backoff retries at once; a non-retryable error fails at once")
    func immediateRetryAndUnrecoverable() async throws {
        let f = try QueueFixture()
        defer { f.remove() }
        _ = try await f.queue.enqueue(spec("a", backoff: nil))
        let first = try await f.queue.claimOne()
        let retried = try await f.queue.fail(try first.requiredClaim, error: JobFailure(message: "x"))
        #expect(retried.state == .waiting)
        let second = try await f.queue.claimOne()
        #expect(second.id == "a" && second.startedAt == first.startedAt)
        let failed = try await f.queue.fail(try second.requiredClaim, error: JobFailure(message: "fatal"), retryable: false)
        #expect(failed.state == .failed && failed.attemptsMade == 2)
    }

    @Test("cancel: waiting and delayed at once; active asked and ends cancelled; finished and missing answered")
    func cancellation() async throws {
        let f = try QueueFixture()
        defer { f.remove() }
        _ = try await f.queue.enqueue(spec("waiting"))
        _ = try await f.queue.enqueue(spec("delayed", delay: 60_000))
        guard case .cancelled(let w) = try await f.queue.cancel("waiting", by: "admin") else { throw TestFailure("waiting not cancelled") }
        #expect(w.state == .cancelled && w.cancelledBy == "admin" && w.cancelledAt == f.clock.now())
        guard case .cancelled(let d) = try await f.queue.cancel("delayed", by: nil) else { throw TestFailure("delayed not cancelled") }
        #expect(d.state == .cancelled)
        f.clock.advance(by: 60_000)
        #expect(try await f.queue.claim(queue: "fast", worker: "w", limit: 10).isEmpty)
        guard case .alreadyCancelled = try await f.queue.cancel("waiting", by: nil) else { throw TestFailure("not already cancelled") }

        _ = try await f.queue.enqueue(spec("active"))
        let active = try await f.queue.claimOne()
        guard case .cancelRequested(let asked) = try await f.queue.cancel("active", by: "teacher") else { throw TestFailure("active not asked") }
        #expect(asked.state == .active && asked.cancelRequested && asked.cancelledBy == "teacher")
        #expect(try await f.queue.renewLease(try active.requiredClaim) == .renewed(cancelRequested: true))
        // The handler ignored it and returned a result: the job still ends cancelled, never completed.
        let ended = try await f.queue.complete(try active.requiredClaim, result: .string("ignored"))
        #expect(ended.state == .cancelled && ended.result == nil && ended.cancelledBy == "teacher")

        _ = try await f.queue.enqueue(spec("done"))
        let done = try await f.queue.claimOne()
        _ = try await f.queue.complete(try done.requiredClaim, result: .null)
        guard case .alreadyFinished(let finished) = try await f.queue.cancel("done", by: nil) else { throw TestFailure("done not finished") }
        #expect(finished.state == .completed)
        await #expect(throws: JobError.notFound(id: "nope")) { _ = try await f.queue.cancel("nope", by: nil) }
        #expect(try f.queue.counts()["fast"] == [.cancelled: 3, .completed: 1])
    }

    @Test("an expired lease puts the job back (attempt counted, stalled + 1), then fails past maxStalled")
    func leaseExpiry() async throws {
        let f = try QueueFixture(lease: 1_000, maxStalled: 1)
        defer { f.remove() }
        _ = try await f.queue.enqueue(spec("j", attempts: 5))
        let first = try await f.queue.claimOne()
        f.clock.advance(by: 999)
        #expect(try await f.queue.recoverExpiredLeases().isEmpty)
        f.clock.advance(by: 1)
        let recovered = try await f.queue.recoverExpiredLeases()
        #expect(recovered.map(\.state) == [.waiting])
        #expect(recovered.first?.attemptsMade == 1 && recovered.first?.stalledCount == 1)
        await #expect(throws: JobError.leaseLost(id: "j")) { _ = try await f.queue.complete(try first.requiredClaim, result: .null) }
        #expect(try await f.queue.renewLease(try first.requiredClaim) == .lost)

        let second = try await f.queue.claimOne()
        f.clock.advance(by: 600)
        #expect(try await f.queue.renewLease(try second.requiredClaim) == .renewed(cancelRequested: false))
        f.clock.advance(by: 600)
        #expect(try await f.queue.recoverExpiredLeases().isEmpty, "the renewed lease has not run out")
        f.clock.advance(by: 400)
        let failed = try await f.queue.recoverExpiredLeases()
        #expect(failed.first?.state == .failed && failed.first?.stalledCount == 2)
        #expect(failed.first?.errorMessage == "job stalled more than allowable limit")
    }

    @Test("a restart puts jobs left active back to waiting with the attempt counted")
    func restartRecovery() async throws {
        let f = try QueueFixture()
        defer { f.remove() }
        _ = try await f.queue.enqueue(spec("a"))
        _ = try await f.queue.enqueue(spec("b", attempts: 1))
        _ = try await f.queue.claim(queue: "fast", worker: "dead", limit: 2)
        let reader = try f.reopened(recover: false)
        #expect(try reader.get("a")?.state == .active, "a reader beside the server recovers nothing")
        let restarted = try f.reopened()
        let a = try restarted.get("a")
        #expect(a?.state == .waiting && a?.attemptsMade == 1 && a?.stalledCount == 1 && a?.lease == nil)
        let b = try restarted.get("b")
        #expect(b?.state == .failed, "no attempts left after the stall")
        #expect(try await restarted.claimOne().id == "a")
    }

    @Test("retention: removeOnComplete true, keep the last N, keep younger than an age")
    func retention() async throws {
        let f = try QueueFixture()
        defer { f.remove() }
        func run(_ s: JobSpec, fail: Bool = false) async throws -> JobRecord {
            _ = try await f.queue.enqueue(s)
            let claimed = try await f.queue.claimOne(s.options.queue)
            f.clock.advance(by: 1_000)
            if fail { return try await f.queue.fail(try claimed.requiredClaim, error: JobFailure(message: "x"), retryable: false) }
            return try await f.queue.complete(try claimed.requiredClaim, result: .null)
        }
        let gone = try await run(spec("gone", retention: Retention(onComplete: .none)))
        #expect(gone.state == .completed)
        #expect(try f.queue.get("gone") == nil)
        #expect(try f.queue.list(organizationID: "org-1").total == 0)

        for n in 1...4 { _ = try await run(spec("n\(n)", queue: "counted", retention: Retention(onComplete: .last(2)))) }
        #expect(try (1...4).map { try f.queue.get("n\($0)") != nil } == [false, false, true, true])
        #expect(try f.queue.counts()["counted"] == [.completed: 2])

        _ = try await run(spec("old", queue: "aged", retention: Retention(onFail: .limits(count: nil, ageSeconds: 60))), fail: true)
        f.clock.advance(by: 30_000)
        _ = try await run(spec("mid", queue: "aged", retention: Retention(onFail: .limits(count: nil, ageSeconds: 60))), fail: true)
        #expect(try f.queue.get("old") != nil)
        f.clock.advance(by: 40_000)
        _ = try await run(spec("new", queue: "aged", retention: Retention(onFail: .limits(count: nil, ageSeconds: 60))), fail: true)
        #expect(try f.queue.get("old") == nil)
        #expect(try f.queue.get("mid") != nil && f.queue.get("new") != nil)
    }

    @Test("concurrency slots: refused with the limit's numbers, released once on every terminal path, never leaked or negative")
    func concurrencySlots() async throws {
        let f = try QueueFixture()
        defer { f.remove() }
        func slot(_ user: String) -> ConcurrencySlot { ConcurrencySlot(key: user, userLimit: 2, globalLimit: 3) }
        _ = try await f.queue.enqueue(spec("a1", user: "a", backoff: .fixed(milliseconds: 100), slot: slot("a")))
        _ = try await f.queue.enqueue(spec("a2", user: "a", slot: slot("a")))
        await #expect(throws: JobError.concurrencyLimit(.user(key: "a", current: 2, limit: 2))) {
            _ = try await f.queue.enqueue(spec("a3", user: "a", slot: slot("a")))
        }
        #expect(try f.queue.get("a3") == nil, "a refused enqueue writes nothing")
        _ = try await f.queue.enqueue(spec("b1", user: "b", slot: slot("b")))
        await #expect(throws: JobError.concurrencyLimit(.global(current: 3, limit: 3))) {
            _ = try await f.queue.enqueue(spec("c1", user: "c", slot: slot("c")))
        }
        #expect(try f.queue.slotsHeld(key: "a") == (2, 3))

        // A retry keeps the slot; the final failure releases it.
        let a1 = try await f.queue.claimOne()
        #expect(a1.id == "a1")
        let retried = try await f.queue.fail(try a1.requiredClaim, error: JobFailure(message: "x"))
        #expect(retried.state == .delayed && retried.concurrencySlot == "a")
        #expect(try f.queue.slotsHeld(key: "a").user == 2)
        f.clock.advance(by: 100)
        // Claim everything: a2 and b1 (enqueued earlier) and a1 (back from its retry).
        let claimed = Dictionary(uniqueKeysWithValues: try await f.queue.claim(queue: "fast", worker: "w", limit: 10).map { ($0.id, $0) })
        #expect(Set(claimed.keys) == ["a1", "a2", "b1"])
        _ = try await f.queue.fail(try #require(claimed["a1"]).requiredClaim, error: JobFailure(message: "x"), retryable: false)
        #expect(try f.queue.slotsHeld(key: "a") == (1, 2))
        // Completion releases; an active job asked to cancel holds its slot until it ends.
        _ = try await f.queue.complete(try #require(claimed["a2"]).requiredClaim, result: .null)
        #expect(try f.queue.slotsHeld(key: "a") == (0, 1))
        guard case .cancelRequested = try await f.queue.cancel("b1", by: nil) else { throw TestFailure("b1 not asked") }
        #expect(try f.queue.slotsHeld(key: "b") == (1, 1))
        let ended = try await f.queue.complete(try #require(claimed["b1"]).requiredClaim, result: .null)
        #expect(ended.state == .cancelled)
        #expect(try f.queue.slotsHeld(key: "b") == (0, 0))
        // Cancelling a waiting job releases at once; a second cancel releases nothing more.
        _ = try await f.queue.enqueue(spec("b2", user: "b", slot: slot("b")))
        _ = try await f.queue.cancel("b2", by: nil)
        _ = try await f.queue.cancel("b2", by: nil)
        #expect(try f.queue.slotsHeld(key: "a") == (0, 0))
        #expect(try f.queue.slotsHeld(key: "b") == (0, 0))
        // A stall back to waiting keeps it; a restart recomputes and finds nothing stale.
        _ = try await f.queue.enqueue(spec("c2", user: "c", slot: slot("c")))
        _ = try await f.queue.claimOne()
        let restarted = try f.reopened()
        #expect(try restarted.get("c2")?.state == .waiting)
        #expect(try restarted.slotsHeld(key: "c") == (1, 1))
        for n in 1...2 { _ = try await restarted.enqueue(spec("a-again-\(n)", user: "a", slot: slot("a"))) }
        #expect(try restarted.slotsHeld(key: "a") == (2, 3))
    }

    @Test("list: newest first, cursor pages without gaps or repeats, filters by user, state and cancelled, exact totals")
    func listing() async throws {
        let f = try QueueFixture()
        defer { f.remove() }
        var ids: [String] = []
        for n in 0..<23 {
            let user = n % 3 == 0 ? "student" : "teacher"
            ids.append(try await f.queue.enqueue(spec(String(format: "job-%02d", n), user: user)).id)
            if n % 5 != 4 { f.clock.advance(by: 10) }  // some share a creation time: ties order by id
        }
        _ = try await f.queue.enqueue(spec("other-org", org: "org-2"))
        _ = try await f.queue.cancel("job-03", by: nil)
        _ = try await f.queue.cancel("job-07", by: nil)
        _ = try await f.queue.claim(queue: "fast", worker: "w", limit: 2)  // the two oldest waiting: job-00, job-01

        var seen: [JobRecord] = []
        var cursor: String?
        repeat {
            let page = try f.queue.list(organizationID: "org-1", cursor: cursor, limit: 5)
            #expect(page.total == 23)
            seen += page.jobs
            cursor = page.nextCursor
        } while cursor != nil
        let expected = ids.sorted { a, b in
            let (ca, cb) = (try! f.queue.get(a)!.createdAt, try! f.queue.get(b)!.createdAt)
            return ca != cb ? ca > cb : a < b
        }
        #expect(seen.map(\.id) == expected)

        let student = try f.queue.list(organizationID: "org-1", userID: "student", limit: 100)
        #expect(student.jobs.allSatisfy { $0.userID == "student" } && student.jobs.count == 8 && student.total == 8)
        let cancelled = try f.queue.list(organizationID: "org-1", cancelled: true)
        #expect(Set(cancelled.jobs.map(\.id)) == ["job-03", "job-07"] && cancelled.total == 2)
        let notCancelled = try f.queue.list(organizationID: "org-1", cancelled: false, limit: 100)
        #expect(notCancelled.total == 21 && notCancelled.jobs.count == 21)
        #expect(notCancelled.jobs.map(\.id) == expected.filter { $0 != "job-03" && $0 != "job-07" })
        let activeOrWaiting = try f.queue.list(organizationID: "org-1", states: [.active], limit: 100)
        #expect(activeOrWaiting.jobs.map(\.id) == ["job-01", "job-00"])
        // A filtered listing pages too.
        let firstPage = try f.queue.list(organizationID: "org-1", userID: "teacher", states: [.waiting, .cancelled], limit: 4)
        let secondPage = try f.queue.list(organizationID: "org-1", userID: "teacher", states: [.waiting, .cancelled], cursor: firstPage.nextCursor, limit: 100)
        let teacherIDs = (firstPage.jobs + secondPage.jobs).map(\.id)
        #expect(teacherIDs == expected.filter { n in
            let r = try! f.queue.get(n)!
            return r.userID == "teacher" && (r.state == .waiting || r.state == .cancelled)
        })
        #expect(try f.queue.list(organizationID: "org-2").jobs.map(\.id) == ["other-org"])
        #expect(throws: JobError.invalid("Invalid cursor")) { try f.queue.list(organizationID: "org-1", cursor: "%%%") }
        #expect(throws: JobError.self) { try f.queue.list(organizationID: "org-1", limit: 0) }
    }

    @Test("progress is stored; renewals extend the lease")
    func progressAndRenewal() async throws {
        let f = try QueueFixture(lease: 1_000)
        defer { f.remove() }
        _ = try await f.queue.enqueue(spec("p"))
        let claimed = try await f.queue.claimOne()
        let updated = try await f.queue.updateProgress(try claimed.requiredClaim, .object(["percent": .int(40)]))
        #expect(updated.progress == .object(["percent": .int(40)]))
        f.clock.advance(by: 900)
        _ = try await f.queue.renewLease(try claimed.requiredClaim)
        #expect(try f.queue.get("p")?.lease?.expiresAt == f.clock.now() + 1_000)
        #expect(try f.queue.nextDeadline() == f.clock.now() + 1_000)
    }

    @Test("a job commits in the caller's transaction, or not at all; a completion commits with its writes")
    func transactionalEnqueueAndCompletion() async throws {
        let f = try QueueFixture()
        defer { f.remove() }
        let courses: Table<String, String> = try f.environment.table("test.courses")
        try f.environment.write { txn in
            try courses.put("generating", for: "course-1", in: txn)
            _ = try f.queue.enqueue(spec("with-course"), now: f.clock.now(), in: txn)
        }
        #expect(try f.queue.get("with-course")?.state == .waiting)
        #expect(throws: TestFailure.self) {
            try f.environment.write { txn in
                _ = try f.queue.enqueue(spec("rolled-back"), now: f.clock.now(), in: txn)
                throw TestFailure("the course change failed")
            }
        }
        #expect(try f.queue.get("rolled-back") == nil)
        #expect(try f.queue.counts()["fast"]?[.waiting] == 1)

        let claimed = try await f.queue.claimOne()
        await #expect(throws: TestFailure.self) {
            _ = try await f.queue.complete(try claimed.requiredClaim, result: .null) { txn in
                try courses.put("half-written", for: "course-1", in: txn)
                throw TestFailure("result write failed")
            }
        }
        #expect(try f.queue.get("with-course")?.state == .active)
        #expect(try f.environment.read { try courses.get("course-1", in: $0) } == "generating")
        _ = try await f.queue.complete(try claimed.requiredClaim, result: .null) { txn in
            try courses.put("ready", for: "course-1", in: txn)
        }
        #expect(try f.environment.read { try courses.get("course-1", in: $0) } == "ready")
        #expect(try f.queue.get("with-course")?.state == .completed)
    }

    @Test("a damaged record is reported, skipped by claims, and never crashes")
    func damagedRecords() async throws {
        let f = try QueueFixture()
        defer { f.remove() }
        _ = try await f.queue.enqueue(spec("good"))
        _ = try await f.queue.enqueue(spec("bad"))
        let records: Table<String, [UInt8]> = try f.environment.table("jobs.records")
        try f.environment.write { txn in try records.put(Array(#"{"id":"bad","state":"sideways"}"#.utf8), for: "bad", in: txn) }
        #expect(throws: JobError.self) { _ = try f.queue.get("bad") }
        do {
            _ = try f.queue.get("bad")
        } catch let error as JobError {
            #expect(error.kind == .damaged)
        }
        let claimed = try await f.queue.claim(queue: "fast", worker: "w", limit: 10)
        #expect(claimed.map(\.id) == ["good"])
        #expect(try f.queue.list(organizationID: "org-1").jobs.map(\.id) == ["good"])
        try f.environment.write { txn in try records.put(Array("not json".utf8), for: "worse", in: txn) }
        #expect(throws: JobError.self) { _ = try f.queue.get("worse") }
    }

    @Test("invalid specs are refused with a message")
    func validation() async throws {
        let f = try QueueFixture()
        defer { f.remove() }
        await #expect(throws: JobError.self) { _ = try await f.queue.enqueue(spec(org: "")) }
        await #expect(throws: JobError.self) { _ = try await f.queue.enqueue(spec(queue: "no spaces")) }
        await #expect(throws: JobError.self) { _ = try await f.queue.enqueue(spec(attempts: 0)) }
        await #expect(throws: JobError.self) { _ = try await f.queue.enqueue(spec(backoff: .fixed(milliseconds: 10, jitter: .nan))) }
        await #expect(throws: JobError.self) { _ = try await f.queue.enqueue(spec(delay: -1)) }
        await #expect(throws: JobError.self) { _ = try await f.queue.enqueue(spec(String(repeating: "x", count: 201))) }
        var deep = JSONValue.null
        for _ in 0...JobTransitions.maxValueDepth { deep = .array([deep]) }
        await #expect(throws: JobError.self, "a payload too deep to read back is refused") { _ = try await f.queue.enqueue(spec(payload: deep)) }
        #expect(try f.queue.counts().isEmpty)
        // Values that JSON cannot tell apart are stored in the form they read back as.
        let stored = try await f.queue.enqueue(spec(payload: .object(["u": .uint(7), "nan": .double(.nan)])))
        #expect(stored.payload == .object(["u": .int(7), "nan": .null]))
    }

    @Test("records round-trip through their JSON and Codable forms")
    func recordCoding() async throws {
        let f = try QueueFixture()
        defer { f.remove() }
        _ = try await f.queue.enqueue(spec("r", backoff: .fixed(milliseconds: 5, jitter: 0.25),
                                           retention: Retention(onComplete: .limits(count: 3, ageSeconds: 9), onFail: .none),
                                           slot: ConcurrencySlot(key: "user-1", userLimit: 1, globalLimit: 1),
                                           payload: .object(["deep": .array([.int(1), .double(2.5), .null])])))
        let active = try await f.queue.claimOne()
        #expect(try JobRecord(json: active.json) == active)
        #expect(try JobRecord(json: JSONText.parse(active.encoded())) == active, "the stored bytes read back exactly")
        #expect(try JSONText.parse(active.encoded()) == active.json, "the stored form is the JSON form")
        let data = try JSONEncoder().encode(active)
        #expect(try JSONDecoder().decode(JobRecord.self, from: data) == active)
        #expect(throws: JobRecord.DecodingFailure.self) { _ = try JobRecord(json: .object(["id": .string("x")])) }
    }

    @Test("per-type defaults follow the contract's table")
    func typeDefaults() {
        let test = JobOptions.defaults(for: "test_job")
        #expect(test.queue == "fast" && test.attempts == 3 && test.backoff == .exponential(milliseconds: 1000))
        #expect(test.retention == Retention(onComplete: .none, onFail: .all))
        #expect(JobOptions.defaults(for: "initialize").retention.onComplete == .last(100))
        let documents = JobOptions.defaults(for: "document_processing")
        #expect(documents.queue == "documents" && documents.attempts == 5 && documents.backoff == .exponential(milliseconds: 2000))
        #expect(JobOptions.defaults(for: "lesson_content").priority == 5)
        #expect(JobOptions.defaults(for: "unknown").retention.onFail == .limits(count: 50, ageSeconds: 604_800))
    }
}
