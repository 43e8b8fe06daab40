import Foundation
import JSON
import MetricsTestKit
import Testing
@testable import Jobs

@Suite("Job metrics")
struct JobMetricsTests {
    @Test("outcome counters, duration and wait timers follow committed state changes")
    func outcomes() async throws {
        let metrics = TestMetrics()
        let f = try QueueFixture(lease: 1_000, metrics: metrics)
        defer { f.remove() }
        func counter(_ outcome: String, type: String = "work") throws -> Int64 {
            try metrics.expectCounter("campus_jobs_total", [("queue", "fast"), ("type", type), ("outcome", outcome)]).totalValue
        }
        _ = try await f.queue.enqueue(spec("ok"))
        f.clock.advance(by: 40)
        let ok = try await f.queue.claimOne()
        f.clock.advance(by: 250)
        _ = try await f.queue.complete(try ok.requiredClaim, result: .null)
        #expect(try counter("completed") == 1)
        #expect(try metrics.expectTimer("campus_job_duration_seconds", [("type", "work")]).values == [250_000_000])
        #expect(try metrics.expectTimer("campus_job_wait_seconds", [("type", "work")]).values == [40_000_000])

        _ = try await f.queue.enqueue(spec("bad", attempts: 2, backoff: nil))
        _ = try await f.queue.fail(try await f.queue.claimOne().requiredClaim, error: JobFailure(message: "x"))
        #expect(try counter("retried") == 1)
        _ = try await f.queue.fail(try await f.queue.claimOne().requiredClaim, error: JobFailure(message: "x"))
        #expect(try counter("failed") == 1)

        _ = try await f.queue.enqueue(spec("stall"))
        _ = try await f.queue.claimOne()
        f.clock.advance(by: 1_000)
        _ = try await f.queue.recoverExpiredLeases()
        #expect(try counter("stalled") == 1)
        _ = try await f.queue.cancel("stall", by: nil)
        #expect(try counter("cancelled") == 1)

        // A write that does not commit records nothing.
        let records = try await f.queue.enqueue(spec("rolled"))
        _ = try? f.environment.write { txn in
            _ = try f.queue.transitions.cancel(records.id, by: nil, now: f.clock.now(), in: txn)
            throw TestFailure("abort")
        }
        #expect(try counter("cancelled") == 1)
    }

    @Test("workers publish their concurrency, busy slots and queue depth")
    func gauges() async throws {
        let metrics = TestMetrics()
        let f = try QueueFixture(metrics: metrics)
        defer { f.remove() }
        struct Hold: JobHandler {
            let type = "hold"
            func run(_ job: RunningJob) async throws -> JSONValue {
                try await job.sleep(milliseconds: 3_600_000)
                return .null
            }
        }
        var settings = JobWorkers.Configuration()
        settings.concurrency = ["fast": 3]
        settings.shutdownGraceMilliseconds = 0
        let workers = try JobWorkers(queue: f.queue, handlers: [Hold()], configuration: settings)
        let running = Task { try await workers.run() }
        for n in 0..<5 { _ = try await f.queue.enqueue(spec("h\(n)", type: "hold")) }
        try await drive(f.clock) {
            (try? metrics.expectGauge("campus_jobs", [("queue", "fast"), ("state", "waiting")]).lastValue) == 2
                && (try? metrics.expectGauge("campus_jobs", [("queue", "fast"), ("state", "active")]).lastValue) == 3
        }
        #expect(try metrics.expectGauge("campus_job_workers", [("queue", "fast")]).lastValue == 3)
        #expect(try metrics.expectGauge("campus_job_workers_busy", [("queue", "fast")]).lastValue == 3)
        workers.stop()
        try await running.value
        #expect(try metrics.expectGauge("campus_job_workers_busy", [("queue", "fast")]).lastValue == 0)
    }
}
