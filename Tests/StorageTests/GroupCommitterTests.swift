import Foundation
import Synchronization
import Testing
@testable import Storage

@Suite("Group commit")
struct GroupCommitterTests {
    @Test("many concurrent writers: every write lands, in far fewer commits than writes")
    func concurrentWriters() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = try Environment.open(path: dir)
        let table: Table<UInt64, UInt64> = try env.table("t")
        let committer = GroupCommitter(environment: env)
        let writers = 64, perWriter = 50
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<writers {
                group.addTask {
                    for i in 0..<perWriter {
                        let key = UInt64(w * perWriter + i)
                        let returned = try await committer.write { txn -> UInt64 in
                            try table.put(key * 2, for: key, in: txn)
                            return key * 2
                        }
                        // Acknowledged means committed: a fresh read transaction sees it.
                        #expect(try env.read { try table.get(key, in: $0) } == returned)
                    }
                }
            }
            try await group.waitForAll()
        }
        let total = writers * perWriter
        #expect(try env.read { try table.count(in: $0) } == total)
        let stats = committer.statistics
        #expect(stats.writes == total)
        #expect(stats.commits < total / 4, "\(stats.commits) commits for \(total) writes")
    }

    @Test("a deferrable write waits for the next write's commit and joins it; alone, it commits after the deferral")
    func deferrableWrites() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = try Environment.open(path: dir)
        let table: Table<UInt64, UInt64> = try env.table("t")

        // A deferral far longer than the test: only the urgent write can start the commit.
        let patient = GroupCommitter(environment: env, deferral: .seconds(600))
        let deferred = Task { try await patient.write(deferrable: true) { txn in try table.put(1, for: 1, in: txn) } }
        let more = Task { try await patient.write(deferrable: true) { txn in try table.put(2, for: 2, in: txn) } }
        try await Task.sleep(for: .milliseconds(100))
        #expect(patient.statistics.commits == 0)
        #expect(try env.read { try table.get(1, in: $0) } == nil)
        try await patient.write { txn in try table.put(3, for: 3, in: txn) }
        try await deferred.value
        try await more.value
        #expect(patient.statistics == .init(commits: 1, writes: 3))
        #expect(try env.read { txn in try [1, 2, 3].map { try table.get($0, in: txn) } } == [1, 2, 3])

        // With nothing else to wait for, a deferrable write commits on its own after the deferral.
        let brief = GroupCommitter(environment: env, deferral: .milliseconds(20))
        let started = ContinuousClock.now
        try await brief.write(deferrable: true) { txn in try table.put(4, for: 4, in: txn) }
        #expect(ContinuousClock.now - started >= .milliseconds(20))
        #expect(brief.statistics == .init(commits: 1, writes: 1))
        // An urgent write alone does not wait.
        try await brief.write { txn in try table.put(5, for: 5, in: txn) }
        #expect(brief.statistics == .init(commits: 2, writes: 2))
    }

    @Test("a failing body aborts only its own changes and its error reaches only its caller")
    func failureIsolation() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = try Environment.open(path: dir)
        let table: Table<UInt64, UInt64> = try env.table("t")
        let committer = GroupCommitter(environment: env)
        let outcomes = try await withThrowingTaskGroup(of: (UInt64, Bool).self) { group in
            for key in 0..<200 as Range<UInt64> {
                group.addTask {
                    do {
                        try await committer.write { txn in
                            try table.put(key, for: key, in: txn)
                            if key % 7 == 3 { throw TestFailure("body \(key) fails") }
                        }
                        return (key, true)
                    } catch let error as TestFailure {
                        #expect(error.description == "body \(key) fails")
                        return (key, false)
                    }
                }
            }
            var outcomes: [UInt64: Bool] = [:]
            for try await (key, ok) in group { outcomes[key] = ok }
            return outcomes
        }
        try env.read { txn throws in
            for (key, ok) in outcomes {
                #expect(ok == (key % 7 != 3))
                #expect(try table.get(key, in: txn) == (ok ? key : nil))
            }
        }
    }

    @Test("the observer is told each batch's writes, failures, wait and commit time, after its callers resumed")
    func observerReports() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = try Environment.open(path: dir)
        let table: Table<UInt64, UInt64> = try env.table("t")
        let reports = Mutex<[GroupCommitter.CommitReport]>([])
        // Deferrable writes wait (the deferral is far longer than the test) until the urgent one starts the commit,
        // so all four share one batch whatever the scheduling.
        let committer = GroupCommitter(environment: env, deferral: .seconds(600), observer: { report in
            reports.withLock { $0.append(report) }
        })
        let held = (1...3).map { key in
            Task {
                try await committer.write(deferrable: true) { txn in
                    try table.put(UInt64(key), for: UInt64(key), in: txn)
                    if key == 2 { throw TestFailure("body 2 fails") }
                }
            }
        }
        for _ in 0..<1000 where committer.queuedWrites < 3 { try await Task.sleep(for: .milliseconds(2)) }
        #expect(committer.queuedWrites == 3)
        let started = ContinuousClock.now
        try await Task.sleep(for: .milliseconds(30))
        #expect(reports.withLock { $0.isEmpty })
        try await committer.write { txn in try table.put(4, for: 4, in: txn) }
        #expect(ContinuousClock.now - started >= .milliseconds(30))
        for (index, task) in held.enumerated() {
            let result = await task.result
            #expect((try? result.get()) != nil || index == 1)
        }
        // The observer runs after the callers resumed: wait for it rather than race it.
        for _ in 0..<200 where reports.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(5)) }
        let report = try #require(reports.withLock { $0.first })
        #expect(report.writes == 4)
        #expect(report.failedWrites == 1)
        #expect(report.committed)
        // The held writes were queued before `started` and waited at least the 30 ms sleep.
        #expect(report.queuedNanoseconds >= 30_000_000, "the oldest write waited \(report.queuedNanoseconds) ns")
        #expect(report.commitNanoseconds > 0)
        #expect(committer.statistics == .init(commits: 1, writes: 3))
        #expect(try env.read { txn in try (1...4).map { try table.get(UInt64($0), in: txn) } } == [1, nil, 3, 4])
    }

    @Test("bodies run in arrival order within a batch: later bodies see earlier ones' changes")
    func ordering() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = try Environment.open(path: dir)
        let table: Table<String, UInt64> = try env.table("t")
        let committer = GroupCommitter(environment: env)
        // Each body increments a counter: with concurrent callers every increment must be seen.
        try await withThrowingTaskGroup(of: UInt64.self) { group in
            for _ in 0..<300 {
                group.addTask {
                    try await committer.write { txn -> UInt64 in
                        let next = (try table.get("n", in: txn) ?? 0) + 1
                        try table.put(next, for: "n", in: txn)
                        return next
                    }
                }
            }
            var seen = Set<UInt64>()
            for try await value in group { seen.insert(value) }
            #expect(seen == Set(1...300))
        }
        #expect(try env.read { try table.get("n", in: $0) } == 300)
    }

    @Test("a batch re-run for map growth lands every write once, with its result and hook")
    func growthReRun() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var configuration = Environment.Configuration(path: dir)
        configuration.initialMapSize = 1 << 20
        let env = try Environment.open(configuration)
        let table: Table<UInt64, [UInt8]> = try env.table("t")
        let counts: Table<String, UInt64> = try env.table("counts")
        let committer = GroupCommitter(environment: env)
        let log = Log()
        let big = [UInt8](repeating: 1, count: 8 << 10)
        let results = try await withThrowingTaskGroup(of: UInt64.self) { group in
            for key in 0..<400 as Range<UInt64> {  // 3.2 MiB into a 1 MiB map: it must grow under the batches
                group.addTask {
                    try await committer.write { txn -> UInt64 in
                        try table.put(big, for: key, in: txn)
                        txn.add(1, toCounter: "writes", in: counts)
                        txn.afterCommit { log.append("\(key)") }
                        return key
                    }
                }
            }
            var results: [UInt64] = []
            for try await key in group { results.append(key) }
            return results
        }
        #expect(results.sorted() == Array(0..<400))
        #expect(env.mapSize > 1 << 20)
        #expect(try env.read { try table.count(in: $0) } == 400)
        #expect(try env.read { try counts.get("writes", in: $0) } == 400)
        #expect(log.entries.count == 400 && Set(log.entries).count == 400, "each hook ran once")
    }

    @Test("after-commit hooks of a batch run before its callers resume")
    func hooksBeforeResume() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = try Environment.open(path: dir)
        let table: Table<UInt64, UInt64> = try env.table("t")
        let committer = GroupCommitter(environment: env)
        let log = Log()
        try await committer.write { txn in
            try table.put(1, for: 1, in: txn)
            txn.afterCommit { log.append("hook") }
        }
        #expect(log.entries == ["hook"])
        await #expect(throws: TestFailure.self) {
            try await committer.write { txn in
                txn.afterCommit { log.append("failed body's hook") }
                throw TestFailure("no")
            }
        }
        #expect(log.entries == ["hook"])
    }
}

func temporaryDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("campus-storage-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
