import Foundation
import JSON

/// A course: the platform's `courses` row (the Stage 0 columns and the generation columns the API uses).
///
/// Invariants (kept by `AccountsStore`): `slug` is unique within the organisation and matches `Slug.pattern`;
/// `title` is 1…255 characters after trimming; `settings` is a JSON object; `ownerID` is a user of the same
/// organisation; every change of `generationStatus` is allowed by `GenerationStatus.canTransition`; dates are
/// whole milliseconds. The `var` fields are what `AccountsStore.updateCourse` lets a caller change; `id`,
/// `organizationID` and `createdAt` never change.
public struct Course: Sendable, Equatable, Codable {
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

    private enum CodingKeys: String, CodingKey {
        case id, organizationID, ownerID, title, slug, status, generationStatus, generationCode, generationStartedAt
        case generationProgress, webhookURL, language, description, settings, createdAt, updatedAt
    }

    /// Decodes defensively: a missing or unknown status is `draft`, an unknown generation status nil, missing
    /// settings (or settings that are not an object) `{}`, a missing `updatedAt` the creation time.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(UUID.self, forKey: .id)
        organizationID = try c.decode(UUID.self, forKey: .organizationID)
        ownerID = try c.decode(UUID.self, forKey: .ownerID)
        title = try c.decode(String.self, forKey: .title)
        slug = try c.decode(String.self, forKey: .slug)
        status = (try? c.decodeIfPresent(String.self, forKey: .status)).flatMap(CourseStatus.init(rawValue:)) ?? .draft
        generationStatus = (try? c.decodeIfPresent(String.self, forKey: .generationStatus)).flatMap(GenerationStatus.init(rawValue:))
        generationCode = try? c.decodeIfPresent(String.self, forKey: .generationCode)
        generationStartedAt = (try? c.decodeIfPresent(Int64.self, forKey: .generationStartedAt)).map(Date.init(millisecondsSince1970:))
        generationProgress = try? c.decodeIfPresent(JSONValue.self, forKey: .generationProgress)
        webhookURL = try? c.decodeIfPresent(String.self, forKey: .webhookURL)
        language = try? c.decodeIfPresent(String.self, forKey: .language)
        description = try? c.decodeIfPresent(String.self, forKey: .description)
        let storedSettings = (try? c.decodeIfPresent(JSONValue.self, forKey: .settings))?.objectValue
        settings = .object(storedSettings ?? [:])
        createdAt = Date(millisecondsSince1970: try c.decode(Int64.self, forKey: .createdAt))
        updatedAt = try c.decodeIfPresent(Int64.self, forKey: .updatedAt).map(Date.init(millisecondsSince1970:)) ?? createdAt
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(organizationID, forKey: .organizationID)
        try c.encode(ownerID, forKey: .ownerID)
        try c.encode(title, forKey: .title)
        try c.encode(slug, forKey: .slug)
        try c.encode(status.rawValue, forKey: .status)
        try c.encodeIfPresent(generationStatus?.rawValue, forKey: .generationStatus)
        try c.encodeIfPresent(generationCode, forKey: .generationCode)
        try c.encodeIfPresent(generationStartedAt?.millisecondsSince1970, forKey: .generationStartedAt)
        try c.encodeIfPresent(generationProgress, forKey: .generationProgress)
        try c.encodeIfPresent(webhookURL, forKey: .webhookURL)
        try c.encodeIfPresent(language, forKey: .language)
        try c.encodeIfPresent(description, forKey: .description)
        try c.encode(settings, forKey: .settings)
        try c.encode(createdAt.millisecondsSince1970, forKey: .createdAt)
        try c.encode(updatedAt.millisecondsSince1970, forKey: .updatedAt)
    }
}

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
