import Foundation
import JSON

/// A user: the platform's `public.users` row. `id` is the JWT `sub` (Supabase's auth user id).
///
/// Invariants (kept by `AccountsStore`): `email` is unique case-insensitively and stored trimmed;
/// `organizationID` names an existing organisation; dates are whole milliseconds.
public struct User: Sendable, Equatable {
    public let id: UUID
    public let email: String
    public let organizationID: UUID
    public internal(set) var role: Role
    public internal(set) var isActive: Bool
    public internal(set) var fullName: String?
    public let createdAt: Date
    public internal(set) var updatedAt: Date

    init(id: UUID, email: String, organizationID: UUID, role: Role, isActive: Bool, fullName: String?, createdAt: Date) {
        self.id = id
        self.email = email
        self.organizationID = organizationID
        self.role = role
        self.isActive = isActive
        self.fullName = fullName
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    /// The contract's admin output fields, in order: `id, email, role, organizationId, isActive, createdAt,
    /// updatedAt` (dates ISO 8601 with milliseconds).
    public var wire: WireValue {
        .object([
            ("id", .string(id.lowercasedString)),
            ("email", .string(email)),
            ("role", .string(role.rawValue)),
            ("organizationId", .string(organizationID.lowercasedString)),
            ("isActive", .bool(isActive)),
            ("createdAt", .string(createdAt.iso8601Milliseconds)),
            ("updatedAt", .string(updatedAt.iso8601Milliseconds)),
        ])
    }

    // MARK: Stored form

    static let recordName = "User"

    /// Reads defensively: an unknown or missing role is `student` (the platform's column default), a missing
    /// `isActive` true (what the migration set for existing rows), a missing `updatedAt` the creation time.
    init(stored: RecordFields) throws {
        id = try stored.uuid("id")
        email = try stored.string("email")
        organizationID = try stored.uuid("organizationID")
        role = stored.optionalString("role").flatMap(Role.init(rawValue:)) ?? .student
        isActive = stored.optionalBool("isActive") ?? true
        fullName = stored.optionalString("fullName")
        createdAt = try stored.date("createdAt")
        updatedAt = stored.optionalDate("updatedAt") ?? createdAt
    }

    var stored: JSONValue {
        var fields: [String: JSONValue] = [
            "id": .uuid(id), "email": .string(email), "organizationID": .uuid(organizationID), "role": .string(role.rawValue),
            "isActive": .bool(isActive), "createdAt": .milliseconds(createdAt), "updatedAt": .milliseconds(updatedAt),
        ]
        if let fullName { fields["fullName"] = .string(fullName) }
        return .object(fields)
    }
}

extension User: StoredRecord {}
