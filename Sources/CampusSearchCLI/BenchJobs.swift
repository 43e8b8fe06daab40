import ArgumentParser
import Foundation
import Histogram
import JSON
import Jobs
import Storage
import Synchronization

/// `campus-search bench jobs`: durable job throughput and latency through the queue API.
///
/// Enqueues `--jobs` no-op jobs in bursts of `--burst` concurrent `enqueue` calls (each burst
/// acknowledged before the next starts) into a fresh LMDB directory, while `--concurrency` worker
/// slots run them; every enqueue and every completion is committed with fsync before it counts.
/// Then `--single-enqueues` enqueues one at a time measure a lone caller's latency.
/// `--saturate-documents SECONDS` first fills the `documents` queue (2 slots) with jobs that sleep
/// that long, to show the measured queue is not held back by it.
struct BenchJobs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "Durable job queue benchmark: enqueue/s, end-to-end jobs/s, enqueue→completion p50/p95.",
        discussion: """
        --json writes {"enqueue_per_s", "end_to_end_jobs_per_s", "latency_p50_ms", "latency_p95_ms", \
        "enqueue_p50_ms", "enqueue_p95_ms" (per call inside bursts), "single_enqueue_p50_ms", \
        "single_enqueue_p95_ms" (one caller at a time), "commits", "jobs", "concurrency", "burst", "queue", \
        "saturate_documents_s"}.
        """
    )

    @Option(help: "No-op jobs to enqueue and run.") var jobs = 100_000
    @Option(help: "Worker slots on the queue.") var concurrency = 256
    @Option(help: "The queue to use.") var queue = "fast"
    @Option(name: .customLong("data-dir"), help: "A fresh (missing or empty) directory; default a temporary one, removed after.")
    var dataDirectory: String?
    @Option(help: "Write the results as JSON to this file.") var json: String?
    @Option(help: "Concurrent enqueue calls per burst.") var burst = 1000
    @Option(name: .customLong("single-enqueues"), help: "Enqueues one at a time after the run, for a lone caller's latency.")
    var singleEnqueues = 1000
    @Option(name: .customLong("saturate-documents"), help: "Keep the documents queue busy with jobs sleeping this many seconds.")
    var saturateDocuments: Int?

    func validate() throws {
        guard jobs >= 1, concurrency >= 1, concurrency <= 4096, burst >= 1, singleEnqueues >= 0 else {
            throw ValidationError("--jobs, --burst ≥ 1, --concurrency 1…4096, --single-enqueues ≥ 0")
        }
        if let seconds = saturateDocuments, seconds < 1 { throw ValidationError("--saturate-documents must be ≥ 1 second") }
        if queue == JobOptions.documentsQueue, saturateDocuments != nil {
            throw ValidationError("--saturate-documents needs another --queue than documents")
        }
    }

    func run() async throws {
        let directory = try prepareDirectory()
        defer { if dataDirectory == nil { try? FileManager.default.removeItem(atPath: directory) } }
        let environment = try Environment.open(path: directory)
        let jobQueue = try JobQueue(environment: environment)
        let clock = Timeline(count: jobs)
        var settings = JobWorkers.Configuration()
        settings.concurrency = [queue: concurrency]
        if saturateDocuments != nil { settings.concurrency[JobOptions.documentsQueue] = 2 }
        settings.shutdownGraceMilliseconds = 0
        let workers = try JobWorkers(queue: jobQueue, handlers: [NoOpJob(), SleepJob()], configuration: settings) { record in
            if record.state == .completed, let n = Int(record.id) { clock.completed(n) }
        }
        let working = Task { try await workers.run() }

        if let seconds = saturateDocuments {
            for n in 0..<10 {
                _ = try await jobQueue.enqueue(JobSpec(id: "sleep-\(n)", type: "sleep", payload: .int(Int64(seconds) * 1000),
                                                       organizationID: "bench", options: JobOptions(queue: JobOptions.documentsQueue)))
            }
            while (try jobQueue.counts()[JobOptions.documentsQueue]?[.active] ?? 0) < 2 { try await Task.sleep(for: .milliseconds(5)) }
        }

        let options = JobOptions(queue: queue, attempts: 1, backoff: nil)
        var enqueueLatency = Histogram<UInt64>(highestTrackableValue: 600_000_000_000, numberOfSignificantValueDigits: .three)
        let started = DispatchTime.now().uptimeNanoseconds
        for first in stride(from: 0, to: jobs, by: burst) {
            let latencies = try await withThrowingTaskGroup(of: UInt64.self) { group in
                for n in first..<min(jobs, first + burst) {
                    group.addTask {
                        let t0 = clock.enqueueStarted(n)
                        _ = try await jobQueue.enqueue(JobSpec(id: String(n), type: "noop", organizationID: "bench", options: options))
                        return DispatchTime.now().uptimeNanoseconds - t0
                    }
                }
                var latencies: [UInt64] = []
                for try await latency in group { latencies.append(latency) }
                return latencies
            }
            for latency in latencies { enqueueLatency.record(max(1, latency)) }
        }
        let enqueueSeconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        await clock.waitForAll()
        let endToEndSeconds = Double(clock.lastCompletion - started) / 1e9
        let commits = jobQueue.committer.statistics.commits

        var single = Histogram<UInt64>(highestTrackableValue: 600_000_000_000, numberOfSignificantValueDigits: .three)
        for n in 0..<singleEnqueues {
            let t0 = DispatchTime.now().uptimeNanoseconds
            _ = try await jobQueue.enqueue(JobSpec(id: "single-\(n)", type: "noop", organizationID: "bench", options: options))
            single.record(max(1, DispatchTime.now().uptimeNanoseconds - t0))
        }

        workers.stop()
        try await working.value
        let latency = clock.latencyHistogram()
        func ms(_ h: Histogram<UInt64>, _ p: Double) -> Double { Double(h.valueAtPercentile(p)) / 1e6 }
        let report: [String: JSONValue] = [
            "engine": .string("campus-search"), "jobs": .int(Int64(jobs)), "concurrency": .int(Int64(concurrency)),
            "burst": .int(Int64(burst)), "queue": .string(queue),
            "saturate_documents_s": saturateDocuments.map { .int(Int64($0)) } ?? .null,
            "enqueue_per_s": .double(Double(jobs) / enqueueSeconds),
            "end_to_end_jobs_per_s": .double(Double(jobs) / endToEndSeconds),
            "latency_p50_ms": .double(ms(latency, 50)), "latency_p95_ms": .double(ms(latency, 95)),
            "enqueue_p50_ms": .double(ms(enqueueLatency, 50)), "enqueue_p95_ms": .double(ms(enqueueLatency, 95)),
            "single_enqueue_p50_ms": singleEnqueues > 0 ? .double(ms(single, 50)) : .null,
            "single_enqueue_p95_ms": singleEnqueues > 0 ? .double(ms(single, 95)) : .null,
            "commits": .int(Int64(commits)),
        ]
        print("campus-search bench jobs: \(jobs) no-op jobs on \(queue), \(concurrency) slots, bursts of \(burst)"
              + (saturateDocuments.map { ", documents saturated with \($0) s jobs" } ?? ""))
        print(String(format: "enqueue     %.0f jobs/s   per call in bursts p50 %.2f ms  p95 %.2f ms   alone p50 %.3f ms  p95 %.3f ms",
                     Double(jobs) / enqueueSeconds, ms(enqueueLatency, 50), ms(enqueueLatency, 95), ms(single, 50), ms(single, 95)))
        print(String(format: "end to end  %.0f jobs/s   enqueue→completed p50 %.2f ms  p95 %.2f ms   %d commits (%.1f state changes per commit)",
                     Double(jobs) / endToEndSeconds, ms(latency, 50), ms(latency, 95), commits, Double(jobs * 3) / Double(max(1, commits))))
        if let json {
            do {
                try Data(JSONText.serialize(.object(report))).write(to: URL(fileURLWithPath: json))
            } catch {
                throw CLIError("cannot write \(json): \(error.localizedDescription)")
            }
        }
    }

    private func prepareDirectory() throws -> String {
        guard let dataDirectory else {
            return FileManager.default.temporaryDirectory.appendingPathComponent("campus-bench-jobs-\(UUID().uuidString)").path
        }
        let existing = (try? FileManager.default.contentsOfDirectory(atPath: dataDirectory)) ?? []
        guard existing.isEmpty else { throw CLIError("--data-dir \(dataDirectory) is not empty; bench jobs needs a fresh directory") }
        return dataDirectory
    }
}

