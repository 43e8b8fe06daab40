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
