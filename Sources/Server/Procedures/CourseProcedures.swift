import Accounts
import Foundation
import JSON

/// `courses.*`: what the platform's web app did through Supabase directly (RLS), which a self-contained
/// server offers as procedures. Instructors and up, within their organisation; instructors change only
/// their own courses, admins any of their organisation's (see `Principal.mayModify`).
enum CourseProcedures {
    static let statuses = CourseStatus.allCases.map(\.rawValue)

    static func all(_ services: PlatformServices) -> [TRPCProcedure] {
        let accounts = services.accounts
        return [
            .mutation("courses.create", .instructor) { call in
                let caller = try call.caller()
                var input = call.reader()
                let title = input.string("title", min: 1, max: 255, minMessage: "Title is required")
                let fields = readEditable(&input)
                try input.finish()
                guard let title else { throw TRPCError(.badRequest, "invalid input") }
                var new = NewCourse(title: title)
                new.slug = fields.slug
                new.status = fields.status ?? .draft
                new.language = fields.language
                new.description = fields.description
                new.webhookURL = fields.webhookURL
                new.settings = fields.settings.map(JSONValue.object) ?? .object([:])
                return PlatformWire.course(try await services.workflow.createCourse(new, by: caller))
            },
            .query("courses.get", .instructor) { call in
                let caller = try call.caller()
                var input = call.reader()
                let id = input.uuid("courseId", message: "Invalid course ID")
                try input.finish()
                guard let id else { throw TRPCError(.badRequest, "invalid input") }
                return PlatformWire.course(try accounts.course(id: id, in: caller.scope))
            },
            .query("courses.list", .instructor) { call in
                let caller = try call.caller()
                var input = call.reader(optional: true)
                let status = input.enumeration("status", required: false, options: statuses).flatMap(CourseStatus.init(rawValue:))
                let limit = input.integer("limit", required: false, in: 1...100) ?? 20
                let cursorText = input.string("cursor", required: false, nullable: true)
                try input.finish()
                let cursor = try cursorText.map { try ListCursor($0) }
                let page = try accounts.listCourses(in: caller.scope, status: status, limit: limit, after: cursor)
                return .object([("courses", .array(page.courses.map(PlatformWire.course))), ("nextCursor", page.nextCursor.map { .string($0.text) } ?? .null)])
            },
            .mutation("courses.update", .instructor) { call in
                let caller = try call.caller()
                var input = call.reader()
                let id = input.uuid("courseId", message: "Invalid course ID")
                let title = input.string("title", required: false, min: 1, max: 255)
                let fields = readEditable(&input)
                try input.finish()
                guard let id else { throw TRPCError(.badRequest, "invalid input") }
                let setsLanguage = input.has("language"), setsDescription = input.has("description"), setsWebhook = input.has("webhookUrl")
                let course = try await services.workflow.updateCourse(id: id, by: caller) { course in
                    if let title { course.title = title }
                    if let slug = fields.slug { course.slug = slug }
                    if let status = fields.status { course.status = status }
                    if setsLanguage { course.language = fields.language }
                    if setsDescription { course.description = fields.description }
                    if setsWebhook { course.webhookURL = fields.webhookURL }
                    if let settings = fields.settings { course.settings = .object(settings) }
                }
                return PlatformWire.course(course)
            },
            .mutation("courses.delete", .instructor) { call in
                let caller = try call.caller()
                var input = call.reader()
                let id = input.uuid("courseId", message: "Invalid course ID")
                try input.finish()
                guard let id else { throw TRPCError(.badRequest, "invalid input") }
                let course = try await services.documents.deleteCourse(id: id, by: caller)
                return .object([("success", .bool(true)), ("courseId", PlatformWire.id(course.id))])
            },
        ]
    }

    struct Editable {
        var slug: String?
        var status: CourseStatus?
        var language: String?
        var description: String?
        var webhookURL: String?
        var settings: [String: JSONValue]?
    }

    /// The optional fields `courses.create` and `courses.update` share (null clears the nullable ones on update).
    static func readEditable(_ input: inout InputReader) -> Editable {
        Editable(
            slug: input.string("slug", required: false, min: 1, max: 100),
            status: input.enumeration("status", required: false, options: statuses).flatMap(CourseStatus.init(rawValue:)),
            language: input.string("language", required: false, nullable: true, max: 64),
            description: input.string("description", required: false, nullable: true, max: 10_000),
            webhookURL: input.string("webhookUrl", required: false, nullable: true, url: true),
            settings: input.anyObject("settings")
        )
    }
}
