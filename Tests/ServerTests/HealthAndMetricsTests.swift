import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import Server

@Suite("Health and metrics")
struct HealthAndMetricsTests {
    @Test("healthz, livez and readyz answer 200")
    func health() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            for path in ["/healthz", "/livez", "/readyz"] {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .ok, "\(path)")
                }
            }
            try await client.execute(uri: "/no-such-route", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test("metrics expose a request-duration histogram per route and status after the first request")
    func metrics() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.live) { client in
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/missing-route-for-metrics", method: .get) { #expect($0.status == .notFound) }
            // The histogram is recorded after the response body is written; allow it a moment.
            var text = ""
            for _ in 0..<50 {
                text = try await client.execute(uri: "/metrics", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                    return String(buffer: response.body)
                }
                if text.contains("route=\"/healthz\"") { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(text.contains("# TYPE http_server_request_duration_seconds histogram"))
            #expect(text.contains("http_server_request_duration_seconds_bucket{"))
            let healthLine = text.split(separator: "\n").first {
                $0.hasPrefix("http_server_request_duration_seconds_count") && $0.contains("route=\"/healthz\"") && $0.contains("status=\"200\"")
            }
            #expect(healthLine != nil, "no /healthz 200 histogram in:\n\(text)")
            #expect(text.contains("campus_storage_map_size_bytes"))
        }
    }

    @Test("a data directory that is not an LMDB environment fails start-up with a clear error")
    func corruptDataDirectory() async throws {
        var configuration = testConfiguration()
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        try Data(repeating: 0xAB, count: 32_768).write(to: URL(fileURLWithPath: configuration.dataDirectory + "/data.mdb"))
        configuration.port = 0
        await #expect(throws: (any Error).self) { _ = try await buildApplication(configuration) }
    }

    @Test("configuration from environment variables, with validation")
    func environmentConfiguration() throws {
        let configuration = try ServerConfiguration(environment: [
            "CAMPUS_SEARCH_HOST": "0.0.0.0", "CAMPUS_SEARCH_PORT": "7000", "CAMPUS_SEARCH_DATA_DIR": "/tmp/x",
            "CAMPUS_SEARCH_LOG_LEVEL": "DEBUG",
        ])
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.port == 7000)
        #expect(configuration.dataDirectory == "/tmp/x")
        #expect(configuration.logLevel == .debug)
        #expect(throws: ServerConfiguration.InvalidValue.self) { try ServerConfiguration(environment: ["CAMPUS_SEARCH_PORT": "70000"]) }
        #expect(throws: ServerConfiguration.InvalidValue.self) { try ServerConfiguration(environment: ["CAMPUS_SEARCH_LOG_LEVEL": "loud"]) }
        let defaults = try ServerConfiguration(environment: [:])
        #expect(defaults == ServerConfiguration())
        #expect(defaults.port == 6333 && defaults.host == "127.0.0.1" && defaults.dataDirectory == "./data/db")
    }
}
