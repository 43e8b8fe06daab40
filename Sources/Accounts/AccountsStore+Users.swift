import Foundation
import JSON
import Storage

/// A user to create.
///
/// - `email` (String, required): trimmed, at most 254 bytes, one `@` with text on both sides, no spaces; unique
///   case-insensitively.
/// - `organizationID` (UUID, required): an existing organisation.
/// - `role` (Role, default `student`, the platform's default).
/// - `fullName` (String?, default nil): at most 200 characters.
/// - `id` (UUID, default random): the Supabase auth user id when the user signs in with Supabase tokens.
/// - `isActive` (Bool, default true).
public struct NewUser: Sendable, Equatable {
    public var email: String
    public var organizationID: UUID
    public var role: Role = .student
    public var fullName: String?
    public var id = UUID()
    public var isActive = true

    public init(email: String, organizationID: UUID, role: Role = .student) {
        self.email = email
        self.organizationID = organizationID
        self.role = role
    }
}

/// `admin.listUsers`'s filters besides the organisation (which is the scope).
///
/// - `role` (Role?, default nil = any): served by a role index.
/// - `isActive` (Bool?, default nil = both).
/// - `emailContains` (String?, default nil): a case-insensitive substring of the e-mail address, taken literally
///   (the platform escaped `%`, `_` and `\` for ILIKE to the same effect).
///
/// `isActive` and `emailContains` are checked on each user of the chosen index (the organisation's, or the
/// role's), so their cost grows with that index, never with the whole table of another organisation.
public struct UserFilter: Sendable, Equatable {
    public var role: Role?
    public var isActive: Bool?
    public var emailContains: String?

    public init(role: Role? = nil, isActive: Bool? = nil, emailContains: String? = nil) {
        self.role = role
        self.isActive = isActive
        self.emailContains = emailContains
    }
}

extension AccountsStore {
    /// The platform's `ErrorMessages.notFound('User', id)`.
    static func userNotFound(_ id: UUID) -> AccountsError {
        .notFound("Resource lookup failed. User not found: \(id.lowercasedString). Please verify the ID and try again.")
    }

    // MARK: Create

    /// Creates a user in an existing organisation (`campus-search admin create-user`; `admin.createUser` goes
    /// through `createUser(_:by:)`, which adds the admin rules). `badRequest` for an invalid address, `notFound`
    /// for an unknown organisation, `conflict` for a taken address or id.
    public func createUser(_ new: NewUser) throws -> User {
        try environment.write { txn in try createUser(new, in: txn) }
    }

    package func createUser(_ new: NewUser, in txn: WriteTransaction) throws -> User {
        let createdAt = timestamp()
        let email = try Self.validEmail(new.email)
        if let fullName = new.fullName, fullName.count > 200 {
            throw AccountsError.badRequest("Full name must be at most 200 characters.")
        }
        guard try organization(id: new.organizationID, in: txn) != nil else { throw Self.organizationNotFound }
        let folded = Keys.folded(email)
        guard try usersByEmail.get(folded, in: txn) == nil else {
            throw AccountsError.conflict("A user with the email \"\(email)\" already exists.")
        }
        guard try users.get(Keys.id(new.id), in: txn) == nil else {
            throw AccountsError.conflict("A user with the id \(new.id.lowercasedString) already exists.")
        }
        let user = User(id: new.id, email: email, organizationID: new.organizationID, role: new.role,
                        isActive: new.isActive, fullName: new.fullName, createdAt: createdAt)
        let id = Keys.id(user.id), position = Keys.position(createdAt, user.id)
        let organization = Keys.id(user.organizationID), role = Keys.role(user.role)
        try put(user, users, user.id, in: txn)
        try usersByEmail.put(id, for: folded, in: txn)
        try usersByCreated.put([], for: position, in: txn)
        try usersByRole.put([], for: [role] + position, in: txn)
        try usersByOrganization.put([], for: organization + position, in: txn)
        try usersByOrganizationRole.put([], for: organization + [role] + position, in: txn)
        try bump(Counter.users, by: 1, in: txn)
        try bump(Counter.users(user.role), by: 1, in: txn)
        try bump(Counter.users(in: user.organizationID), by: 1, in: txn)
        try bump(Counter.users(in: user.organizationID, user.role), by: 1, in: txn)
        return user
    }

