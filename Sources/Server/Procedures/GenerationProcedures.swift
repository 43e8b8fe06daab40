import Accounts
import Documents
import Foundation
import JSON

/// `generation.*` (contract §5.1–5.3).
enum GenerationProcedures {
    static func all(_ services: PlatformServices) -> [TRPCProcedure] {
        [test, initiate(services)]
    }

    /// `generation.initiate` (contract §5.3): the owner starts the course's generation; the course status,
    /// its code and the jobs commit together (see `CourseWorkflow.initiate`). The platform's in-process
    /// "worker ready" flag (its defect 3) has no counterpart: the workers run in this process.
    static func initiate(_ services: PlatformServices) -> TRPCProcedure {
        .mutation("generation.initiate", .instructor) { call in
            let caller = try call.caller()
            var input = call.reader()
            let courseID = input.uuid("courseId", message: "Invalid course ID")
            let webhook = input.string("webhookUrl", required: false, nullable: true, url: true)
            try input.finish()
            guard let courseID else { throw TRPCError(.badRequest, "invalid input") }
            let started = try await services.workflow.initiate(courseID: courseID, webhookURL: webhook, by: caller)
            return .object([
                ("success", .bool(true)), ("jobId", .string(started.jobID)), ("message", .string("Генерация курса инициализирована")),
                ("courseId", .string(started.courseID.lowercasedString)), ("generationCode", .string(started.generationCode)),
            ])
        }
    }

    /// `generation.test`: public query, optional `{message?: string}`; answers the platform's fixed text, the
    /// time, and the message back (absent when none was sent, as `JSON.stringify` drops `undefined`).
    static let test = TRPCProcedure.query("generation.test", .public) { call in
        var input = call.reader(optional: true)
        let message = input.string("message", required: false)
        try input.finish()
        var fields: [(String, WireValue)] = [("message", .string("tRPC server is operational")), ("timestamp", .string(Date().iso8601Milliseconds))]
        if let message { fields.append(("echo", .string(message))) }
        return .object(fields)
    }
}
