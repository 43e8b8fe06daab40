import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JSON
import Testing
@testable import Server

@Suite("Dashboard")
struct DashboardTests {
    func get(_ client: some TestClientProtocol, _ uri: String, _ headers: HTTPFields = [:]) async throws -> (HTTPResponse.Status, JSONValue?) {
        try await client.execute(uri: uri, method: .get, headers: headers) { response in
            (response.status, try? JSONText.parse(Array(response.body.readableBytesView)))
        }
    }

    @Test("non-loopback: 401 without a token, 403 for a non-superadmin, figures for a superadmin; bad window 400; actions")
    func accessAndFigures() async throws {
        let world = try await PlatformWorld.make()
        let app = try await buildApplication(world.configuration)
        try await app.test(.router) { client in
            let (anonymous, body) = try await get(client, "/dashboard/api/overview")
            #expect(anonymous == .unauthorized && body?["status"]?["error"]?.stringValue?.contains("superadmin") == true)
            let instructor = try await world.bearer(world.instructor)
            let forbidden = try await get(client, "/dashboard/api/overview", instructor).0
            #expect(forbidden == .forbidden)
            let root = try await world.bearer(world.superadmin)
            for _ in 0..<3 { try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) } }
            _ = try await client.trpcQuery("jobs.list", headers: root)
            let (status, routes) = try await get(client, "/dashboard/api/routes?window=60", root)
            #expect(status == .ok)
            let health = routes?["result"]?["routes"]?.arrayValue?.first { $0["name"] == "GET /healthz" }
            #expect(health?["count"] == 3)
            #expect(routes?["result"]?["procedures"]?.arrayValue?.contains { $0["name"] == "jobs.list" } == true)
            let (okOverview, overview) = try await get(client, "/dashboard/api/overview", root)
            #expect(okOverview == .ok && overview?["result"]?["requests"]?["count"] != nil && overview?["result"]?["requests"]?["count"] != 0)
            // The storage panel counts the group committer's commits: one more after a course is created.
            let commitsBefore = overview?["result"]?["storage"]?["group_commits"]?.numberValue ?? -1
            #expect(commitsBefore >= 0)
            #expect(try await client.trpcMutation("courses.create", #"{"title":"Dashboard course"}"#, headers: instructor).status == .ok)
            let storage = try await get(client, "/dashboard/api/overview", root).1?["result"]?["storage"]
            #expect((storage?["group_commits"]?.numberValue ?? 0) >= commitsBefore + 1)
            #expect((storage?["group_commit_writes"]?.numberValue ?? 0) >= 1)
            for path in ["jobs", "collections", "caches"] {
                let panel = try await get(client, "/dashboard/api/\(path)", root).0
                #expect(panel == .ok, "\(path)")
            }
            try await client.ok(.put, "/collections/panel", #"{"vectors":{"size":2,"distance":"Dot"}}"#)
            try await client.ok(.put, "/collections/panel/points?wait=true", #"{"points":[{"id":1,"vector":[1,0]}]}"#)
            let panel = try await get(client, "/dashboard/api/collections", root).1?["result"]?["collections"]?.arrayValue?.first { $0["name"] == "panel" }
            #expect(panel?["points"] == 1 && panel?["indexed_vectors"] == 1 && panel?["indexing_backlog"] == 0)
            #expect((panel?["memory_bytes"]?.numberValue ?? 0) > 0)
            // The search cache's row comes from the cache itself: nothing searched yet in this data directory.
            let search = try await get(client, "/dashboard/api/caches", root).1?["result"]?["caches"]?.arrayValue?.first { $0["name"] == "search" }
            #expect(search?["hits"]?.numberValue == 0 && search?["misses"]?.numberValue == 0 && search?["entries"]?.numberValue == 0)
            #expect(search?["hit_rate"] == .null)
            do { let got = try await get(client, "/dashboard/api/routes?window=5", root).0; #expect(got == .badRequest) }
            do { let got = try await get(client, "/dashboard/api/routes?window=abc", root).0; #expect(got == .badRequest) }
            try await client.execute(uri: "/dashboard/api/jobs/nope/cancel", method: .post) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/dashboard/api/jobs/nope/cancel", method: .post, headers: root) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/dashboard/api/jobs/nope/retry", method: .post, headers: root) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/dashboard", method: .get) { response in
                #expect(response.status == .ok && String(buffer: response.body).contains("<title>CampusSearch dashboard</title>"))
            }
        }
    }

    @Test("loopback readers need no token unless forwarded; actions always do; off answers 404")
    func loopbackAndOff() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.live) { client in
            do { let got = try await get(client, "/dashboard/api/overview").0; #expect(got == .ok) }
            do { let got = try await get(client, "/dashboard/api/overview", [HTTPField.Name("X-Forwarded-For")!: "203.0.113.9"]).0; #expect(got == .unauthorized) }
            try await client.execute(uri: "/dashboard/api/jobs/x/cancel", method: .post) { #expect($0.status == .unauthorized) }
        }
        var off = testConfiguration()
        off.dashboardEnabled = false
        let disabled = try await buildApplication(off)
        try await disabled.test(.live) { client in
            do { let got = try await get(client, "/dashboard/api/overview").0; #expect(got == .notFound) }
            do { let got = try await get(client, "/dashboard").0; #expect(got == .notFound) }
        }
    }
}