    /// The trimmed address, or `badRequest("Invalid email address: …")`.
    static func validEmail(_ email: String) throws(AccountsError) -> String {
        let trimmed = email.trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard trimmed.utf8.count <= 254, Keys.folded(trimmed).utf8.count <= Keys.maxFoldedBytes, parts.count == 2,
              !parts[0].isEmpty, !parts[1].isEmpty,
              !trimmed.unicodeScalars.contains(where: { CharacterSet.whitespacesAndNewlines.contains($0) || CharacterSet.controlCharacters.contains($0) })
        else { throw .badRequest("Invalid email address: \"\(trimmed)\".") }
        return trimmed
    }

    // MARK: Read

    /// The user with `id`, or nil.
    public func user(id: UUID) throws -> User? {
        try environment.read { txn in try user(id: id, in: txn) }
    }

    package func user(id: UUID, in txn: ReadTransaction) throws -> User? {
        try record(users, userCache, id, in: txn)
    }

    /// The user whose address is `email` (case-insensitively), or nil.
    public func user(email: String) throws -> User? {
        let folded = Keys.folded(email.trimmingCharacters(in: .whitespacesAndNewlines))
        guard !folded.isEmpty, folded.utf8.count <= Keys.maxFoldedBytes else { return nil }  // never a valid key
        return try environment.read { txn in
            guard let id = try usersByEmail.get(folded, in: txn), let uuid = Self.uuid(id) else { return nil }
            return try user(id: uuid, in: txn)
        }
    }

    /// The UUID an index value holds (its 16 bytes).
    static func uuid(_ bytes: [UInt8]) -> UUID? {
        bytes.withUnsafeBytes { Keys.trailingID($0) }
    }

    /// The user with `id` if `scope` may see their organisation; the platform's user `notFound` otherwise.
    public func user(id: UUID, in scope: TenantScope) throws -> User {
        guard let user = try user(id: id), scope.contains(user.organizationID) else { throw Self.userNotFound(id) }
        return user
    }

    /// Users newest first (`admin.listUsers`) within `scope`, filtered, with the filtered total.
    public func listUsers(in scope: TenantScope, filter: UserFilter = UserFilter(), page: PageRequest = .first) throws -> Page<User> {
        try environment.read { txn in
            let walk: IndexWalk, total: Int
            switch (scope, filter.role) {
            case (.organization(let organization), let role?):
                walk = IndexWalk(index: usersByOrganizationRole, prefix: Keys.id(organization) + [Keys.role(role)])
                total = try count(Counter.users(in: organization, role), in: txn)
            case (.organization(let organization), nil):
                walk = IndexWalk(index: usersByOrganization, prefix: Keys.id(organization))
                total = try count(Counter.users(in: organization), in: txn)
            case (.everyOrganization, let role?):
                walk = IndexWalk(index: usersByRole, prefix: [Keys.role(role)])
                total = try count(Counter.users(role), in: txn)
            case (.everyOrganization, nil):
                walk = IndexWalk(index: usersByCreated, prefix: [])
                total = try count(Counter.users, in: txn)
            }
            let needle = filter.emailContains.map(Keys.folded).flatMap { $0.isEmpty ? nil : $0 }
            let include: ((User) -> Bool)? = filter.isActive == nil && needle == nil ? nil : { user in
                (filter.isActive.map { $0 == user.isActive } ?? true)
                    && (needle.map { Keys.folded(user.email).contains($0) } ?? true)
            }
            return try walk.page(page, knownTotal: total, in: txn, load: { try self.user(id: $0, in: txn) }, include: include)
        }
    }

    // MARK: Update

    /// Writes a changed user (role and/or activation) with its role indexes and counters.
    func save(_ user: User, replacing old: User, in txn: WriteTransaction) throws {
        try put(user, users, user.id, in: txn)
        guard user.role != old.role else { return }
        let position = Keys.position(user.createdAt, user.id), organization = Keys.id(user.organizationID)
        try usersByRole.delete([Keys.role(old.role)] + position, in: txn)
        try usersByRole.put([], for: [Keys.role(user.role)] + position, in: txn)
        try usersByOrganizationRole.delete(organization + [Keys.role(old.role)] + position, in: txn)
        try usersByOrganizationRole.put([], for: organization + [Keys.role(user.role)] + position, in: txn)
        try bump(Counter.users(old.role), by: -1, in: txn)
        try bump(Counter.users(user.role), by: 1, in: txn)
        try bump(Counter.users(in: user.organizationID, old.role), by: -1, in: txn)
        try bump(Counter.users(in: user.organizationID, user.role), by: 1, in: txn)
    }
}
