/// A user's role, as the platform's `role` enum. Role checks are exact membership tests, not a hierarchy.
public enum Role: String, CaseIterable, Sendable {
    case student, instructor, admin, superadmin
}

/// The kinds of tRPC procedure and who may call them (the contract's §2.1).
///
/// - `public`: anyone, signed in or not.
/// - `protected`: any signed-in, active user.
/// - `instructor`: superadmin, admin or instructor.
/// - `admin`: superadmin or admin.
/// - `superadmin`: superadmin only.
public enum ProcedureKind: String, CaseIterable, Sendable {
    case `public`, protected, instructor, admin, superadmin

    /// The roles allowed, in the order the contract's messages list them; nil for `public` and `protected`.
    public var allowedRoles: [Role]? {
        switch self {
        case .public, .protected: nil
        case .instructor: [.superadmin, .admin, .instructor]
        case .admin: [.superadmin, .admin]
        case .superadmin: [.superadmin]
        }
    }

    /// The contract's text when no valid Bearer token came with the call.
    public static let authenticationRequiredMessage = "Authentication required. Please provide a valid Bearer token."

    /// Our text for a deactivated account. The platform never checked `is_active` (§13.13); a deactivated user is
    /// refused every procedure but public ones with FORBIDDEN (signing in again does not help, so not UNAUTHORIZED),
    /// and the message names who can undo it (`admin.toggleUserActivation` is a superadmin procedure).
    public static let deactivatedMessage = "Your account has been deactivated. Ask a superadmin to reactivate it."

    /// Lets the call through or throws the contract's error: `unauthorized` without a principal, `forbidden` for a
    /// deactivated user or a role outside `allowedRoles`
    /// (`Access denied. Required role: superadmin or admin. Your role: student`).
    ///
    /// `public` procedures let everyone through, a deactivated user too; their handlers must not act on the
    /// principal's identity beyond what an anonymous caller may do.
    public func authorize(_ principal: Principal?) throws(AccountsError) {
        guard self != .public else { return }
        guard let principal else { throw .unauthorized(Self.authenticationRequiredMessage) }
        guard principal.user.isActive else { throw .forbidden(Self.deactivatedMessage) }
        guard let allowedRoles else { return }
        guard allowedRoles.contains(principal.role) else {
            let required = allowedRoles.map(\.rawValue).joined(separator: " or ")
            throw .forbidden("Access denied. Required role: \(required). Your role: \(principal.role.rawValue)")
        }
    }
}
