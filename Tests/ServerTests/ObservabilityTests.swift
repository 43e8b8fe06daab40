import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JSON
import Logging
import Synchronization
import Testing
@testable import Server

/// Captured log lines.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
    var objects: [[String: Any]] {
        all.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
    }

    /// The "slow request" line of `requestID`, waiting up to 2 s for it (request lines are written once the body is).
    func slowRequest(_ requestID: String) async throws -> [String: Any]? {
        for _ in 0..<100 {
            if let line = objects.first(where: { $0["request_id"] as? String == requestID && $0["message"] as? String == "slow request" }) {
                return line
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }
}

/// Scrapes `/metrics` until `ready` holds (histograms are recorded once the body is written).
func scrape(_ client: some TestClientProtocol, until ready: (String) -> Bool = { _ in true }) async throws -> String {
    var text = ""
    for _ in 0..<100 {
        text = try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
        if ready(text) { break }
        try await Task.sleep(for: .milliseconds(20))
    }
    return text
}

@Suite("Observability: metrics, logs, request ids")
struct ObservabilityTests {
    @Test("HTTP metrics are labelled by the matched route pattern, never the raw path, with sizes")
    func httpMetrics() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            try await client.execute(uri: "/collections/observability-raw-name-42", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/definitely/not/a/route/xyz", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            let text = try await scrape(client) { $0.contains("route=\"/healthz\"") }
            let http = text.split(separator: "\n").filter { $0.hasPrefix("http_server_") }
            #expect(!http.contains { $0.contains("observability-raw-name-42") || $0.contains("not/a/route") })
            #expect(http.contains { $0.hasPrefix("http_server_requests_total{") && $0.contains("route=\"/healthz\"") && $0.contains("status=\"200\"") && $0.contains("method=\"GET\"") })
            #expect(http.contains { $0.hasPrefix("http_server_requests_total{") && $0.contains("route=\"/collections/{collection}\"") || $0.contains("route=\"/collections/:collection\"") })
            #expect(text.contains("# TYPE http_server_response_size_bytes histogram"))
            #expect(text.contains("# TYPE http_server_request_size_bytes histogram"))
            #expect(text.contains("http_server_active_requests"))
        }
    }

    @Test("tRPC calls are counted per procedure and error code; batches record their size")
    func trpcMetrics() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            let missing = try await client.trpcQuery("no.such.procedure")
            #expect(missing.errorCode == "NOT_FOUND")
            let anonymous = try await client.trpcQuery("jobs.list")
            #expect(anonymous.errorCode == "UNAUTHORIZED")
            _ = try await client.trpc(.get, "/trpc/jobs.list,no.such.procedure?batch=1&input=%7B%7D", body: nil)
            let text = try await scrape(client) { $0.contains("campus_trpc_batch_size_count") }
            let lines = text.split(separator: "\n")
            #expect(lines.contains { $0.hasPrefix("campus_trpc_calls_total{") && $0.contains("procedure=\"unknown\"") && $0.contains("code=\"NOT_FOUND\"") })
            #expect(lines.contains { $0.hasPrefix("campus_trpc_calls_total{") && $0.contains("procedure=\"jobs.list\"") && $0.contains("code=\"UNAUTHORIZED\"") && $0.contains("type=\"query\"") })
            #expect(!lines.contains { $0.contains("no.such.procedure") })
            #expect(lines.contains { $0.hasPrefix("campus_trpc_call_duration_seconds_count{") && $0.contains("procedure=\"jobs.list\"") })
            let batch = PrometheusText.samples(text).first { $0.name == "campus_trpc_batch_size_sum" }
            #expect((batch?.value ?? 0) >= 2)
        }
    }

    @Test("group commits are counted with their writes, failures, batch sizes and times")
    func groupCommitMetrics() async throws {
        let world = try await PlatformWorld.make()
        let app = try await buildApplication(world.configuration)
        try await app.test(.router) { client in
            let mine = try await world.bearer(world.instructor)
            func committed(_ samples: [PrometheusText.Sample], _ name: String, _ outcome: String) -> Double {
                samples.first { $0.name == name && $0.labels["outcome"] == outcome }?.value ?? 0
            }
            let before = PrometheusText.samples(try await scrape(client))
            let created = try await client.trpcMutation("courses.create", #"{"title":"Metrics course"}"#, headers: mine)
            #expect(created.status == .ok)
            // A taken slug is refused inside its own write: a failed write in a committed transaction.
            let taken = try await client.trpcMutation("courses.create", #"{"title":"Again","slug":"metrics-course"}"#, headers: mine)
            #expect(taken.errorCode == "CONFLICT")
            let text = try await scrape(client) { text in
                let samples = PrometheusText.samples(text)
                return committed(samples, "campus_group_commit_writes_total", "failed") > committed(before, "campus_group_commit_writes_total", "failed")
            }
            let after = PrometheusText.samples(text)
            #expect(committed(after, "campus_group_commits_total", "committed") >= committed(before, "campus_group_commits_total", "committed") + 1)
            #expect(committed(after, "campus_group_commit_writes_total", "committed") >= committed(before, "campus_group_commit_writes_total", "committed") + 1)
            #expect(text.contains("# TYPE campus_group_commit_batch_size histogram"))
            #expect(text.contains("campus_group_commit_batch_size_bucket{le=\"4096.0\"}"))
            #expect(after.contains { $0.name == "campus_group_commit_seconds_count" && $0.value >= 2 })
            #expect(after.contains { $0.name == "campus_group_commit_queue_seconds_count" && $0.value >= 2 })
        }
    }

    @Test("process collector figures come from /proc and are plausible")
    func processMetrics() async throws {
        #if os(Linux)
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            let samples = PrometheusText.samples(try await scrape(client))
            func value(_ name: String) -> Double? { samples.first { $0.name == name }?.value }
            #expect((value("process_resident_memory_bytes") ?? 0) > 1_000_000)
            #expect((value("process_cpu_seconds_total") ?? 0) > 0)
            #expect((value("process_open_fds") ?? 0) >= 3)
            #expect((value("process_threads") ?? 0) >= 1)
            let start = value("process_start_time_seconds") ?? 0
            let now = Date().timeIntervalSince1970
            #expect(start > now - 86_400 && start <= now + 1)
            #expect(value("campus_storage_map_size_bytes") != nil && value("campus_storage_used_bytes") != nil)
        }
        #endif
        // A command name with spaces and parentheses does not shift the fields.
        let stat = "42 (we (ird) name) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 7 0 1000 123456789 2048 18446744073709551615"
        let sample = try #require(ProcessMetrics.parse(stat: stat, bootTime: 1_700_000_000, openFDs: 9, maxFDs: 1024, ticksPerSecond: 100, pageSize: 4096))
        #expect(sample.cpuSeconds == 3.0 && sample.threads == 7 && sample.residentBytes == 2048 * 4096)
        #expect(sample.virtualBytes == 123_456_789 && sample.startTimeSeconds == 1_700_000_010)
        #expect(ProcessMetrics.parse(stat: "garbage", bootTime: 0, openFDs: 0, maxFDs: nil, ticksPerSecond: 100, pageSize: 4096) == nil)
        #expect(ProcessMetrics.exposition(sample).contains("# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 3\n"))
    }

    @Test("x-request-id: a sane client id is echoed, an insane one replaced, none generated")
    func requestIDs() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            let header = HTTPField.Name("x-request-id")!
            try await client.execute(uri: "/healthz", method: .get, headers: [header: "abc-123"]) { #expect($0.headers[header] == "abc-123") }
            let long = String(repeating: "x", count: 129)
            try await client.execute(uri: "/healthz", method: .get, headers: [header: long]) { response in
                #expect(response.headers[header] != long && response.headers[header]?.count == 32)
            }
            try await client.execute(uri: "/healthz", method: .get, headers: [header: "has space"]) { #expect($0.headers[header]?.count == 32) }
            try await client.execute(uri: "/no-such-thing", method: .get) { #expect($0.status == .notFound && $0.headers[header]?.count == 32) }
            try await client.execute(uri: "/dashboard/api/overview", method: .get) { #expect($0.headers[header]?.count == 32) }
        }
    }

    @Test("JSON log lines: one object per line, fixed keys first, metadata as keys, escaping")
    func jsonLogHandler() throws {
        let lines = LogLines()
        var handler = JSONLogHandler(label: "test") { lines.append($0) }
        handler.logLevel = .debug
        handler[metadataKey: "request_id"] = "r1"
        var logger = Logger(label: "test") { _ in handler }
        logger.logLevel = .debug
        logger.info("hello \"world\"\n", metadata: ["status": .stringConvertible(200), "time": "shadow", "nested": ["a": "b"]])
        let line = try #require(lines.all.first)
        #expect(line.hasSuffix("}\n") && line.filter { $0 == "\n" }.count == 1)
        #expect(line.hasPrefix("{\"time\":\""))
        let object = try #require(lines.objects.first)
        #expect(object["message"] as? String == "hello \"world\"\n")
        #expect(object["level"] as? String == "info" && object["label"] as? String == "test")
        #expect(object["request_id"] as? String == "r1" && object["status"] as? Int == 200 && object["meta_time"] as? String == "shadow")
        #expect((object["nested"] as? [String: Any])?["a"] as? String == "b")
        #expect((object["time"] as? String)?.hasSuffix("Z") == true)
    }

    @Test("deferred metadata: keys set on the logger reach the wrapped handler with each message, call metadata winning")
    func deferredMetadata() throws {
        let lines = LogLines()
        var logger = Logger(label: "test") { label in DeferredMetadataLogHandler(JSONLogHandler(label: label) { lines.append($0) }) }
        logger.logLevel = .debug
        logger[metadataKey: "request_id"] = "r1"
        logger[metadataKey: "procedure"] = "courses.list"
        #expect(logger[metadataKey: "procedure"] == "courses.list")
        logger.debug("first", metadata: ["procedure": "overridden", "status": "200"])
        logger[metadataKey: "request_id"] = nil
        logger.trace("below the level")
        logger.info("second")
        let objects = lines.objects
        try #require(objects.count == 2)
        #expect(objects[0]["request_id"] as? String == "r1" && objects[0]["procedure"] as? String == "overridden")
        #expect(objects[0]["status"] as? String == "200" && objects[0]["level"] as? String == "debug")
        #expect(objects[1]["request_id"] == nil && objects[1]["procedure"] as? String == "courses.list")
    }

    @Test("request log lines carry request id, route, procedure, status, duration, organisation and user; slow ones warn")
    func requestLogs() async throws {
        let world = try await PlatformWorld.make { $0.logLevel = .debug; $0.slowRequestMilliseconds = 0 }
        let lines = LogLines()
        var logger = Logger(label: "campus-search") { label in JSONLogHandler(label: label) { lines.append($0) } }
        logger.logLevel = .debug
        let app = try await buildApplication(world.configuration, logger: logger)
        try await app.test(.router) { client in
            var headers = try await world.bearer(world.instructor)
            headers[HTTPField.Name("x-request-id")!] = "log-test-1"
            _ = try await client.trpcQuery("jobs.list", headers: headers)
            let found = try #require(try await lines.slowRequest("log-test-1"))
            #expect(found["level"] as? String == "warning")
            #expect(found["procedure"] as? String == "jobs.list")
            #expect((found["route"] as? String)?.hasPrefix("/trpc") == true)
            #expect(found["status"] as? Int == 200)
            #expect(found["organisation"] as? String == world.alpha.id.uuidString.lowercased())
            #expect(found["user"] as? String == world.instructor.id.uuidString.lowercased())
            #expect(found["duration_ms"] != nil && found["handler_ms"] != nil)
        }
    }

    @Test("per-collection gauges: points, indexed vectors, indexing backlog, HNSW and posting memory")
    func collectionGauges() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            try await client.ok(.put, "/collections/gauged", #"{"vectors":{"dense":{"size":2,"distance":"Dot"}},"sparse_vectors":{"text":{}}}"#)
            try await client.ok(.put, "/collections/gauged/points?wait=true",
                                #"{"points":[{"id":1,"vector":{"dense":[1,0],"text":{"indices":[3,9],"values":[1,2]}}},{"id":2,"vector":{"dense":[0,1],"text":{"indices":[3],"values":[1]}}}]}"#)
            let text = try await scrape(client) { $0.contains("campus_collection_hnsw_memory_bytes{collection=\"gauged\"}") }
            func value(_ family: String) -> Double? {
                text.split(separator: "\n").first { $0.hasPrefix("\(family){collection=\"gauged\"} ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
            }
            #expect(value("campus_collection_points") == 2)
            #expect(value("campus_collection_indexed_vectors") == 2)
            #expect(value("campus_collection_indexing_backlog") == 0 && value("campus_collection_indexing_backlog_bytes") == 0)
            #expect((value("campus_collection_hnsw_memory_bytes") ?? 0) > 0)
            #expect((value("campus_collection_sparse_postings_bytes") ?? 0) > 0)
            try await client.ok(.delete, "/collections/gauged")
            let after = try await scrape(client) { !$0.contains("collection=\"gauged\"") }
            #expect(!after.contains("collection=\"gauged\""))
        }
    }

    @Test("a slow query's warning lists the stages its spans measured")
    func slowQueryStages() async throws {
        var configuration = testConfiguration()
        configuration.slowRequestMilliseconds = 0
        configuration.logLevel = .warning
        let lines = LogLines()
        let logger = Logger(label: "campus-search") { label in JSONLogHandler(label: label) { lines.append($0) } }
        let app = try await buildApplication(configuration, logger: logger)
        try await app.test(.router) { client in
            try await client.ok(.put, "/collections/staged", #"{"vectors":{"size":2,"distance":"Dot"}}"#)
            try await client.ok(.put, "/collections/staged/points?wait=true", #"{"points":[{"id":1,"vector":[1,0]},{"id":2,"vector":[0,1]}]}"#)
            let headers: HTTPFields = [HTTPField.Name("x-request-id")!: "staged-query", .contentType: "application/json"]
            try await client.execute(uri: "/collections/staged/points/query", method: .post, headers: headers,
                                     body: ByteBuffer(string: #"{"query":[1,0],"limit":1,"filter":{"must":[{"has_id":[1,2]}]}}"#)) {
                #expect($0.status == .ok)
            }
            let warning = try #require(try await lines.slowRequest("staged-query"))
            let stages = try #require(warning["stages"] as? [String: String])
            for stage in ["filter", "dense", "fetch"] {
                let milliseconds = try #require(stages[stage], "no \(stage) in \(stages)")
                #expect(Double(milliseconds) != nil, "\(stage): \(milliseconds)")
            }
            #expect(stages["sparse"] == nil && stages["embedding"] == nil)
            // A request without spans (health) logs no stages at all.
            try await client.execute(uri: "/healthz", method: .get, headers: [HTTPField.Name("x-request-id")!: "staged-health"]) { _ in }
            let health = try #require(try await lines.slowRequest("staged-health"))
            #expect(health["stages"] == nil)
        }
    }

    @Test("stage totals add up per name and keep the order names first ended")
    func stageTotals() {
        let stages = RequestStages()
        stages.add("dense", nanoseconds: 1_500_000)
        stages.add("fetch", nanoseconds: 20_000)
        stages.add("dense", nanoseconds: 500_000)
        #expect(stages.current == [.init(name: "dense", nanoseconds: 2_000_000, count: 2), .init(name: "fetch", nanoseconds: 20_000, count: 1)])
        #expect(stages.metadata == .dictionary(["dense": "2.000 (2)", "fetch": "0.020"]))
        for n in 0..<100 { stages.add("s\(n)", nanoseconds: 1) }
        #expect(stages.current.count == RequestStages.maxNames)
    }

    @Test("paths no route takes are counted as route=\"unmatched\", whatever the path")
    func unmatchedRoutes() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            for path in ["/nope-a", "/nope-b/deeper", "/collections/x/points/nope"] {
                try await client.execute(uri: path, method: .get) { #expect($0.status == .notFound) }
            }
            let text = try await scrape(client) { $0.contains("route=\"unmatched\"") }
            let unmatched = text.split(separator: "\n").filter {
                $0.hasPrefix("http_server_requests_total{") && $0.contains("route=\"unmatched\"") && $0.contains("status=\"404\"") && $0.contains("method=\"GET\"")
            }
            #expect(unmatched.count == 1, "\(unmatched)")
            #expect(unmatched.first.flatMap { $0.split(separator: " ").last.flatMap { Int($0) } } ?? 0 >= 3)
            #expect(!text.contains("route=\"NotFound\""))
        }
    }

    @Test("log format and dashboard settings from the environment, with validation")
    func settings() throws {
        #expect(try ServerConfiguration(environment: ["CAMPUS_SEARCH_LOG_FORMAT": "JSON"]).logFormat == .json)
        #expect(try ServerConfiguration(environment: [:]).logFormat == .text)
        #expect(throws: ServerConfiguration.InvalidValue.self) { try ServerConfiguration(environment: ["CAMPUS_SEARCH_LOG_FORMAT": "xml"]) }
        #expect(try ServerConfiguration(environment: ["CAMPUS_SEARCH_DASHBOARD": "off"]).dashboardEnabled == false)
        #expect(try ServerConfiguration(environment: [:]).dashboardEnabled == true)
        #expect(throws: ServerConfiguration.InvalidValue.self) { try ServerConfiguration(environment: ["CAMPUS_SEARCH_DASHBOARD": "maybe"]) }
        #expect(try ServerConfiguration(environment: [:]).metricsEnabled == true)
        #expect(try ServerConfiguration(environment: ["CAMPUS_SEARCH_METRICS": "OFF"]).metricsEnabled == false)
        #expect(try ServerConfiguration(environment: ["CAMPUS_SEARCH_METRICS": "1"]).metricsEnabled == true)
        #expect(throws: ServerConfiguration.InvalidValue.self) { try ServerConfiguration(environment: ["CAMPUS_SEARCH_METRICS": "none"]) }
    }
}

@Suite("Deployment files")
struct DeploymentFileTests {
    @Test("every metric the Grafana dashboard queries exists on /metrics after traffic")
    func grafanaMetricsExist() async throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("deploy/grafana-dashboard.json")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let panels = try #require(json["panels"] as? [[String: Any]])
        let expressions = panels.flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
        #expect(expressions.count >= 8)
        let functions: Set<String> = ["sum", "by", "rate", "histogram_quantile", "le", "route", "procedure", "code", "without", "avg", "max", "min"]
        let regex = try NSRegularExpression(pattern: "[a-zA-Z_:][a-zA-Z0-9_:]*")
        var names = Set<String>()
        for expression in expressions {
            let range = NSRange(expression.startIndex..., in: expression)
            for match in regex.matches(in: expression, range: range) {
                guard let r = Range(match.range, in: expression) else { continue }
                let word = String(expression[r])
                if !functions.contains(word), word.contains("_") { names.insert(word) }
            }
        }
        #expect(names.contains("http_server_requests_total"))
        let queried = names
        let world = try await PlatformWorld.make()
        let app = try await buildApplication(world.configuration)
        try await app.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            _ = try await client.trpcQuery("jobs.list")
            // A write, so the group committer has reported a commit.
            _ = try await client.trpcMutation("courses.create", #"{"title":"Grafana course"}"#, headers: try await world.bearer(world.instructor))
            let text = try await scrape(client) {
                $0.contains("route=\"/healthz\"") && $0.contains("campus_trpc_call_duration_seconds_bucket") && $0.contains("campus_group_commit_seconds_bucket")
            }
            let exposed = PrometheusText.names(text)
            for name in queried.sorted() { #expect(exposed.contains(name), "Grafana queries \(name), which /metrics does not expose") }
        }
    }
}
