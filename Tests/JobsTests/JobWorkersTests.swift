import Foundation
import JSON
import Testing
@testable import Jobs
import Storage

/// Workers end to end on a manual clock.
@Suite("Job workers")
struct JobWorkersTests {
    /// Runs workers over `f.queue` while `body` drives them, then shuts them down gracefully.
    func withWorkers(_ f: QueueFixture, handlers: [any JobHandler] = [TestJobHandler(), InitializeJobHandler()],
                     concurrency: [String: Int] = ["fast": 4, "documents": 1],
                     _ body: (JobWorkers, Finished) async throws -> Void) async throws {
        var settings = JobWorkers.Configuration()
        settings.concurrency = concurrency
        settings.shutdownGraceMilliseconds = 0
        let finished = Finished()
        let workers = try JobWorkers(queue: f.queue, handlers: handlers, configuration: settings) { finished.add($0) }
        let running = Task { try await workers.run() }
        do {
            try await body(workers, finished)
        } catch {
            workers.stop()
            try? await running.value
            throw error
        }
        workers.stop()
        try await running.value
    }

    @Test("test_job runs end to end: progress, result, completion (removed on complete, as its defaults say)")
    func testJobSucceeds() async throws {
        let f = try QueueFixture()
        defer { f.remove() }
        try await withWorkers(f) { _, finished in
            let job = try await f.queue.enqueue(JobSpec(type: "test_job", payload: .object(["message": .string("hi"), "delayMs": .int(120)]),
                                                        organizationID: "org-1", userID: "user-1"))
            try await drive(f.clock) { finished.last(job.id) != nil }
            let done = try #require(finished.last(job.id))
            #expect(done.state == .completed)
            #expect(done.result?["success"] == .bool(true))
            #expect(done.result?["data"]?["receivedMessage"] == .string("hi"))
            #expect(done.result?["data"]?["jobId"] == .string(job.id))
            #expect(done.progress["percent"] == .int(75))
            #expect(done.completedAt.map { $0 - (done.startedAt ?? 0) } ?? 0 >= 120, "it waited its delay on the clock")
            #expect(try f.queue.get(job.id) == nil, "test_job's removeOnComplete is true")
        }
    }

    @Test("a failing test_job is retried with backoff and fails after its attempts")
    func testJobFailsAfterAttempts() async throws {
        let f = try QueueFixture()
        defer { f.remove() }
        try await withWorkers(f) { _, finished in
            let job = try await f.queue.enqueue(JobSpec(type: "test_job", payload: .object(["message": .string("boom"), "shouldFail": .bool(true)]),
                                                        organizationID: "org-1"))
            try await drive(f.clock) { finished.last(job.id)?.state == .failed }
            let states = finished.all.filter { $0.id == job.id }.map(\.state)
            #expect(states == [.delayed, .delayed, .failed])
            let failed = try #require(try f.queue.get(job.id))
            #expect(failed.errorMessage == "Intentional test failure: boom")
            #expect(failed.attemptsMade == 3 && failed.maxAttempts == 3)
        }
    }

    @Test("cancelling an active test_job stops its handler and it ends cancelled")
    func cancelActive() async throws {
        let f = try QueueFixture()
        defer { f.remove() }
        try await withWorkers(f) { _, finished in
            for (id, poll) in [("polling", true), ("plain", false)] {
                let job = try await f.queue.enqueue(JobSpec(id: id, type: "test_job",
                                                            payload: .object(["message": .string("long"), "delayMs": .int(600_000), "checkCancellation": .bool(poll)]),
                                                            organizationID: "org-1"))
                try await drive(f.clock) { try f.queue.get(job.id)?.state == .active }
                guard case .cancelRequested = try await f.queue.cancel(job.id, by: "owner") else { throw TestFailure("not asked") }
                try await drive(f.clock) { finished.last(job.id) != nil }
                let ended = try #require(try f.queue.get(job.id))
                #expect(ended.state == .cancelled && ended.cancelledBy == "owner" && ended.result == nil)
                #expect(f.clock.now() - (ended.startedAt ?? 0) < 600_000, "cancelled long before its delay ran out")
            }
        }
    }

