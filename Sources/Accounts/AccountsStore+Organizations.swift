import Foundation
import Storage

extension AccountsStore {
    static let organizationNotFound = AccountsError.notFound("Organization not found")

    // MARK: Create

    /// Creates an organisation (`admin.createOrganization`, `campus-search admin create-organization`): the name
    /// trimmed, 3…100 characters and unique case-insensitively (`conflict` otherwise); the slug from the name
    /// (`Slug.organization`); the quota of the tier and no usage.
    public func createOrganization(name: String, tier: Tier) throws -> Organization {
        try environment.write { txn in try createOrganization(name: name, tier: tier, in: txn) }
    }

    package func createOrganization(name: String, tier: Tier, id: UUID = UUID(), in txn: WriteTransaction) throws -> Organization {
        let createdAt = timestamp()
        let name = try Self.validOrganizationName(name)
        let folded = Keys.folded(name)
        guard try organizationsByName.get(folded, in: txn) == nil else {
            throw AccountsError.conflict("An organization named \"\(name)\" already exists.")
        }
        let organization = Organization(id: id, name: name, slug: Slug.organization(name: name, createdAt: createdAt), tier: tier, createdAt: createdAt)
        try put(organization, organizations, id, in: txn)
        try organizationsByName.put(Keys.id(id), for: folded, in: txn)
        try organizationsByCreated.put([], for: Keys.position(createdAt, id), in: txn)
        try bump(Counter.organizations, by: 1, in: txn)
        try bump(Counter.organizations(tier), by: 1, in: txn)
        return organization
    }

    /// The trimmed name, or `badRequest` unless it has 3…100 characters (UTF-16 units, as the platform's zod
    /// schema counts them).
    static func validOrganizationName(_ name: String) throws(AccountsError) -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (3...100).contains(trimmed.utf16.count), Keys.folded(trimmed).utf8.count <= Keys.maxFoldedBytes else {
            throw .badRequest("Organization name must be between 3 and 100 characters.")
        }
        return trimmed
    }

    // MARK: Read

    /// The organisation with `id`, or nil.
    public func organization(id: UUID) throws -> Organization? {
        try environment.read { txn in try organization(id: id, in: txn) }
    }

    package func organization(id: UUID, in txn: ReadTransaction) throws -> Organization? {
        try record(organizations, organizationCache, id, in: txn)
    }

    /// The organisation with `id` if `scope` may see it; `notFound("Organization not found")` otherwise.
    public func organization(id: UUID, in scope: TenantScope) throws -> Organization {
        guard scope.contains(id), let organization = try organization(id: id) else { throw Self.organizationNotFound }
        return organization
    }

    /// Organisations newest first (`admin.listOrganizations`): all of them for `.everyOrganization`, the caller's
    /// own for an organisation scope (the platform listed every organisation to any admin: §13.5).
    public func listOrganizations(in scope: TenantScope, page: PageRequest = .first) throws -> Page<Organization> {
        try environment.read { txn in
            switch scope {
            case .organization(let id):
                let own = try organization(id: id, in: txn).map { [$0] } ?? []
                return Page(items: Array(own.dropFirst(page.offset).prefix(page.limit)), total: own.count)
            case .everyOrganization:
                return try IndexWalk(index: organizationsByCreated, prefix: []).page(
                    page, knownTotal: count(Counter.organizations, in: txn), in: txn,
                    load: { try organization(id: $0, in: txn) })
            }
        }
    }

    /// How many users and courses an organisation has (`admin.getOrganization`), from counters.
    public func organizationCounts(id: UUID) throws -> (users: Int, courses: Int) {
        try environment.read { txn in
            (try count(Counter.users(in: id), in: txn), try count(Counter.courses(in: id), in: txn))
        }
    }

    // MARK: Update

    /// Renames an organisation and/or changes its tier (`admin.updateOrganization`). A tier change sets the
    /// quota to the new tier's; it is refused (`conflict`) when the organisation already uses more than that, so
    /// usage never exceeds the quota. `notFound` for an unknown id.
    public func updateOrganization(id: UUID, name: String? = nil, tier: Tier? = nil) throws -> Organization {
        try environment.write { txn in try updateOrganization(id: id, name: name, tier: tier, in: txn) }
    }

    package func updateOrganization(id: UUID, name: String?, tier: Tier?, in txn: WriteTransaction) throws -> Organization {
        guard var organization = try organization(id: id, in: txn) else { throw Self.organizationNotFound }
        if let name {
            let name = try Self.validOrganizationName(name)
            let oldKey = Keys.folded(organization.name), newKey = Keys.folded(name)
            if newKey != oldKey {
                guard try organizationsByName.get(newKey, in: txn) == nil else {
                    throw AccountsError.conflict("An organization named \"\(name)\" already exists.")
                }
                try organizationsByName.delete(oldKey, in: txn)
                try organizationsByName.put(Keys.id(id), for: newKey, in: txn)
            }
            organization.name = name
        }
        if let tier, tier != organization.tier {
            guard organization.storageUsedBytes <= tier.storageQuotaBytes else {
                throw AccountsError.conflict("Cannot change the tier to \(tier.displayName): the organization uses \(ByteFormat.compact(organization.storageUsedBytes)) of storage and \(tier.displayName) allows \(ByteFormat.compact(tier.storageQuotaBytes)). Delete files first.")
            }
            try bump(Counter.organizations(organization.tier), by: -1, in: txn)
            try bump(Counter.organizations(tier), by: 1, in: txn)
            organization.tier = tier
            organization.storageQuotaBytes = tier.storageQuotaBytes
        }
        organization.updatedAt = max(timestamp(), organization.createdAt)
        try put(organization, organizations, id, in: txn)
        return organization
    }

    // MARK: Principal

    /// The caller for a verified token's user id: the user and their organisation, or nil when either is missing.
    /// Inactive users are returned (`ProcedureKind.authorize` refuses them with a message that says why).
    public func principal(userID: UUID) throws -> Principal? {
        try environment.read { txn in
            guard let user = try user(id: userID, in: txn),
                  let organization = try organization(id: user.organizationID, in: txn) else { return nil }
            return Principal(user: user, organization: organization)
        }
    }
}
