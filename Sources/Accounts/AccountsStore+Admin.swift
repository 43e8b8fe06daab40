import Foundation
import Storage

/// The rules of the admin procedures that change users, with the contract's messages (§5.5).
///
/// Scope: an admin acts on their own organisation only (a user of another one answers exactly as a missing
/// user); a superadmin acts on every organisation. The actor's role is the one the request was authenticated
/// with (`Principal`), as the platform read it at the start of the request.
extension AccountsStore {
    /// `admin.updateUserRole`, checked in this order:
    /// 1. `badRequest("Cannot change your own role. Ask another admin to make this change.")`;
    /// 2. `forbidden("Only superadmins can assign the superadmin role.")` for a non-superadmin giving it;
    /// 3. the platform's user `notFound` for a missing user or one outside the actor's organisation;
    /// 4. `forbidden("Only superadmins can modify superadmin users.")` for a non-superadmin changing one;
    /// 5. `badRequest("Cannot demote the last superadmin. Promote another user to superadmin first.")`.
    /// Returns the user as updated (unchanged, with nothing written, when the role is already `role`).
    public func updateUserRole(userID: UUID, to role: Role, by actor: Principal) throws -> User {
        try environment.write { txn in try updateUserRole(userID: userID, to: role, by: actor, in: txn) }
    }

    package func updateUserRole(userID: UUID, to role: Role, by actor: Principal, in txn: WriteTransaction) throws -> User {
        guard userID != actor.userID else {
            throw AccountsError.badRequest("Cannot change your own role. Ask another admin to make this change.")
        }
        if role == .superadmin && actor.role != .superadmin {
            throw AccountsError.forbidden("Only superadmins can assign the superadmin role.")
        }
        guard let old = try user(id: userID, in: txn), actor.scope.contains(old.organizationID) else {
            throw Self.userNotFound(userID)
        }
        if old.role == .superadmin && actor.role != .superadmin {
            throw AccountsError.forbidden("Only superadmins can modify superadmin users.")
        }
        if old.role == .superadmin, role != .superadmin, try count(Counter.users(.superadmin), in: txn) <= 1 {
            throw AccountsError.badRequest("Cannot demote the last superadmin. Promote another user to superadmin first.")
        }
        guard role != old.role else { return old }
        var user = old
        user.role = role
        user.updatedAt = max(timestamp(), user.createdAt)
        try save(user, replacing: old, in: txn)
        return user
    }

    /// `admin.toggleUserActivation`: `badRequest("Cannot deactivate your own account. Ask another superadmin to
    /// make this change.")` for the actor themself, the platform's user `notFound` for a missing user or one
    /// outside the actor's scope. Returns the user as updated.
    public func setUserActivation(userID: UUID, isActive: Bool, by actor: Principal) throws -> User {
        try environment.write { txn in try setUserActivation(userID: userID, isActive: isActive, by: actor, in: txn) }
    }

    package func setUserActivation(userID: UUID, isActive: Bool, by actor: Principal, in txn: WriteTransaction) throws -> User {
        guard userID != actor.userID || isActive else {
            throw AccountsError.badRequest("Cannot deactivate your own account. Ask another superadmin to make this change.")
        }
        guard let old = try user(id: userID, in: txn), actor.scope.contains(old.organizationID) else {
            throw Self.userNotFound(userID)
        }
        guard old.isActive != isActive else { return old }
        var user = old
        user.isActive = isActive
        user.updatedAt = max(timestamp(), user.createdAt)
        try save(user, replacing: old, in: txn)
        return user
    }

    /// `admin.createUser`: `createUser(_:)` with the admin rules: only a superadmin may create a superadmin
    /// (`forbidden("Only superadmins can assign the superadmin role.")`), and an admin only in their own
    /// organisation (another one answers `notFound("Organization not found")`, as a missing one does).
    public func createUser(_ new: NewUser, by actor: Principal) throws -> User {
        if new.role == .superadmin && actor.role != .superadmin {
            throw AccountsError.forbidden("Only superadmins can assign the superadmin role.")
        }
        guard actor.scope.contains(new.organizationID) else { throw Self.organizationNotFound }
        return try createUser(new)
    }
}
