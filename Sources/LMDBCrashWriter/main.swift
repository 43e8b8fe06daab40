// A test fixture for StorageTests' durability tests.
//
//   lmdb-crash-writer DIR [COUNT] [--group WRITERS]
//
// Commits records 0, 1, 2, ... (key = UInt64 n, value = "record-n" padded to a few hundred bytes so the
// map must grow) into table "crash" of the LMDB environment in DIR, and prints "committed n" after each
// commit returns. By default each record is its own write transaction; with `--group WRITERS`, that many
// concurrent writers share transactions through a `GroupCommitter` and each prints its record once its
// `write` has returned. The parent kills it with SIGKILL mid-stream and checks that every record it saw
// acknowledged is on disk.
import Foundation
import Storage

var arguments = Array(CommandLine.arguments.dropFirst())
var groupWriters: Int?
if let flag = arguments.firstIndex(of: "--group"), flag + 1 < arguments.count {
    groupWriters = Int(arguments[flag + 1])
    arguments.removeSubrange(flag...(flag + 1))
}
guard let directory = arguments.first, groupWriters ?? 1 >= 1 else {
    FileHandle.standardError.write(Data("usage: LMDBCrashWriter DIR [COUNT] [--group WRITERS]\n".utf8))
    exit(2)
}
var configuration = Environment.Configuration(path: directory)
configuration.initialMapSize = 1 << 20
let count = arguments.count > 1 ? UInt64(arguments[1]) ?? .max : .max

/// One write(2) per acknowledgement: nothing sits in a stdio buffer when the kill arrives.
@Sendable func acknowledge(_ n: UInt64) {
    FileHandle.standardOutput.write(Data("committed \(n)\n".utf8))
}

@Sendable func value(_ n: UInt64) -> String { "record-\(n)-" + String(repeating: "x", count: 300) }

do {
    let environment = try Environment.open(configuration)
    let table: Table<UInt64, String> = try environment.table("crash")
    if let writers = groupWriters {
        let committer = GroupCommitter(environment: environment)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<UInt64(writers) {
                group.addTask {
                    var n = writer
                    while n < count {
                        let key = n
                        try await committer.write { txn in try table.put(value(key), for: key, in: txn) }
                        acknowledge(key)
                        n += UInt64(writers)
                    }
                }
            }
            try await group.waitForAll()
        }
    } else {
        var n: UInt64 = 0
        while n < count {
            try environment.write { txn in try table.put(value(n), for: n, in: txn) }
            acknowledge(n)
            n += 1
        }
    }
} catch {
    FileHandle.standardError.write(Data("LMDBCrashWriter: \(error)\n".utf8))
    exit(1)
}
