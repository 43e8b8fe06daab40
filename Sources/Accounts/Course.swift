import Foundation
import JSON

/// A course: the platform's `courses` row (the Stage 0 columns and the generation columns the API uses).
///
/// Invariants (kept by `AccountsStore`): `slug` is unique within the organisation and matches `Slug.pattern`;
/// `title` is 1…255 characters after trimming; `settings` is a JSON object; `ownerID` is a user of the same
/// organisation; every change of `generationStatus` is allowed by `GenerationStatus.canTransition`; dates are
/// whole milliseconds. The `var` fields are what `AccountsStore.updateCourse` lets a caller change; `id`,
/// `organizationID` and `createdAt` never change.
public struct Course: Sendable, Equatable {
    public let id: UUID
    public let organizationID: UUID
    /// The owner, the platform's `user_id`.
    public var ownerID: UUID
    public var title: String
    public var slug: String
    public var status: CourseStatus
    /// nil: generation never started.
    public var generationStatus: GenerationStatus?
    /// `ABC-1234`, set by `generation.initiate`.
    public var generationCode: String?
    public var generationStartedAt: Date?
    /// The platform's `generation_progress` document (`{steps, message, percentage, …}`), kept as given.
    public var generationProgress: JSONValue?
    public var webhookURL: String?
    public var language: String?
    public var description: String?
    /// Course settings, a JSON object (`{}` by default).
    public var settings: JSONValue
    public let createdAt: Date
    public internal(set) var updatedAt: Date

    init(id: UUID, organizationID: UUID, ownerID: UUID, title: String, slug: String, status: CourseStatus, createdAt: Date) {
        self.id = id
        self.organizationID = organizationID
        self.ownerID = ownerID
        self.title = title
        self.slug = slug
        self.status = status
        self.settings = .object([:])
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    // MARK: Stored form

    static let recordName = "Course"

    /// Reads defensively: a missing or unknown status is `draft`, an unknown generation status nil, missing
    /// settings (or settings that are not an object) `{}`, a missing `updatedAt` the creation time.
    init(stored: RecordFields) throws {
        id = try stored.uuid("id")
        organizationID = try stored.uuid("organizationID")
        ownerID = try stored.uuid("ownerID")
        title = try stored.string("title")
        slug = try stored.string("slug")
        status = stored.optionalString("status").flatMap(CourseStatus.init(rawValue:)) ?? .draft
        generationStatus = stored.optionalString("generationStatus").flatMap(GenerationStatus.init(rawValue:))
        generationCode = stored.optionalString("generationCode")
        generationStartedAt = stored.optionalDate("generationStartedAt")
        generationProgress = stored["generationProgress"]
        webhookURL = stored.optionalString("webhookURL")
        language = stored.optionalString("language")
        description = stored.optionalString("description")
        settings = .object(stored["settings"]?.objectValue ?? [:])
        createdAt = try stored.date("createdAt")
        updatedAt = stored.optionalDate("updatedAt") ?? createdAt
    }

    var stored: JSONValue {
        var fields: [String: JSONValue] = [
            "id": .uuid(id), "organizationID": .uuid(organizationID), "ownerID": .uuid(ownerID), "title": .string(title),
            "slug": .string(slug), "status": .string(status.rawValue), "settings": settings,
            "createdAt": .milliseconds(createdAt), "updatedAt": .milliseconds(updatedAt),
        ]
        fields["generationStatus"] = generationStatus.map { .string($0.rawValue) }
        fields["generationCode"] = generationCode.map(JSONValue.string)
        fields["generationStartedAt"] = generationStartedAt.map(JSONValue.milliseconds)
        fields["generationProgress"] = generationProgress
        fields["webhookURL"] = webhookURL.map(JSONValue.string)
        fields["language"] = language.map(JSONValue.string)
        fields["description"] = description.map(JSONValue.string)
        return .object(fields)
    }
}

extension Course: StoredRecord {}

/// What `courses.create` needs: a title; everything else is optional.
///
/// - `title` (String, required): 1…255 characters after trimming.
/// - `slug` (String?, default nil = derived from the title, made unique with `-2`, `-3` …): `Slug.pattern`.
/// - `status` (CourseStatus, default `draft`).
/// - `language`, `description`, `webhookURL` (String?, default nil): see `AccountsStore.createCourse`'s limits.
/// - `settings` (JSONValue, default `{}`): must be an object.
public struct NewCourse: Sendable, Equatable {
    public var title: String
    public var slug: String?
    public var status: CourseStatus = .draft
    public var language: String?
    public var description: String?
    public var webhookURL: String?
    public var settings: JSONValue = .object([:])

    public init(title: String, slug: String? = nil) {
        self.title = title
        self.slug = slug
    }
}
