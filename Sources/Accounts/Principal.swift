import Foundation

/// Who is calling: the user and their organisation, read from our records when the request arrived.
///
/// Invariant: `user.organizationID == organization.id`. Role and tier always come from the records, never from
/// token claims, so a changed role takes effect on the caller's next request.
public struct Principal: Sendable, Equatable {
    public let user: User
    public let organization: Organization

    public init(user: User, organization: Organization) {
        self.user = user
        self.organization = organization
    }

    public var userID: UUID { user.id }
    public var organizationID: UUID { organization.id }
    public var role: Role { user.role }
    public var tier: Tier { organization.tier }

    /// What this caller may see: every organisation for a superadmin, otherwise their own only.
    public var scope: TenantScope {
        role == .superadmin ? .everyOrganization : .organization(organization.id)
    }
}

/// The organisations a read or write may touch. Tenancy is enforced by the store: a record outside the scope
/// answers exactly as a missing one.
public enum TenantScope: Sendable, Equatable, Hashable {
    /// One organisation (every caller but a superadmin).
    case organization(UUID)
    /// All of them (superadmins only).
    case everyOrganization

    /// Whether a record of `organizationID` is visible.
    public func contains(_ organizationID: UUID) -> Bool {
        switch self {
        case .organization(let id): id == organizationID
        case .everyOrganization: true
        }
    }

    /// This scope narrowed by an optional `organizationId` filter of a list procedure; nil when the filter names
    /// an organisation outside the scope (the list is then empty, as for an organisation that does not exist).
    public func narrowed(to organizationID: UUID?) -> TenantScope? {
        guard let organizationID else { return self }
        return contains(organizationID) ? .organization(organizationID) : nil
    }
}