    @Test("no handler fails at once with the contract's message; unrecoverable errors are not retried")
    func noHandlerAndUnrecoverable() async throws {
        struct Fatal: UnrecoverableJobError {}
        struct Broken: JobHandler {
            let type = "broken"
            func run(_ job: RunningJob) async throws -> JSONValue { throw Fatal() }
        }
        let f = try QueueFixture()
        defer { f.remove() }
        try await withWorkers(f, handlers: [Broken()]) { _, finished in
            let nope = try await f.queue.enqueue(spec("nope", type: "nope"))
            let broken = try await f.queue.enqueue(spec("broken", type: "broken", attempts: 5))
            try await drive(f.clock) { finished.last(nope.id) != nil && finished.last(broken.id) != nil }
            #expect(try f.queue.get("nope")?.errorMessage == "No handler registered for job type: nope")
            #expect(try f.queue.get("nope")?.state == .failed)
            let b = try #require(try f.queue.get("broken"))
            #expect(b.state == .failed && b.attemptsMade == 1)
        }
    }

    @Test("initialize reports 20/40/60/80 and returns the course")
    func initialize() async throws {
        let f = try QueueFixture()
        defer { f.remove() }
        try await withWorkers(f) { _, finished in
            let job = try await f.queue.enqueue(JobSpec(type: "initialize", organizationID: "org-1", courseID: "course-9"))
            try await drive(f.clock) { finished.last(job.id) != nil }
            let done = try #require(try f.queue.get(job.id))
            #expect(done.state == .completed && done.progress["percent"] == .int(80))
            #expect(done.result?["courseId"] == .string("course-9") && done.result?["status"] == .string("initialized"))
            #expect(done.result?["organizationId"] == .string("org-1"))
        }
    }

    @Test("a long document job does not hold back fast jobs; delayed jobs run at their time")
    func queuesIndependent() async throws {
        let f = try QueueFixture()
        defer { f.remove() }
        struct Slow: JobHandler {
            let type = "slow"
            func run(_ job: RunningJob) async throws -> JSONValue {
                try await job.sleep(milliseconds: 3_600_000)
                return .null
            }
        }
        try await withWorkers(f, handlers: [Slow(), TestJobHandler()]) { _, finished in
            _ = try await f.queue.enqueue(spec("doc", type: "slow", queue: "documents"))
            _ = try await f.queue.enqueue(spec("doc2", type: "slow", queue: "documents"))
            try await drive(f.clock) { try f.queue.get("doc")?.state == .active }
            let start = f.clock.now()
            let later = try await f.queue.enqueue(spec("later", type: "test_job", delay: 5_000, payload: .object(["message": .string("m")])))
            try await drive(f.clock) { finished.last(later.id) != nil }
            #expect(finished.last(later.id)?.state == .completed)
            #expect((finished.last(later.id)?.startedAt ?? 0) >= start + 5_000)
            #expect(try f.queue.get("doc2")?.state == .waiting, "documents has one slot, still busy")
        }
        // Graceful shutdown released the running document job without counting its attempt.
        let doc = try #require(try f.queue.get("doc"))
        #expect(doc.state == .waiting && doc.attemptsMade == 0 && doc.stalledCount == 0)
    }

    @Test("handlers' completion writes commit with the completion")
    func completionWrites() async throws {
        let f = try QueueFixture()
        defer { f.remove() }
        let results: Table<String, String> = try f.environment.table("test.results")
        struct Writer: JobHandler {
            let type = "writer"
            let results: Table<String, String>
            func run(_ job: RunningJob) async throws -> JSONValue {
                let id = job.record.id
                job.alsoWriteOnCompletion { txn in try results.put("done", for: id, in: txn) }
                return .null
            }
        }
        try await withWorkers(f, handlers: [Writer(results: results)]) { _, finished in
            _ = try await f.queue.enqueue(spec("w1", type: "writer"))
            try await drive(f.clock) { finished.last("w1") != nil }
            #expect(try f.environment.read { try results.get("w1", in: $0) } == "done")
            #expect(try f.queue.get("w1")?.state == .completed)
        }
    }
}
