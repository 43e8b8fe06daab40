import Foundation
import Testing
@testable import Storage

@Suite("LMDB environment and tables")
struct EnvironmentTests {
    @Test("values round-trip for every codable type")
    func roundTrips() throws {
        try withTemporaryDirectory { dir in
            let env = try Environment.open(path: dir)
            let strings: Table<String, String> = try env.table("strings")
            let vectors: Table<UInt64, FloatVector> = try env.table("vectors")
            let blobs: Table<[UInt8], Data> = try env.table("blobs")
            let signed: Table<Int64, UInt32> = try env.table("signed")
            struct Record: Codable, Equatable { var name: String; var tags: [String] }
            let json: Table<UInt32, JSONStored<Record>> = try env.table("json")
            try env.write { txn throws in
                try strings.put("wörld ✓", for: "hello", in: txn)
                try vectors.put(FloatVector([1.5, -2, .pi, 0]), for: 7, in: txn)
                try blobs.put(Data([0, 1, 2, 255]), for: [9, 9], in: txn)
                try signed.put(42, for: -5, in: txn)
                try json.put(JSONStored(Record(name: "n", tags: ["a", "b"])), for: 3, in: txn)
            }
            try env.read { txn throws in
                #expect(try strings.get("hello", in: txn) == "wörld ✓")
                #expect(try vectors.get(7, in: txn)?.values == [1.5, -2, .pi, 0])
                #expect(try blobs.get([9, 9], in: txn) == Data([0, 1, 2, 255]))
                #expect(try signed.get(-5, in: txn) == 42)
                #expect(try json.get(3, in: txn)?.value == Record(name: "n", tags: ["a", "b"]))
                #expect(try strings.get("missing", in: txn) == nil)
            }
        }
    }

    @Test("integer keys iterate in numeric order, signed keys too")
    func ordering() throws {
        try withTemporaryDirectory { dir in
            let env = try Environment.open(path: dir)
            let table: Table<UInt64, String> = try env.table("ordered")
            let signed: Table<Int64, String> = try env.table("signed")
            let keys: [UInt64] = [300, 1, 256, 65_536, 2, 0, .max, 255]
            let signedKeys: [Int64] = [5, -1, .min, 0, -300, .max, 256]
            try env.write { txn throws in
                for k in keys { try table.put("v\(k)", for: k, in: txn) }
                for k in signedKeys { try signed.put("v\(k)", for: k, in: txn) }
            }
            let stored = try env.read { txn in try table.entries(in: txn).map(\.key) }
            #expect(stored == keys.sorted())
            let storedSigned = try env.read { txn in try signed.entries(in: txn).map(\.key) }
            #expect(storedSigned == signedKeys.sorted())
            let range = try env.read { txn in try table.entries(in: txn, from: 2, below: 300).map(\.key) }
            #expect(range == [2, 255, 256])
            let limited = try env.read { txn in try table.entries(in: txn, from: 1, limit: 2).map(\.key) }
            #expect(limited == [1, 2])
        }
    }

    @Test("prefix scans and cursor navigation")
    func prefixScan() throws {
        try withTemporaryDirectory { dir in
            let env = try Environment.open(path: dir)
            let table: Table<String, UInt64> = try env.table("names")
            try env.write { txn throws in
                for (i, name) in ["course/1/a", "course/1/b", "course/10/a", "course/2/a", "file/1"].enumerated() {
                    try table.put(UInt64(i), for: name, in: txn)
                }
            }
            let hits = try env.read { txn in try table.entries(in: txn, prefix: Array("course/1/".utf8)).map(\.key) }
            #expect(hits == ["course/1/a", "course/1/b"])
            let lastAndBack = try env.read { txn throws in
                try table.withCursor(in: txn) { cursor -> [String] in
                    var out: [String] = []
                    if let last = try cursor.last() { out.append(last.0) }
                    if let previous = try cursor.previous() { out.append(previous.0) }
                    return out
                }
            }
            #expect(lastAndBack == ["file/1", "course/2/a"])
        }
    }

