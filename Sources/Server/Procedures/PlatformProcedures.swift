import Accounts
import CollectionStore
import Documents
import Foundation
import JSON
import Platform

/// Every tRPC procedure the server answers, built over the data directory's stores.
///
/// Procedures hold no rules of their own: they read their input (with the contract's zod messages),
/// call the domain (which enforces tenancy, roles and limits and throws domain errors), and shape the
/// output as the platform's web app reads it.
enum PlatformProcedures {
    static func all(_ services: PlatformServices) -> TRPCProcedures {
        TRPCProcedures(
            GenerationProcedures.all(services) + BillingProcedures.all(services) + AdminProcedures.all(services)
                + CourseProcedures.all(services) + JobProcedures.all(services) + DocumentProcedures.all(services)
                + SearchProcedures.all(services)
        )
    }
}

/// The stores and engines procedures work with.
struct PlatformServices: Sendable {
    let accounts: AccountsStore
    let collections: CollectionRegistry
    let workflow: CourseWorkflow
    let files: FileCatalog
    let uploads: UploadService
    let documents: DocumentLibrary
    let search: CourseSearch
    let blobs: BlobStore
    /// The largest upload body (`ServerConfiguration.maxUploadBytes`).
    let maxUploadBytes: Int
}

/// Output shapes shared by several procedures.
enum PlatformWire {
    static func id(_ id: UUID) -> WireValue { .string(id.lowercasedString) }
    static func date(_ date: Date?) -> WireValue { date.map { .string($0.iso8601Milliseconds) } ?? .null }
    static func optional(_ text: String?) -> WireValue { text.map { .string($0) } ?? .null }

    /// A course as the course procedures answer it (camelCase of the platform's `courses` columns), written
    /// straight to text: a list page holds up to 100 of them.
    static func course(_ course: Course) -> WireValue {
        var object = JSONObjectWriter()
        object.uuid("id", course.id)
        object.string("title", course.title)
        object.string("slug", course.slug)
        object.string("status", course.status.rawValue)
        object.uuid("organizationId", course.organizationID)
        object.uuid("userId", course.ownerID)
        object.string("generationStatus", course.generationStatus?.rawValue)
        object.string("generationCode", course.generationCode)
        object.string("generationStartedAt", course.generationStartedAt?.iso8601Milliseconds)
        object.json("generationProgress", course.generationProgress)
        object.string("language", course.language)
        object.string("description", course.description)
        object.string("webhookUrl", course.webhookURL)
        object.json("settings", course.settings)
        object.string("createdAt", course.createdAt.iso8601Milliseconds)
        object.string("updatedAt", course.updatedAt.iso8601Milliseconds)
        return object.finish()
    }
}

extension InputReader {
    /// The admin procedures' pagination (`limit` integer 1…100 default 20, `offset` integer ≥ 0 default 0).
    mutating func page() -> (limit: Int, offset: Int) {
        let limit = integer("limit", required: false, in: 1...100) ?? 20
        let offset = number("offset", required: false, integer: true, minimum: 0).map { Int(min($0, Double(Int32.max))) } ?? 0
        return (limit, offset)
    }
}
