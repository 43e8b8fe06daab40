import Foundation
import Testing
@testable import Storage

@Suite("Durability across SIGKILL")
struct DurabilityTests {
    @Test("every commit a killed child acknowledged is on disk")
    func killedWriter() throws {
        try withTemporaryDirectory { dir in
            let writer = buildProductsDirectory().appendingPathComponent("LMDBCrashWriter")
            guard FileManager.default.isExecutableFile(atPath: writer.path) else {
                throw TestFailure("LMDBCrashWriter not built at \(writer.path)")
            }
            let process = Process()
            process.executableURL = writer
            process.arguments = [dir]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()

            // Read acknowledgements until at least 300 commits are reported, then SIGKILL mid-stream.
            var acknowledged: UInt64 = 0
            var pending = ""
            let handle = pipe.fileHandleForReading
            while acknowledged < 300 {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                pending += String(decoding: chunk, as: UTF8.self)
                while let newline = pending.firstIndex(of: "\n") {
                    let line = pending[..<newline]
                    pending = String(pending[pending.index(after: newline)...])
                    if line.hasPrefix("committed "), let n = UInt64(line.dropFirst(10)) { acknowledged = n + 1 }
                }
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)
            #expect(acknowledged >= 300)

            let env = try Environment.open(path: dir)
            let table: Table<UInt64, String> = try env.table("crash")
            try env.read { txn throws in
                let count = try table.count(in: txn)
                #expect(UInt64(count) >= acknowledged)
                for n in 0..<acknowledged {
                    let value = try table.get(n, in: txn)
                    #expect(value?.hasPrefix("record-\(n)-") == true, "record \(n) lost")
                }
            }
        }
    }
}
