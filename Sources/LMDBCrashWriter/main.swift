// A test fixture for StorageTests' durability test.
//
//   lmdb-crash-writer DIR [COUNT]
//
// Commits records 0, 1, 2, ... (one write transaction each, key = UInt64 n, value = "record-n" padded
// to a few hundred bytes so the map must grow) into table "crash" of the LMDB environment in DIR, and
// prints "committed n" after each commit returns. The parent kills it with SIGKILL mid-stream and
// checks that every record it saw acknowledged is on disk.
import Foundation
import Storage

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write("usage: LMDBCrashWriter DIR [COUNT]\n".data(using: .utf8)!)
    exit(2)
}
var configuration = Environment.Configuration(path: arguments[1])
configuration.initialMapSize = 1 << 20
let count = arguments.count > 2 ? UInt64(arguments[2]) ?? .max : .max
do {
    let environment = try Environment.open(configuration)
    let table: Table<UInt64, String> = try environment.table("crash")
    var n: UInt64 = 0
    while n < count {
        let value = "record-\(n)-" + String(repeating: "x", count: 300)
        try environment.write { txn in try table.put(value, for: n, in: txn) }
        // One write(2) per acknowledgement: nothing sits in a stdio buffer when the kill arrives.
        FileHandle.standardOutput.write(Data("committed \(n)\n".utf8))
        n += 1
    }
} catch {
    FileHandle.standardError.write("LMDBCrashWriter: \(error)\n".data(using: .utf8)!)
    exit(1)
}
