import CoreMetrics
import Metrics
import Synchronization

/// swift-metrics instruments of the Jobs room (Prometheus names):
///
/// - `campus_jobs_total{queue,type,outcome}` (counter): outcome `completed`, `failed` (for good),
///   `retried` (a failed attempt that will run again), `stalled` (a lease ran out) or `cancelled`.
/// - `campus_job_duration_seconds{type}` (timer): one attempt, from claim to its end.
/// - `campus_job_wait_seconds{type}` (timer): from when a job became claimable to its claim.
/// - `campus_jobs{queue,state}` (gauge): jobs per queue and state, refreshed by the workers.
/// - `campus_job_workers_busy{queue}` (gauge): handler slots running a job.
/// - `campus_job_workers{queue}` (gauge): handler slots (the queue's concurrency).
///
/// Every value is recorded by an after-commit hook or after the commit it describes. Instruments
/// come from `factory` (default: `MetricsSystem.factory` at first use), so tests can observe them.
final class JobMetrics: Sendable {
    enum Outcome: String, CaseIterable {
        case completed, failed, retried, stalled, cancelled
    }

    private struct CounterKey: Hashable {
        let queue: String
        let type: String
        let outcome: Outcome
    }

    private let factory: (any MetricsFactory)?
    private let counters = Mutex<[CounterKey: Counter]>([:])
    private let durations = Mutex<[String: Metrics.Timer]>([:])
    private let waits = Mutex<[String: Metrics.Timer]>([:])

    init(factory: (any MetricsFactory)?) { self.factory = factory }

    private var resolvedFactory: any MetricsFactory { factory ?? MetricsSystem.factory }

    func count(_ outcome: Outcome, queue: String, type: String) {
        let key = CounterKey(queue: queue, type: type, outcome: outcome)
        let counter = counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Counter(label: "campus_jobs_total", dimensions: [("queue", queue), ("type", type), ("outcome", outcome.rawValue)],
                                  factory: resolvedFactory)
            counters[key] = counter
            return counter
        }
        counter.increment()
    }

    func duration(type: String, milliseconds: Int64) {
        timer(durations, "campus_job_duration_seconds", type).recordMilliseconds(max(0, milliseconds))
    }

    func wait(type: String, milliseconds: Int64) {
        timer(waits, "campus_job_wait_seconds", type).recordMilliseconds(max(0, milliseconds))
    }

    private func timer(_ cache: borrowing Mutex<[String: Metrics.Timer]>, _ label: String, _ type: String) -> Metrics.Timer {
        cache.withLock { timers in
            if let timer = timers[type] { return timer }
            let timer = Metrics.Timer(label: label, dimensions: [("type", type)], preferredDisplayUnit: .seconds, factory: resolvedFactory)
            timers[type] = timer
            return timer
        }
    }

    func depth(queue: String, state: JobState) -> Gauge {
        Gauge(label: "campus_jobs", dimensions: [("queue", queue), ("state", state.rawValue)], factory: resolvedFactory)
    }

    func busyWorkers(queue: String) -> Gauge {
        Gauge(label: "campus_job_workers_busy", dimensions: [("queue", queue)], factory: resolvedFactory)
    }

    func workers(queue: String) -> Gauge {
        Gauge(label: "campus_job_workers", dimensions: [("queue", queue)], factory: resolvedFactory)
    }
}
