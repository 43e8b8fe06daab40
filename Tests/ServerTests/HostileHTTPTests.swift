import Foundation
import Hummingbird
import HummingbirdTesting
import JSON
import Testing
@testable import Server

/// Raw bytes on a loopback socket, for what no well-behaved HTTP client sends.
struct RawConnection {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let rc = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard rc == 0 else { throw TestFailure("connect failed: \(errno)") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    func closeWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// Reads until the peer closes, the timeout passes, or one full response (by Content-Length) arrived.
    func readResponse() -> String {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            data += buffer[0..<n]
            let text = String(decoding: data, as: UTF8.self)
            if let headEnd = text.range(of: "\r\n\r\n"),
               let lengthLine = text[..<headEnd.lowerBound].split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-length:") }),
               let length = Int(lengthLine.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)),
               text.utf8.distance(from: headEnd.upperBound.samePosition(in: text.utf8) ?? text.utf8.endIndex, to: text.utf8.endIndex) >= length {
                break
            }
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Whether the server closed the connection (a read returns end of file).
    func isClosedByPeer() -> Bool {
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, 0) == 0
    }

    func close() { Glibc.close(fd) }
}

/// Runs blocking socket I/O on a Dispatch thread, so it never occupies one of Swift concurrency's
/// few cooperative threads, which the server under test needs to answer.
func offPool<R: Sendable>(_ body: @escaping @Sendable () throws -> R) async throws -> R {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}

/// Sends `request` on a new connection and reads the answer, off the cooperative pool.
func exchange(port: Int, _ request: String, closeWrite: Bool = false) async throws -> String {
    try await offPool {
        let connection = try RawConnection(port: port)
        defer { connection.close() }
        connection.send(request)
        if closeWrite { connection.closeWrite() }
        return connection.readResponse()
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

@Suite("Hostile HTTP")
struct HostileHTTPTests {
    static func statusLine(_ response: String) -> String { String(response.split(separator: "\r\n").first ?? "") }

    @Test("a malformed chunked body, a body shorter than its Content-Length and a Content-Length of 1e11 get 400/413, not 500")
    func malformedBodies() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.live) { client in
            try await QdrantRouteTests.seed(client)
            let port = try #require(client.port)

            let chunkedAnswer = try await exchange(port: port, "POST /collections/lessons/points/scroll HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n")
            #expect(Self.statusLine(chunkedAnswer).contains("400"), "\(chunkedAnswer)")

            let shortAnswer = try await exchange(
                port: port, "POST /collections/lessons/points/scroll HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"limit\":1}", closeWrite: true
            )
            #expect(!shortAnswer.contains(" 500 "), "\(shortAnswer)")
            #expect(shortAnswer.isEmpty || Self.statusLine(shortAnswer).contains("400"), "\(shortAnswer)")

            let hugeAnswer = try await exchange(port: port, "POST /collections/lessons/points/scroll HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000000\r\n\r\n{\"limit\":1}")
            #expect(Self.statusLine(hugeAnswer).contains("413"), "\(hugeAnswer)")
            #expect(hugeAnswer.contains("Payload too large"))

            try await QdrantRouteTests.expectIntact(client)
        }
    }

    @Test("a client that stalls half-way through its headers is disconnected after the idle timeout")
    func slowHeaders() async throws {
        var configuration = testConfiguration()
        configuration.idleTimeout = .milliseconds(400)
        let app = try await buildApplication(configuration)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let (closed, seconds) = try await offPool {
                let slow = try RawConnection(port: port)
                defer { slow.close() }
                slow.send("GET /collections HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                let start = Date()
                return (slow.isClosedByPeer(), Date().timeIntervalSince(start))
            }
            #expect(closed)
            #expect(seconds < 5)
            // The test client's own idle connection was closed too; a new connection is served.
            #expect(Self.statusLine(try await exchange(port: port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")).contains("200"))
        }
    }
}
