import Foundation
import Platform
import Storage
import Testing

@Suite("Data directory")
struct DataDirectoryTests {
    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("campus-data-\(UUID().uuidString)").path
    }

    @Test("a first start interrupted after creating the meta table is completed, not refused")
    func interruptedFirstStartIsCompleted() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        // What a kill between creating the meta table and writing the stamp leaves behind.
        do {
            let environment = try Environment.open(path: path)
            let _: Table<String, String> = try environment.table("campus.meta")
        }
        let opened = try DataDirectory.openEnvironment(path: path)
        let meta: Table<String, String> = try opened.table("campus.meta")
        #expect(try opened.read { try meta.get("format", in: $0) } == DataDirectory.formatVersion)
    }

    @Test("an LMDB environment of another program is refused with a message naming its tables")
    func foreignEnvironmentIsRefused() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let environment = try Environment.open(path: path)
            let other: Table<String, String> = try environment.table("someone.else")
            try environment.write { try other.put("x", for: "k", in: $0) }
        }
        #expect {
            _ = try DataDirectory.openEnvironment(path: path)
        } throws: { error in
            "\(error)".contains("another program") && "\(error)".contains("someone.else")
        }
    }
}
