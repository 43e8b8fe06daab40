import Accounts
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JSON
import Testing
@testable import Server

/// The tRPC wire, case by case as `../shared/reference/trpc-wire-capture.md` recorded a real tRPC 11.18
/// server answering (status, content type, `vary`, body bytes).
@Suite("tRPC wire")
struct TRPCWireTests {
    static let vary = "trpc-accept, accept"

    @Test("queries by GET with ?input, answers {result:{data}} with content-type and vary (capture 1, 2)")
    func query() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            let answer = try await client.trpcQuery("generation.test", #"{"message":"hi"}"#)
            #expect(answer.status == .ok)
            #expect(answer.headers[.contentType] == "application/json")
            #expect(answer.headers[.vary] == Self.vary)
            #expect(answer.data?["message"] == "tRPC server is operational")
            #expect(answer.data?["echo"] == "hi")
            #expect(answer.text.hasPrefix(#"{"result":{"data":{"message":"tRPC server is operational","timestamp":""#))
            let none = try await client.trpcQuery("generation.test")
            #expect(none.status == .ok && none.data?["echo"] == nil)
        }
    }

    @Test("UNAUTHORIZED, NOT_FOUND and METHOD_NOT_SUPPORTED envelopes, byte for byte (capture 3, 7, 8, 9, 25, 27)")
    func errorEnvelopes() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            let unauthorized = try await client.trpcMutation("courses.create", #"{"title":"x"}"#)
            #expect(unauthorized.status == .unauthorized)
            #expect(unauthorized.text == #"{"error":{"message":"Authentication required. Please provide a valid Bearer token.","code":-32001,"data":{"code":"UNAUTHORIZED","httpStatus":401,"path":"courses.create"}}}"#)
            let missing = try await client.trpcQuery("generation.nope", #"{"x":1}"#)
            #expect(missing.status == .notFound)
            #expect(missing.text == #"{"error":{"message":"No procedure found on path \"generation.nope\"","code":-32004,"data":{"code":"NOT_FOUND","httpStatus":404,"path":"generation.nope"}}}"#)
            let empty = try await client.trpc(.get, "/trpc/", body: nil)
            #expect(empty.status == .notFound)
            #expect(empty.text == #"{"error":{"message":"No procedure found on path \"\"","code":-32004,"data":{"code":"NOT_FOUND","httpStatus":404,"path":""}}}"#)
            let getMutation = try await client.trpcQuery("courses.create", #"{"title":"x"}"#)
            #expect(getMutation.status == .methodNotAllowed)
            #expect(getMutation.text == #"{"error":{"message":"Unsupported GET-request to mutation procedure at path \"courses.create\"","code":-32005,"data":{"code":"METHOD_NOT_SUPPORTED","httpStatus":405,"path":"courses.create"}}}"#)
            let postQuery = try await client.trpcMutation("generation.test", #"{"message":"x"}"#)
            #expect(postQuery.text == #"{"error":{"message":"Unsupported POST-request to query procedure at path \"generation.test\"","code":-32005,"data":{"code":"METHOD_NOT_SUPPORTED","httpStatus":405,"path":"generation.test"}}}"#)
            let put = try await client.trpc(.put, "/trpc/courses.create", body: "{}", headers: [.contentType: "application/json"])
            #expect(put.status == .methodNotAllowed)
            #expect(put.errorMessage == #"Unsupported PUT-request to mutation procedure at path "courses.create""#)
        }
    }

    @Test("request-level errors answer without path as text/plain;charset=UTF-8 (capture 23, 24, 26, 28)")
    func requestLevel() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            let plain = try await client.trpc(.post, "/trpc/courses.create", body: #"{"title":"c"}"#, headers: [.contentType: "text/plain"])
            #expect(plain.status == .unsupportedMediaType)
            #expect(plain.headers[.contentType] == "text/plain;charset=UTF-8")
            #expect(plain.headers[.vary] == Self.vary)
            #expect(plain.text == #"{"error":{"message":"Unsupported content-type \"text/plain","code":-32015,"data":{"code":"UNSUPPORTED_MEDIA_TYPE","httpStatus":415}}}"#)
            let none = try await client.trpc(.post, "/trpc/courses.create", body: nil)
            #expect(none.text == #"{"error":{"message":"Missing content-type header","code":-32015,"data":{"code":"UNSUPPORTED_MEDIA_TYPE","httpStatus":415}}}"#)
            let options = try await client.trpc(.options, "/trpc/generation.test", body: nil)
            #expect(options.status == .unsupportedMediaType && options.errorMessage == "Missing content-type header")
            let mixed = try await client.trpc(.get, "/trpc/generation.test,courses.create?batch=1&input=%7B%7D", body: nil)
            #expect(mixed.status == .badRequest)
            #expect(mixed.headers[.contentType] == "text/plain;charset=UTF-8")
            #expect(mixed.text == #"{"error":{"message":"Cannot mix procedure types in call: query, mutation","code":-32600,"data":{"code":"BAD_REQUEST","httpStatus":400}}}"#)
        }
    }

    @Test("HEAD answers 204 with no body (capture 18)")
    func head() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            let answer = try await client.trpc(.head, "/trpc/generation.test", body: nil)
            #expect(answer.status == .noContent)
            #expect(answer.text.isEmpty)
        }
    }

    @Test("malformed inputs: V8's JSON.parse messages, batch inputs that are not objects (capture 19, 20, 22)")
    func malformedInputs() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            let query = try await client.trpc(.get, "/trpc/generation.test?input=%7Bnot-json", body: nil)
            #expect(query.status == .badRequest)
            #expect(query.text == #"{"error":{"message":"Expected property name or '}' in JSON at position 1","code":-32600,"data":{"code":"BAD_REQUEST","httpStatus":400,"path":"generation.test"}}}"#)
            let body = try await client.trpc(.post, "/trpc/courses.create", body: #"{"courseId":"#, headers: [.contentType: "application/json"])
            #expect(body.text == #"{"error":{"message":"Unexpected end of JSON input","code":-32600,"data":{"code":"BAD_REQUEST","httpStatus":400,"path":"courses.create"}}}"#)
            let notObject = try await client.trpc(.get, "/trpc/generation.test,billing.getQuota?batch=1&input=%5B1%2C2%5D", body: nil)
            #expect(notObject.status == .badRequest)
            #expect(notObject.text == #"[{"error":{"message":"\"input\" needs to be an object when doing a batch call","code":-32600,"data":{"code":"BAD_REQUEST","httpStatus":400,"path":"generation.test"}}},{"error":{"message":"\"input\" needs to be an object when doing a batch call","code":-32600,"data":{"code":"BAD_REQUEST","httpStatus":400,"path":"billing.getQuota"}}}]"#)
        }
    }

    @Test("V8 messages for the common shapes of broken JSON")
    func v8Messages() {
        let cases: [(String, String)] = [
            ("{not-json", "Expected property name or '}' in JSON at position 1"),
            (#"{"courseId":"#, "Unexpected end of JSON input"),
            (#"{"a" 1}"#, "Expected ':' after property name in JSON at position 5"),
            (#"{"a":1 "b":2}"#, "Expected ',' or '}' after property value in JSON at position 7"),
            ("[1 2]", "Expected ',' or ']' after array element in JSON at position 3"),
            ("abc", #"Unexpected token 'a', "abc" is not valid JSON"#),
            ("1 2", "Unexpected non-whitespace character after JSON at position 2"),
            ("", "Unexpected end of JSON input"),
        ]
        for (input, message) in cases { #expect(V8JSONMessage.describe(Array(input.utf8)) == message, "\(input)") }
    }

    @Test("batches: inputs by index, missing ones undefined, 207 when statuses differ, the common status otherwise (capture 10–15, 21)")
    func batches() async throws {
        let world = try await PlatformWorld.make()
        let app = try await buildApplication(world.configuration)
        try await app.test(.router) { client in
            let two = try await client.trpc(.get, "/trpc/generation.test,generation.test?batch=1&input=" + #"{"0":{"message":"a"}}"#.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!, body: nil)
            #expect(two.status == .ok)
            #expect(two.json?.arrayValue?.count == 2)
            #expect(two.json?.arrayValue?[0]["result"]?["data"]?["echo"] == "a")
            #expect(two.json?.arrayValue?[1]["result"]?["data"]?["echo"] == nil)  // index 1 missing: undefined
            let headers = try await world.bearer(world.instructor)
            let mixed = try await client.trpc(.get, "/trpc/generation.test,courses.get,generation.nope?batch=1&input=" + #"{"0":{"message":"b"},"1":{}}"#.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!, body: nil, headers: headers)
            #expect(mixed.status.code == 207)
            let items = mixed.json?.arrayValue ?? []
            #expect(items.count == 3)
            #expect(items[1]["error"]?["data"]?["code"] == "BAD_REQUEST" && items[1]["error"]?["data"]?["path"] == "courses.get")
            #expect(items[2]["error"]?["data"]?["code"] == "NOT_FOUND")
            let anonymous = try await client.trpc(.post, "/trpc/courses.create,courses.create?batch=1", body: #"{"0":{"title":"a"},"1":{"title":"b"}}"#, headers: [.contentType: "application/json"])
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.json?.arrayValue?.allSatisfy { $0["error"]?["data"]?["code"] == "UNAUTHORIZED" } == true)
            var authorized = headers
            authorized[.contentType] = "application/json"
            let created = try await client.trpc(.post, "/trpc/courses.create,courses.create?batch=1", body: #"{"0":{"title":"One"},"1":{"title":"Two"}}"#, headers: authorized)
            #expect(created.status == .ok)
            #expect(created.json?.arrayValue?.compactMap { $0["result"]?["data"]?["title"]?.stringValue } == ["One", "Two"])
        }
    }

    @Test("the streamed batch (trpc-accept: application/jsonl): placeholders, then each settled item, results as nested promises (capture 29, 30)")
    func streamedBatch() async throws {
        let world = try await PlatformWorld.make()
        let app = try await buildApplication(world.configuration)
        try await app.test(.router) { client in
            var headers = try await world.bearer(world.instructor)
            headers[.contentType] = "application/json"
            headers[HTTPField.Name("trpc-accept")!] = "application/jsonl"
            let answer = try await client.trpc(.post, "/trpc/courses.create,courses.create?batch=1", body: #"{"0":{"title":"Streamed"},"1":{"title":""}}"#, headers: headers)
            #expect(answer.status == .ok)
            #expect(answer.headers[.contentType] == "application/json")
            #expect(answer.headers[.vary] == Self.vary)
            let lines = answer.text.split(separator: "\n").map(String.init)
            #expect(lines.count == 5, "\(answer.text)")
            #expect(lines.first == #"{"0":[[0],[null,0,0]],"1":[[0],[null,0,1]]}"#)
            let error = lines.first { $0.hasPrefix("[1,0,[[{\"error\"") }
            #expect(error?.contains(#""code":"BAD_REQUEST","httpStatus":400,"path":"courses.create""#) == true)
            #expect(lines.contains(#"[0,0,[[{"result":0}],["result",0,2]]]"#))
            #expect(lines.contains(#"[2,0,[[{"data":0}],["data",0,3]]]"#))
            let data = lines.first { $0.hasPrefix("[3,0,[[{") }
            #expect(data?.contains(#""title":"Streamed""#) == true)
        }
    }

    @Test("input validation errors are BAD_REQUEST whose message is the zod issue list, as JSON.stringify(issues, null, 2)")
    func zodIssues() async throws {
        let world = try await PlatformWorld.make()
        let app = try await buildApplication(world.configuration)
        try await app.test(.router) { client in
            let answer = try await client.trpcQuery("courses.get", #"{"courseId":"BAD ID"}"#, headers: try await world.bearer(world.instructor))
            #expect(answer.status == .badRequest)
            #expect(answer.errorMessage == """
                [
                  {
                    "validation": "uuid",
                    "code": "invalid_string",
                    "message": "Invalid course ID",
                    "path": [
                      "courseId"
                    ]
                  }
                ]
                """)
            let missing = try await client.trpcMutation("courses.create", "{}", headers: try await world.bearer(world.instructor))
            #expect(missing.errorMessage?.contains(#""message": "Required""#) == true)
            #expect(missing.errorMessage?.contains(#""received": "undefined""#) == true)
        }
    }

    @Test("rate limits: TOO_MANY_REQUESTS with the contract's message and a Retry-After header; the window slides on a controlled clock")
    func rateLimits() async throws {
        let world = try await PlatformWorld.make()
        let clock = ManualClock()
        var limits = RateLimiter.Configuration()
        limits.limits = ["courses.create": 2]
        let app = try await buildApplication(world.configuration, rateLimiter: RateLimiter(configuration: limits, now: { clock.milliseconds }))
        try await app.test(.router) { client in
            let headers = try await world.bearer(world.instructor)
            for n in 0..<2 { #expect(try await client.trpcMutation("courses.create", #"{"title":"c\#(n)"}"#, headers: headers).status == .ok) }
            clock.advance(by: 20_000)
            let limited = try await client.trpcMutation("courses.create", #"{"title":"c2"}"#, headers: headers)
            #expect(limited.status == .tooManyRequests)
            #expect(limited.errorCode == "TOO_MANY_REQUESTS")
            #expect(limited.json?["error"]?["code"] == .int(-32029))
            #expect(limited.errorMessage == "Rate limit exceeded. You have made 2 requests in the last 60 seconds. The limit is 2 requests per 60 seconds. Please try again in 40 seconds.")
            #expect(limited.headers[.retryAfter] == "40")
            // Another caller is not limited by this one's window.
            #expect(try await client.trpcMutation("courses.create", #"{"title":"o"}"#, headers: try await world.bearer(world.otherInstructor)).status == .ok)
            clock.advance(by: 41_000)
            #expect(try await client.trpcMutation("courses.create", #"{"title":"c3"}"#, headers: headers).status == .ok)
        }
    }

    @Test("CORS: a preflight from an allowed origin gets 204 with the allowed methods and headers; others get nothing")
    func cors() async throws {
        let app = try await buildApplication({ var c = testConfiguration(); c.corsOrigins = ["https://app.example.com"]; return c }())
        try await app.test(.router) { client in
            let preflight = try await client.trpc(.options, "/trpc/courses.create", body: nil, headers: [
                .origin: "https://app.example.com", .accessControlRequestMethod: "POST",
            ])
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowOrigin] == "https://app.example.com")
            #expect(preflight.headers[.accessControlAllowCredentials] == "true")
            #expect(preflight.headers[.accessControlAllowHeaders]?.contains("Authorization") == true)
            let query = try await client.trpcQuery("generation.test", headers: [.origin: "https://app.example.com"])
            #expect(query.headers[.accessControlAllowOrigin] == "https://app.example.com")
            let foreign = try await client.trpcQuery("generation.test", headers: [.origin: "https://evil.example"])
            #expect(foreign.headers[.accessControlAllowOrigin] == nil)
        }
    }

    @Test("every response carries x-request-id, the client's when it sent a usable one")
    func requestID() async throws {
        let app = try await buildApplication(testConfiguration())
        try await app.test(.router) { client in
            let mine = try await client.trpcQuery("generation.test", headers: [HTTPField.Name("x-request-id")!: "trace-42"])
            #expect(mine.headers[HTTPField.Name("x-request-id")!] == "trace-42")
            let fresh = try await client.trpcQuery("generation.test")
            #expect(fresh.headers[HTTPField.Name("x-request-id")!]?.count == 32)
            let qdrant = try await client.execute(uri: "/collections", method: .get) { $0.headers[HTTPField.Name("x-request-id")!] }
            #expect(qdrant?.count == 32)
        }
    }
}

/// Milliseconds that move only when a test says so.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var now: Int64 = 1_000_000
    var milliseconds: Int64 { lock.withLock { now } }
    func advance(by delta: Int64) { lock.withLock { now += delta } }
}
