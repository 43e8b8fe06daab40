import Accounts
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JSON
import Testing
@testable import Server

/// `jobs.*` and `generation.initiate` through the real application, workers running.
@Suite("Job procedures")
struct JobProcedureTests {
    /// Polls `jobs.getStatus` until `done` holds (the workers run on their own; at most ~10 s).
    static func waitFor(_ client: some TestClientProtocol, _ id: String, _ headers: HTTPFields, until done: (JSONValue) -> Bool) async throws -> JSONValue {
        var last: JSONValue = .null
        for _ in 0..<500 {
            last = try await client.trpcQuery("jobs.getStatus", #"{"jobId":"\#(id)"}"#, headers: headers).data ?? .null
            if done(last) { return last }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("job \(id) never reached the expected state: \(last)")
        return last
    }

    @Test("a test job runs to completion; its row reads as the platform's job_status")
    func testJobCompletes() async throws {
        let world = try await PlatformWorld.make()
        let app = try await buildApplication(world.configuration)
        try await app.test(.router) { client in
            let headers = try await world.bearer(world.instructor)
            let created = try await client.trpcMutation("jobs.createTestJob", #"{"message":"hello","delayMs":60}"#, headers: headers)
            #expect(created.status == .ok)
            let id = try #require(created.data?["job_id"]?.stringValue)
            #expect(created.data?["job_type"] == "test_job" && created.data?["organization_id"] == .string(world.alpha.id.uuidString.lowercased()))
            let done = try await Self.waitFor(client, id, headers) { $0["status"] == "completed" }
            #expect(done["result"]?["data"]?["receivedMessage"] == "hello")
            #expect(done["progress"]?["percent"] == 75 || done["progress"]?["percent"] == 100)
            #expect(done["attempts"] == 1 && done["max_attempts"] == 3 && done["cancelled"] == false)
            #expect(done["completed_at"]?.stringValue != nil && done["started_at"]?.stringValue != nil)
            let failing = try await client.trpcMutation("jobs.createTestJob", #"{"message":"boom","shouldFail":true}"#, headers: headers)
            let failingID = try #require(failing.data?["job_id"]?.stringValue)
            let retrying = try await Self.waitFor(client, failingID, headers) { $0["error_message"]?.stringValue != nil }
            #expect(retrying["error_message"] == "Intentional test failure: boom")
        }
    }

    @Test("cancelling: an active job that checks ends cancelled; again answers already cancelled; finished jobs cannot be")
    func cancel() async throws {
        let world = try await PlatformWorld.make()
        let app = try await buildApplication(world.configuration)
        try await app.test(.router) { client in
            let headers = try await world.bearer(world.instructor)
            let long = try await client.trpcMutation("jobs.createTestJob", #"{"message":"long","delayMs":60000,"checkCancellation":true}"#, headers: headers)
            let id = try #require(long.data?["job_id"]?.stringValue)
            _ = try await Self.waitFor(client, id, headers) { $0["state"] == "active" }
            let student = try await client.trpcMutation("jobs.cancel", #"{"jobId":"\#(id)"}"#, headers: try await world.bearer(world.student))
            #expect(student.status == .forbidden && student.errorMessage == "You do not have permission to cancel this job")
            let cancelled = try await client.trpcMutation("jobs.cancel", #"{"jobId":"\#(id)"}"#, headers: headers)
            #expect(cancelled.data?["message"] == .string("Job \(id) has been cancelled"))
            #expect(cancelled.data?["cancelledBy"] == .string(world.instructor.id.uuidString.lowercased()))
            let ended = try await Self.waitFor(client, id, headers) { $0["state"] == "cancelled" }
            #expect(ended["status"] == "failed" && ended["cancelled"] == true && ended["error_message"] == "Job cancelled by user request")
            let again = try await client.trpcMutation("jobs.cancel", #"{"jobId":"\#(id)"}"#, headers: headers)
            #expect(again.data?["message"] == .string("Job \(id) is already cancelled"))

            let quick = try await client.trpcMutation("jobs.createTestJob", #"{"message":"quick"}"#, headers: headers)
            let quickID = try #require(quick.data?["job_id"]?.stringValue)
            _ = try await Self.waitFor(client, quickID, headers) { $0["status"] == "completed" }
            let late = try await client.trpcMutation("jobs.cancel", #"{"jobId":"\#(quickID)"}"#, headers: headers)
            #expect(late.status == .badRequest && late.errorMessage == "Cannot cancel job \(quickID) because it is already completed")
            let empty = try await client.trpcMutation("jobs.cancel", #"{"jobId":""}"#, headers: headers)
            #expect(empty.status == .badRequest && empty.errorMessage?.contains("Job ID is required") == true)
        }
    }

    @Test("jobs are scoped: another organisation's job answers like a missing one; students list only their own")
    func scoping() async throws {
        let world = try await PlatformWorld.make()
        let app = try await buildApplication(world.configuration)
        try await app.test(.router) { client in
            let instructor = try await world.bearer(world.instructor), student = try await world.bearer(world.student)
            let theirs = try await client.trpcMutation("jobs.createTestJob", #"{"message":"mine"}"#, headers: instructor).data?["job_id"]?.stringValue ?? ""
            _ = try await client.trpcMutation("jobs.createTestJob", #"{"message":"student's"}"#, headers: student)
            let outsider = try await world.bearer(world.betaAdmin)
            let foreign = try await client.trpcQuery("jobs.getStatus", #"{"jobId":"\#(theirs)"}"#, headers: outsider)
            let missing = try await client.trpcQuery("jobs.getStatus", #"{"jobId":"no-such-job"}"#, headers: outsider)
            #expect(foreign.status == .notFound && missing.status == .notFound)
            #expect(foreign.errorMessage == "Job \(theirs) not found" && missing.errorMessage == "Job no-such-job not found")
            let cancelForeign = try await client.trpcMutation("jobs.cancel", #"{"jobId":"\#(theirs)"}"#, headers: outsider)
            #expect(cancelForeign.status == .notFound)
            let forbidden = try await client.trpcQuery("jobs.getStatus", #"{"jobId":"\#(theirs)"}"#, headers: student)
            #expect(forbidden.status == .forbidden && forbidden.errorMessage == "You do not have permission to view this job")
            #expect(try await client.trpcQuery("jobs.list", headers: student).data?["total"] == 1)
            #expect(try await client.trpcQuery("jobs.list", #"{"limit":1}"#, headers: instructor).data?["jobs"]?.arrayValue?.count == 1)
            #expect(try await client.trpcQuery("jobs.list", headers: instructor).data?["total"] == 2)
            #expect(try await client.trpcQuery("jobs.list", headers: outsider).data?["total"] == 0)
            let bad = try await client.trpcQuery("jobs.list", #"{"status":"lost"}"#, headers: instructor)
            #expect(bad.status == .badRequest)
        }
    }

    @Test("generation.initiate: the owner starts it (code, job, status); others are refused; the slot frees when the job ends")
    func initiate() async throws {
        let world = try await PlatformWorld.make(tier: .free)
        let course = try world.accounts.createCourse(NewCourse(title: "Gen"), ownerID: world.instructor.id, organizationID: world.alpha.id)
        let foreign = try world.accounts.createCourse(NewCourse(title: "Beta gen"), ownerID: world.betaInstructor.id, organizationID: world.beta.id)
        let app = try await buildApplication(world.configuration)
        try await app.test(.router) { client in
            let owner = try await world.bearer(world.instructor)
            let id = course.id.uuidString.lowercased()
            let started = try await client.trpcMutation("generation.initiate", #"{"courseId":"\#(id)","webhookUrl":null}"#, headers: owner)
            #expect(started.status == .ok, "\(started.text)")
            #expect(started.data?["success"] == true && started.data?["message"] == "Генерация курса инициализирована")
            #expect(started.data?["generationCode"]?.stringValue?.range(of: #"^[A-Z]{3}-[0-9]{4}$"#, options: .regularExpression) != nil)
            let jobID = try #require(started.data?["jobId"]?.stringValue)
            let gotCourse = try await client.trpcQuery("courses.get", #"{"courseId":"\#(id)"}"#, headers: owner).data
            #expect(gotCourse?["generationStatus"] == "stage_4_init" && gotCourse?["generationCode"] == started.data?["generationCode"])
            let other = try await client.trpcMutation("generation.initiate", #"{"courseId":"\#(id)"}"#, headers: try await world.bearer(world.otherInstructor))
            #expect(other.status == .forbidden && other.errorMessage == "You do not have access to this course")
            let outside = try await client.trpcMutation("generation.initiate", #"{"courseId":"\#(foreign.id.uuidString.lowercased())"}"#, headers: owner)
            #expect(outside.status == .notFound && outside.errorMessage == "Course not found")
            let bad = try await client.trpcMutation("generation.initiate", #"{"courseId":"c_42"}"#, headers: owner)
            #expect(bad.status == .badRequest && bad.errorMessage?.contains("Invalid course ID") == true)
            _ = try await Self.waitFor(client, jobID, owner) { $0["status"] == "completed" }
            // The free tier's one slot is free again.
            #expect(try await client.trpcMutation("generation.initiate", #"{"courseId":"\#(id)"}"#, headers: owner).status == .ok)
        }
    }
}
