import Foundation
import JSON

/// A user: the platform's `public.users` row. `id` is the JWT `sub` (Supabase's auth user id).
///
/// Invariants (kept by `AccountsStore`): `email` is unique case-insensitively and stored trimmed;
/// `organizationID` names an existing organisation; dates are whole milliseconds.
public struct User: Sendable, Equatable, Codable {
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
            ("id", .string(id.uuidString.lowercased())),
            ("email", .string(email)),
            ("role", .string(role.rawValue)),
            ("organizationId", .string(organizationID.uuidString.lowercased())),
            ("isActive", .bool(isActive)),
            ("createdAt", .string(createdAt.iso8601Milliseconds)),
            ("updatedAt", .string(updatedAt.iso8601Milliseconds)),
        ])
    }

    // MARK: Stored form

    private enum CodingKeys: String, CodingKey {
        case id, email, organizationID, role, isActive, fullName, createdAt, updatedAt
    }

    /// Decodes defensively: an unknown or missing role is `student` (the platform's column default), a missing
    /// `isActive` true (what the migration set for existing rows), a missing `updatedAt` the creation time.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(UUID.self, forKey: .id)
        email = try c.decode(String.self, forKey: .email)
        organizationID = try c.decode(UUID.self, forKey: .organizationID)
        role = (try? c.decodeIfPresent(String.self, forKey: .role)).flatMap(Role.init(rawValue:)) ?? .student
        isActive = (try? c.decodeIfPresent(Bool.self, forKey: .isActive)) ?? true
        fullName = try? c.decodeIfPresent(String.self, forKey: .fullName)
        createdAt = Date(millisecondsSince1970: try c.decode(Int64.self, forKey: .createdAt))
        updatedAt = try c.decodeIfPresent(Int64.self, forKey: .updatedAt).map(Date.init(millisecondsSince1970:)) ?? createdAt
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(email, forKey: .email)
        try c.encode(organizationID, forKey: .organizationID)
        try c.encode(role.rawValue, forKey: .role)
        try c.encode(isActive, forKey: .isActive)
        try c.encodeIfPresent(fullName, forKey: .fullName)
        try c.encode(createdAt.millisecondsSince1970, forKey: .createdAt)
        try c.encode(updatedAt.millisecondsSince1970, forKey: .updatedAt)
    }
}
