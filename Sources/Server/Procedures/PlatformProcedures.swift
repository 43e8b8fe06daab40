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
    static func id(_ id: UUID) -> WireValue { .string(id.uuidString.lowercased()) }
    static func date(_ date: Date?) -> WireValue { date.map { .string($0.iso8601Milliseconds) } ?? .null }
    static func optional(_ text: String?) -> WireValue { text.map { .string($0) } ?? .null }

    /// A course as the course procedures answer it (camelCase of the platform's `courses` columns).
    static func course(_ course: Course) -> WireValue {
        .object([
            ("id", id(course.id)), ("title", .string(course.title)), ("slug", .string(course.slug)), ("status", .string(course.status.rawValue)),
            ("organizationId", id(course.organizationID)), ("userId", id(course.ownerID)),
            ("generationStatus", course.generationStatus.map { .string($0.rawValue) } ?? .null),
            ("generationCode", optional(course.generationCode)), ("generationStartedAt", date(course.generationStartedAt)),
            ("generationProgress", course.generationProgress.map { .json($0) } ?? .null),
            ("language", optional(course.language)), ("description", optional(course.description)), ("webhookUrl", optional(course.webhookURL)),
            ("settings", .json(course.settings)), ("createdAt", date(course.createdAt)), ("updatedAt", date(course.updatedAt)),
        ])
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