    @Test("a thrown error aborts the write transaction and nothing is stored")
    func rollback() throws {
        try withTemporaryDirectory { dir in
            let env = try Environment.open(path: dir)
            let table: Table<UInt64, String> = try env.table("t")
            try env.write { txn in try table.put("kept", for: 1, in: txn) }
            #expect(throws: TestFailure.self) {
                try env.write { txn throws in
                    try table.put("overwritten", for: 1, in: txn)
                    try table.put("new", for: 2, in: txn)
                    throw TestFailure("boom")
                }
            }
            try env.read { txn throws in
                #expect(try table.get(1, in: txn) == "kept")
                #expect(try table.get(2, in: txn) == nil)
                #expect(try table.count(in: txn) == 1)
            }
        }
    }

    @Test("delete and clear")
    func deletion() throws {
        try withTemporaryDirectory { dir in
            let env = try Environment.open(path: dir)
            let table: Table<UInt32, String> = try env.table("t")
            try env.write { txn in for i in 0..<10 { try table.put("\(i)", for: UInt32(i), in: txn) } }
            let removed = try env.write { txn in (try table.delete(3, in: txn), try table.delete(99, in: txn)) }
            #expect(removed == (true, false))
            #expect(try env.read { try table.count(in: $0) } == 9)
            try env.write { try table.removeAll(in: $0) }
            #expect(try env.read { try table.count(in: $0) } == 0)
        }
    }

    @Test("readers see a stable snapshot while a write is in progress")
    func concurrentReaders() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("campus-storage-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = try Environment.open(path: dir)
        let table: Table<UInt64, UInt64> = try env.table("counter")
        try env.write { txn in try table.put(0, for: 0, in: txn) }

        // The writer holds its transaction open while readers run; each reader must see the last
        // committed value (0), never the uncommitted one, and must not wait for the writer.
        let writerInside = DispatchSemaphore(value: 0)
        let readersDone = DispatchSemaphore(value: 0)
        let writerCommitted = DispatchSemaphore(value: 0)
        let writer = Thread {
            try? env.write { txn throws in
                try table.put(1, for: 0, in: txn)
                writerInside.signal()
                readersDone.wait()
            }
            writerCommitted.signal()
        }
        writer.start()
        writerInside.wait()
        let seen = try await withThrowingTaskGroup(of: UInt64?.self) { group in
            for _ in 0..<8 {
                group.addTask { try env.read { try table.get(0, in: $0) } }
            }
            var values: [UInt64?] = []
            for try await value in group { values.append(value) }
            return values
        }
        readersDone.signal()
        #expect(seen == Array(repeating: 0, count: 8))
        // After the commit, a new reader sees the new value.
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                writerCommitted.wait()
                continuation.resume()
            }
        }
        #expect(try env.read { try table.get(0, in: $0) } == 1)
    }

    @Test("the map grows far past its initial size without failing a write")
    func mapGrowth() throws {
        try withTemporaryDirectory { dir in
            var configuration = Environment.Configuration(path: dir)
            configuration.initialMapSize = 1 << 20  // 1 MiB
            configuration.durability = .noSync
            let env = try Environment.open(configuration)
            let table: Table<UInt64, FloatVector> = try env.table("vectors")
            let initial = env.mapSize
            let vector = FloatVector((0..<384).map { Float($0) })
            // 40 MiB of vectors in batches of 500 (each batch ~770 KB, most of the initial map).
            for batch in 0..<54 {
                try env.write { txn throws in
                    for i in 0..<500 { try table.put(vector, for: UInt64(batch * 500 + i), in: txn) }
                }
            }
            #expect(env.mapSize >= 32 * initial)
            try env.read { txn throws in
                #expect(try table.count(in: txn) == 27_000)
                #expect(try table.get(26_999, in: txn) == vector)
            }
        }
    }

    @Test("one environment per path per process")
    func singleInstance() throws {
        try withTemporaryDirectory { dir in
            let a = try Environment.open(path: dir)
            let b = try Environment.open(path: dir + "/.")
            #expect(a === b)
        }
    }

    @Test("hot backup with compaction opens as an equal copy")
    func backup() throws {
        try withTemporaryDirectory { dir in
            let env = try Environment.open(path: dir + "/live")
            let table: Table<UInt64, String> = try env.table("t")
            try env.write { txn in for i in 0..<1000 { try table.put("value \(i)", for: UInt64(i), in: txn) } }
            try env.write { txn in for i in stride(from: 0, to: 1000, by: 2) { try table.delete(UInt64(i), in: txn) } }
            try env.backup(to: dir + "/copy", compact: true)
            let copy = try Environment.open(path: dir + "/copy")
            let copied: Table<UInt64, String> = try copy.table("t")
            let original = try env.read { try table.entries(in: $0).map { "\($0.key)=\($0.value)" } }
            let restored = try copy.read { try copied.entries(in: $0).map { "\($0.key)=\($0.value)" } }
            #expect(restored == original)
            #expect(restored.count == 500)
            let stats = try copy.stats()
            #expect(stats.tables["t"]?.entries == 500)
            #expect(stats.usedBytes <= stats.mapSize)
        }
    }

    @Test("stats report entries and pages per table")
    func stats() throws {
        try withTemporaryDirectory { dir in
            let env = try Environment.open(path: dir)
            let a: Table<UInt64, String> = try env.table("a")
            let b: Table<UInt64, String> = try env.table("b")
            try env.write { txn throws in
                for i in 0..<100 { try a.put(String(repeating: "x", count: 100), for: UInt64(i), in: txn) }
                try b.put("one", for: 1, in: txn)
            }
            let stats = try env.stats()
            #expect(stats.tables["a"]?.entries == 100)
            #expect(stats.tables["b"]?.entries == 1)
            #expect((stats.tables["a"]?.pages ?? 0) > 1)
            #expect(stats.pageSize >= 4096)
        }
    }

    @Test("a file that is not LMDB is refused with LMDB's message")
    func foreignFile() throws {
        try withTemporaryDirectory { dir in
            let garbage = Data((0..<65_536).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
            try garbage.write(to: URL(fileURLWithPath: dir + "/data.mdb"))
            do {
                _ = try Environment.open(path: dir)
                Issue.record("opening a garbage data.mdb succeeded")
            } catch let error as LMDBError {
                #expect(error.isForeignOrCorrupt)
                #expect(error.description.contains("LMDB") || error.description.contains("MDB_"))
            }
        }
    }

    @Test("a data directory that cannot be created is a clear error")
    func unusableDirectory() throws {
        try withTemporaryDirectory { dir in
            let file = dir + "/plain-file"
            try Data("x".utf8).write(to: URL(fileURLWithPath: file))
            #expect(throws: StorageError.self) { _ = try Environment.open(path: file) }
            #expect(throws: StorageError.self) { _ = try Environment.open(path: file + "/below") }
        }
    }
}
