import Foundation
import Testing
@testable import Storage

@Suite("Nested transactions and after-commit hooks")
struct NestedTransactionTests {
    @Test("a child commits into its parent; a throwing child leaves the parent usable and unchanged")
    func childCommitAndAbort() throws {
        try withTemporaryDirectory { dir in
            let env = try Environment.open(path: dir)
            let table: Table<String, String> = try env.table("t")
            try env.write { txn throws in
                try table.put("parent", for: "a", in: txn)
                try txn.nested { child in
                    try table.put("child", for: "b", in: child)
                    #expect(try table.get("a", in: child) == "parent")
                }
                #expect(throws: TestFailure.self) {
                    try txn.nested { child in
                        try table.put("discarded", for: "c", in: child)
                        try table.put("overwritten", for: "a", in: child)
                        throw TestFailure("abort the child")
                    }
                }
                #expect(try table.get("c", in: txn) == nil)
                #expect(try table.get("a", in: txn) == "parent")
                try table.put("after", for: "d", in: txn)
            }
            try env.read { txn throws in
                #expect(try table.entries(in: txn).map(\.key) == ["a", "b", "d"])
                #expect(try table.get("a", in: txn) == "parent")
            }
        }
    }

    @Test("grandchildren: an aborted grandchild drops only its own changes")
    func grandchildren() throws {
        try withTemporaryDirectory { dir in
            let env = try Environment.open(path: dir)
            let table: Table<UInt64, UInt64> = try env.table("t")
            try env.write { txn throws in
                try txn.nested { child in
                    try table.put(1, for: 1, in: child)
                    try? child.nested { grandchild in
                        try table.put(2, for: 2, in: grandchild)
                        throw TestFailure("abort")
                    }
                    try child.nested { grandchild in try table.put(3, for: 3, in: grandchild) }
                }
            }
            #expect(try env.read { try table.entries(in: $0).map(\.key) } == [1, 3])
        }
    }

    @Test("the parent cannot write while its child is open")
    func parentBlocked() throws {
        try withTemporaryDirectory { dir in
            let env = try Environment.open(path: dir)
            let table: Table<UInt64, UInt64> = try env.table("t")
            try env.write { txn throws in
                _ = try txn.nested { _ in
                    #expect(throws: LMDBError.self) { try table.put(1, for: 1, in: txn) }
                }
                try table.put(2, for: 2, in: txn)
            }
            #expect(try env.read { try table.entries(in: $0).map(\.key) } == [2])
        }
    }

    @Test("hooks run once after the outermost commit, in order; aborted children and writes drop theirs")
    func hooks() throws {
        try withTemporaryDirectory { dir in
            let env = try Environment.open(path: dir)
            let table: Table<UInt64, UInt64> = try env.table("t")
            let log = Log()
            try env.write { txn throws in
                txn.afterCommit { log.append("outer") }
                try txn.nested { child in
                    child.afterCommit { log.append("child") }
                    // Committed data is visible to a hook: it runs after the commit.
                    try table.put(1, for: 1, in: child)
                }
                try? txn.nested { child in
                    child.afterCommit { log.append("aborted child") }
                    throw TestFailure("abort")
                }
                #expect(log.entries.isEmpty, "no hook runs before the commit")
            }
            #expect(log.entries == ["outer", "child"])
            #expect(throws: TestFailure.self) {
                try env.write { txn throws in
                    txn.afterCommit { log.append("aborted write") }
                    throw TestFailure("abort")
                }
            }
            #expect(log.entries == ["outer", "child"])
        }
    }

    @Test("a write re-run for map growth runs only the last attempt's hooks")
    func hooksAcrossGrowth() throws {
        try withTemporaryDirectory { dir in
            var configuration = Environment.Configuration(path: dir)
            configuration.initialMapSize = 1 << 20
            let env = try Environment.open(configuration)
            let table: Table<UInt64, [UInt8]> = try env.table("t")
            let log = Log()
            let attempts = Log()
            let big = [UInt8](repeating: 7, count: 4096)
            try env.write { txn throws in
                attempts.append("attempt")
                txn.afterCommit { log.append("committed") }
                try txn.nested { child in
                    // 4 MiB in a 1 MiB map: MAP_FULL inside the child, growth, re-run.
                    for i in 0..<1024 as Range<UInt64> { try table.put(big, for: i, in: child) }
                }
            }
            #expect(attempts.entries.count > 1, "the map grew at least once")
            #expect(log.entries == ["committed"])
            #expect(try env.read { try table.count(in: $0) } == 1024)
        }
    }
}

/// A thread-safe list of strings for observing hooks.
final class Log: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func append(_ item: String) { lock.withLock { items.append(item) } }
    var entries: [String] { lock.withLock { items } }
}

@Suite("Transaction counters")
struct TransactionCounterTests {
    @Test("deltas are summed, seen inside the write, written once at commit, never below zero")
    func counters() throws {
        try withTemporaryDirectory { dir in
            let env = try Environment.open(path: dir)
            let counts: Table<String, UInt64> = try env.table("counts")
            try env.write { txn in try counts.put(5, for: "a", in: txn) }
            try env.write { txn throws in
                txn.add(3, toCounter: "a", in: counts)
                txn.add(-1, toCounter: "a", in: counts)
                txn.add(2, toCounter: "b", in: counts)
                #expect(try txn.counter("a", in: counts) == 7)
                #expect(try counts.get("a", in: txn) == 5, "the stored value moves only at commit")
                txn.add(-10, toCounter: "b", in: counts)
                #expect(try txn.counter("b", in: counts) == 0)
            }
            try env.read { txn throws in
                #expect(try counts.get("a", in: txn) == 7)
                #expect(try counts.get("b", in: txn) == nil, "a counter at zero is removed, never negative")
            }
        }
    }

    @Test("a child's deltas join its parent on commit and vanish on abort; an aborted write writes none")
    func nestedCounters() throws {
        try withTemporaryDirectory { dir in
            let env = try Environment.open(path: dir)
            let counts: Table<UInt64, UInt64> = try env.table("counts")
            try env.write { txn throws in
                txn.add(1, toCounter: 9, in: counts)
                try txn.nested { child throws in
                    child.add(10, toCounter: 9, in: counts)
                    #expect(try child.counter(9, in: counts) == 11)
                }
                try? txn.nested { child in
                    child.add(100, toCounter: 9, in: counts)
                    throw TestFailure("abort")
                }
                #expect(try txn.counter(9, in: counts) == 11)
            }
            #expect(throws: TestFailure.self) {
                try env.write { txn in
                    txn.add(1000, toCounter: 9, in: counts)
                    throw TestFailure("abort")
                }
            }
            #expect(try env.read { try counts.get(9, in: $0) } == 11)
        }
    }

    @Test("group-committed increments of one counter land exactly")
    func groupCommittedCounters() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = try Environment.open(path: dir)
        let counts: Table<String, UInt64> = try env.table("counts")
        let committer = GroupCommitter(environment: env)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<500 {
                group.addTask {
                    try await committer.write { txn in
                        txn.add(1, toCounter: "n", in: counts)
                        if n % 10 == 0 { throw TestFailure("this one's increment is discarded") }
                    }
                }
            }
            while let _ = try? await group.next() {}
        }
        #expect(try env.read { try counts.get("n", in: $0) } == 450)
    }
}
