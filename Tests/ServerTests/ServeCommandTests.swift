import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// `campus-search serve` run as a real process: bad input gives one clear stderr line and a non-zero
/// exit; a good start answers on loopback and shuts down cleanly on SIGTERM.
@Suite("campus-search serve as a process", .serialized)
struct ServeCommandTests {
    private func expectOneLineFailure(_ result: CommandResult, mentioning text: String) {
        #expect(result.status != 0)
        let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(lines.count == 1, "stderr was:\n\(result.stderr)")
        #expect(result.stderr.contains(text), "stderr was:\n\(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"))
    }

    @Test("an unknown flag")
    func unknownFlag() throws {
        let result = try runCampusSearch(["serve", "--no-such-flag"])
        expectOneLineFailure(result, mentioning: "--no-such-flag")
    }

    @Test("a data directory that cannot be created")
    func unwritableDataDirectory() throws {
        let file = temporaryDataDirectory()
        try Data("not a directory".utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let result = try runCampusSearch(["serve", "--data-dir", file + "/db", "--port", String(try freePort())])
        expectOneLineFailure(result, mentioning: "data directory")
    }

    @Test("a corrupt LMDB file")
    func corruptLMDB() throws {
        let dir = temporaryDataDirectory()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data(repeating: 0x5A, count: 65_536).write(to: URL(fileURLWithPath: dir + "/data.mdb"))
        let result = try runCampusSearch(["serve", "--data-dir", dir, "--port", String(try freePort())])
        expectOneLineFailure(result, mentioning: "not a readable LMDB environment")
    }

    @Test("a port in use")
    func portInUse() throws {
        // Hold a listening socket on a port, then ask the server for the same port.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        listen(fd, 1)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let dir = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try runCampusSearch(["serve", "--data-dir", dir, "--port", String(port)])
        expectOneLineFailure(result, mentioning: "already in use")
    }

    @Test("starts, answers /healthz and /metrics, and exits 0 on SIGTERM")
    func startAndStop() async throws {
        let dir = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let port = try freePort()
        let process = Process()
        process.executableURL = campusSearchExecutable()
        process.arguments = ["serve", "--data-dir", dir, "--port", String(port)]
        process.environment = ProcessInfo.processInfo.environment.merging(["CAMPUS_SEARCH_LOG_LEVEL": "error"]) { $1 }
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        var health: String?
        for _ in 0..<300 where health == nil {
            health = try? await fetch("http://127.0.0.1:\(port)/healthz")
            if health == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(health != nil)
        let metrics = try await fetch("http://127.0.0.1:\(port)/metrics")
        #expect(metrics.contains("http_server_request_duration"))

        kill(process.processIdentifier, SIGTERM)
        for _ in 0..<200 where process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!process.isRunning)
        #expect(process.terminationStatus == 0)
    }

    private func fetch(_ url: String) async throws -> String {
        let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
        guard (response as? HTTPURLResponse)?.statusCode == 200 else { throw URLError(.badServerResponse) }
        return String(decoding: data, as: UTF8.self)
    }
}
