import Accounts
import Documents
import Foundation
import JSON
import Jobs

/// `jobs.*` (contract §5.4) over the durable queue, scoped by `CourseWorkflow`'s rules; plus
/// `jobs.createTestJob`, which the platform had no procedure for (its test jobs came from scripts).
enum JobProcedures {
    /// The contract's `job_status` states; a cancelled job reads as `failed` with `cancelled: true`, as the
    /// platform wrote it, and our own state stays visible in `state`.
    static let statusFilter: [String: Set<JobState>] = [
        "pending": [.waiting], "waiting": [.waiting], "active": [.active], "completed": [.completed],
        "failed": [.failed, .cancelled], "delayed": [.delayed],
    ]

    static func all(_ services: PlatformServices) -> [TRPCProcedure] {
        let workflow = services.workflow
        return [
            .query("jobs.getStatus", .protected) { call in
                let caller = try call.caller()
                var input = call.reader()
                let id = input.string("jobId", min: 1, minMessage: "Job ID is required")
                try input.finish()
                guard let id else { throw TRPCError(.badRequest, "invalid input") }
                return row(try workflow.job(id: id, by: caller))
            },
            .query("jobs.list", .protected) { call in
                let caller = try call.caller()
                var input = call.reader(optional: true)
                let status = input.enumeration("status", required: false, options: ["pending", "waiting", "active", "completed", "failed", "delayed"])
                let cancelled = input.bool("cancelled", required: false)
                let limit = input.number("limit", required: false, minimum: 1, maximum: 100).map { Int($0) } ?? 50
                let offset = input.number("offset", required: false, minimum: 0).map { Int(min($0, 1_000_000)) } ?? 0
                let cursor = input.string("cursor", required: false, nullable: true)
                try input.finish()
                let page = try workflow.listJobs(by: caller, states: status.flatMap { statusFilter[$0] }, cancelled: cancelled,
                                                 limit: limit, offset: offset, cursor: cursor)
                return .object([
                    ("jobs", .array(page.jobs.map(row))), ("total", .int(page.total)), ("limit", .int(limit)), ("offset", .int(offset)),
                    ("nextCursor", page.nextCursor.map { .string($0) } ?? .null),
                ])
            },
            .mutation("jobs.cancel", .protected) { call in
                let caller = try call.caller()
                var input = call.reader()
                let id = input.string("jobId", min: 1, minMessage: "Job ID is required")
                try input.finish()
                guard let id else { throw TRPCError(.badRequest, "invalid input") }
                switch try await workflow.cancelJob(id: id, by: caller) {
                case .alreadyCancelled:
                    return .object([("success", .bool(true)), ("message", .string("Job \(id) is already cancelled")), ("jobId", .string(id))])
                case .cancelled(let job):
                    return .object([
                        ("success", .bool(true)), ("message", .string("Job \(id) has been cancelled")), ("jobId", .string(id)),
                        ("cancelledBy", .string(caller.userID.lowercasedString)), ("cancelledAt", timestamp(job.cancelledAt ?? job.updatedAt)),
                    ])
                }
            },
            .mutation("jobs.createTestJob", .protected) { call in
                let caller = try call.caller()
                var input = call.reader()
                let message = input.string("message", max: 10_000)
                let delay = input.integer("delayMs", required: false, in: 0...86_400_000)
                let shouldFail = input.bool("shouldFail", required: false) ?? false
                let checkCancellation = input.bool("checkCancellation", required: false) ?? false
                try input.finish()
                guard let message else { throw TRPCError(.badRequest, "invalid input") }
                var payload: [String: JSONValue] = [
                    "jobType": "test_job", "message": .string(message), "shouldFail": .bool(shouldFail), "checkCancellation": .bool(checkCancellation),
                    "organizationId": .string(caller.organizationID.lowercasedString), "userId": .string(caller.userID.lowercasedString),
                    "createdAt": .string(Date().iso8601Milliseconds),
                ]
                if let delay { payload["delayMs"] = .int(Int64(delay)) }
                var options = JobOptions.defaults(for: "test_job")
                // Kept after completion (the contract's default removes it at once), so jobs.getStatus can show the result.
                options.retention = Retention(onComplete: .last(1000), onFail: .all)
                let job = try await workflow.jobs.enqueue(JobSpec(
                    type: "test_job", payload: .object(payload), organizationID: caller.organizationID.lowercasedString,
                    userID: caller.userID.lowercasedString, options: options
                ))
                return row(job)
            },
        ]
    }

    /// A job as the platform's `job_status` row (snake_case columns), with our `state`, `queue`, `priority`
    /// and `result` beside them.
    static func row(_ job: JobRecord) -> WireValue {
        let cancelled = job.state == .cancelled
        let status = cancelled ? "failed" : job.state.rawValue
        return .object([
            ("id", .string(job.id)), ("job_id", .string(job.id)), ("job_type", .string(job.type)),
            ("organization_id", .string(job.organizationID)), ("course_id", job.courseID.map { .string($0) } ?? .null),
            ("user_id", job.userID.map { .string($0) } ?? .null), ("status", .string(status)), ("state", .string(job.state.rawValue)),
            ("queue", .string(job.queue)), ("priority", .int(job.priority)), ("progress", .json(job.progress)),
            ("result", job.result.map { .json($0) } ?? .null),
            ("error_message", (job.errorMessage ?? (cancelled ? "Job cancelled by user request" : nil)).map { .string($0) } ?? .null),
            ("error_stack", job.errorStack.map { .string($0) } ?? .null), ("attempts", .int(job.attemptsMade)), ("max_attempts", .int(job.maxAttempts)),
            ("created_at", timestamp(job.createdAt)), ("updated_at", timestamp(job.updatedAt)), ("started_at", timestamp(job.startedAt)),
            ("completed_at", timestamp(job.completedAt)), ("failed_at", timestamp(cancelled ? job.cancelledAt : job.failedAt)),
            ("cancelled", .bool(cancelled || job.cancelRequested)), ("cancelled_at", timestamp(job.cancelledAt)),
            ("cancelled_by", job.cancelledBy.map { .string($0) } ?? .null),
        ])
    }

    static func timestamp(_ milliseconds: Int64?) -> WireValue {
        milliseconds.map { .string(Date(millisecondsSince1970: $0).iso8601Milliseconds) } ?? .null
    }
}
