import Foundation
import Server

/// A fresh data directory under the temporary directory.
func temporaryDataDirectory() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("campus-server-\(UUID().uuidString)").path
}

/// A configuration for in-process tests: a fresh data directory, an ephemeral port.
func testConfiguration() -> ServerConfiguration {
    var configuration = ServerConfiguration()
    configuration.dataDirectory = temporaryDataDirectory()
    configuration.port = 0
    configuration.logLevel = .error
    // These tests need no embedding model; loading it would only slow them down.
    configuration.modelDirectory = temporaryDataDirectory() + "-no-model"
    configuration.tokens.secret = testJWTSecret
    return configuration
}

/// The build's `campus-search` executable (built beside the test bundle by `swift build --build-tests`).
func campusSearchExecutable() -> URL {
    URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        .deletingLastPathComponent().appendingPathComponent("campus-search")
}

struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `campus-search` with `arguments`, killing it after `timeout` seconds if it has not exited.
func runCampusSearch(_ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 60) throws -> CommandResult {
    let process = Process()
    process.executableURL = campusSearchExecutable()
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(20_000) }
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
    return CommandResult(
        status: process.terminationStatus,
        stdout: String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self),
        stderr: String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    )
}

/// A TCP port nobody listens on right now.
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// The HS256 secret test servers verify tokens with (what a Supabase project signs with).
let testJWTSecret = "campus-search-test-secret-0123456789abcdef"