/// The benchmark's job: nothing.
private struct NoOpJob: JobHandler {
    let type = "noop"
    func run(_ job: RunningJob) async throws -> JSONValue { .null }
}

/// Sleeps `payload` milliseconds (the saturating documents jobs).
private struct SleepJob: JobHandler {
    let type = "sleep"
    func run(_ job: RunningJob) async throws -> JSONValue {
        try await job.sleep(milliseconds: job.record.payload.numberValue.map { Int64($0) } ?? 0)
        return .null
    }
}

/// When each job's enqueue started and its completion committed (monotonic ns), and a wait for all.
private final class Timeline: Sendable {
    private struct State {
        var enqueued: [UInt64]
        var completed: [UInt64]
        var remaining: Int
        var last: UInt64 = 0
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state: Mutex<State>

    init(count: Int) {
        state = Mutex(State(enqueued: Array(repeating: 0, count: count), completed: Array(repeating: 0, count: count), remaining: count))
    }

    func enqueueStarted(_ n: Int) -> UInt64 {
        let now = DispatchTime.now().uptimeNanoseconds
        state.withLock { $0.enqueued[n] = now }
        return now
    }

    func completed(_ n: Int) {
        let now = DispatchTime.now().uptimeNanoseconds
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard n >= 0, n < state.completed.count, state.completed[n] == 0 else { return nil }
            state.completed[n] = now
            state.last = max(state.last, now)
            state.remaining -= 1
            guard state.remaining == 0 else { return nil }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    func waitForAll() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state -> Bool in
                if state.remaining == 0 { return true }
                state.waiter = continuation
                return false
            }
            if done { continuation.resume() }
        }
    }

    var lastCompletion: UInt64 { state.withLock { $0.last } }

    func latencyHistogram() -> Histogram<UInt64> {
        var histogram = Histogram<UInt64>(highestTrackableValue: 600_000_000_000, numberOfSignificantValueDigits: .three)
        state.withLock { state in
            for (start, end) in zip(state.enqueued, state.completed) where end > start { histogram.record(end - start) }
        }
        return histogram
    }
}
