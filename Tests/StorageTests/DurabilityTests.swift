import Foundation
import Testing
@testable import Storage

@Suite("Durability across SIGKILL")
struct DurabilityTests {
    @Test("every commit a killed child acknowledged is on disk")
    func killedWriter() throws {
        try withTemporaryDirectory { dir in
            let acknowledged = try runAndKill(arguments: [dir], after: 300)
            try expectOnDisk(acknowledged, in: dir)
        }
    }

    @Test("every group-committed write a killed child acknowledged is on disk")
    func killedGroupWriter() throws {
        try withTemporaryDirectory { dir in
            let acknowledged = try runAndKill(arguments: [dir, "--group", "64"], after: 3_000)
            try expectOnDisk(acknowledged, in: dir)
        }
    }

    /// Starts LMDBCrashWriter, reads its acknowledgements until `after` of them arrived, SIGKILLs it
    /// mid-stream and returns every record number it acknowledged.
    private func runAndKill(arguments: [String], after: Int) throws -> Set<UInt64> {
        let writer = buildProductsDirectory().appendingPathComponent("LMDBCrashWriter")
        guard FileManager.default.isExecutableFile(atPath: writer.path) else {
            throw TestFailure("LMDBCrashWriter not built at \(writer.path)")
        }
        let process = Process()
        process.executableURL = writer
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()

        var acknowledged = Set<UInt64>()
        var pending = ""
        let handle = pipe.fileHandleForReading
        while acknowledged.count < after {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            pending += String(decoding: chunk, as: UTF8.self)
            while let newline = pending.firstIndex(of: "\n") {
                let line = pending[..<newline]
                pending = String(pending[pending.index(after: newline)...])
                if line.hasPrefix("committed "), let n = UInt64(line.dropFirst(10)) { acknowledged.insert(n) }
            }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(acknowledged.count >= after)
        return acknowledged
    }

    private func expectOnDisk(_ acknowledged: Set<UInt64>, in dir: String) throws {
        let env = try Environment.open(path: dir)
        let table: Table<UInt64, String> = try env.table("crash")
        try env.read { txn throws in
            let count = try table.count(in: txn)
            #expect(count >= acknowledged.count)
            var lost = 0
            for n in acknowledged where try table.get(n, in: txn)?.hasPrefix("record-\(n)-") != true { lost += 1 }
            #expect(lost == 0, "\(lost) acknowledged records lost")
        }
    }
}
