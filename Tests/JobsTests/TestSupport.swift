import Foundation
import CoreMetrics
import JSON
import Testing
@testable import Jobs
import Storage

/// A queue over a fresh temporary LMDB environment with a manual clock.
struct QueueFixture {
    let directory: String
    let environment: Environment
    let clock: ManualJobClock
    let queue: JobQueue

    init(lease: Int64 = 30_000, maxStalled: Int = 1, random: @escaping @Sendable () -> Double = { 0.5 },
         metrics: (any MetricsFactory)? = nil) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("campus-jobs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        environment = try Environment.open(path: directory)
        clock = ManualJobClock()
        var configuration = JobQueue.Configuration()
        configuration.clock = clock
        configuration.leaseMilliseconds = lease
        configuration.maxStalled = maxStalled
        configuration.random = random
        configuration.metricsFactory = metrics
        queue = try JobQueue(environment: environment, configuration: configuration)
    }

    /// Another queue over the same environment, as a restarted process opens it.
    func reopened(recover: Bool = true) throws -> JobQueue {
        var configuration = queue.configuration
        configuration.recoverActiveJobsAtOpen = recover
        return try JobQueue(environment: environment, configuration: configuration)
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}

func spec(_ id: String? = nil, type: String = "work", queue: String = "fast", org: String = "org-1", user: String? = "user-1",
          priority: Int = 0, attempts: Int = 3, backoff: Backoff? = .exponential(milliseconds: 1000),
          retention: Retention = .keepAll, delay: Int64 = 0, slot: ConcurrencySlot? = nil,
          payload: JSONValue = .object([:])) -> JobSpec {
    JobSpec(id: id, type: type, payload: payload, organizationID: org, userID: user, delayMilliseconds: delay,
            options: JobOptions(queue: queue, priority: priority, attempts: attempts, backoff: backoff, retention: retention),
            concurrencySlot: slot)
}

extension JobQueue {
    /// Claims exactly one job of `queue` (fails the test when there is none).
    func claimOne(_ queue: String = "fast", worker: String = "w") async throws -> JobRecord {
        let claimed = try await claim(queue: queue, worker: worker, limit: 1)
        guard let job = claimed.first else { throw TestFailure("no job to claim in \(queue)") }
        return job
    }
}

extension JobRecord {
    var requiredClaim: JobClaim {
        get throws {
            guard let claim else { throw TestFailure("job \(id) is \(state.rawValue), not active") }
            return claim
        }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Lets workers run while moving the manual clock to each next timer, until `condition` holds.
/// Time passes only through the clock; the short real pauses only let other tasks run.
func drive(_ clock: ManualJobClock, step: Int64 = 50, rounds: Int = 4000, until condition: () throws -> Bool) async throws {
    for _ in 0..<rounds {
        if try condition() { return }
        try await Task.sleep(for: .milliseconds(1))
        if try condition() { return }
        if let next = clock.nextDeadline { clock.advance(by: max(0, min(step, next - clock.now()))) } else { clock.advance(by: step) }
    }
    throw TestFailure("condition not reached after \(rounds) rounds")
}

/// Collects records reported by `JobWorkers`' onFinish.
final class Finished: @unchecked Sendable {
    private let lock = NSLock()
    private var records: [JobRecord] = []
    func add(_ record: JobRecord) { lock.withLock { records.append(record) } }
    var all: [JobRecord] { lock.withLock { records } }
    func last(_ id: String) -> JobRecord? { all.last { $0.id == id } }
}
