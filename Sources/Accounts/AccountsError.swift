/// A failure of the Accounts room, with a kind the Server maps to a tRPC code and a message a user can act on.
///
/// Invariants: every case carries the exact text the client sees (the platform contract's wording where it
/// has one); no case carries an HTTP status. `rateLimited` also carries the seconds to put in `Retry-After`.
public enum AccountsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No (valid) credentials: tRPC `UNAUTHORIZED`.
    case unauthorized(String)
    /// Authenticated but not allowed: tRPC `FORBIDDEN`.
    case forbidden(String)
    /// Missing, or belonging to another organisation (the two answers are identical): tRPC `NOT_FOUND`.
    case notFound(String)
    /// Input that breaks a rule: tRPC `BAD_REQUEST`.
    case badRequest(String)
    /// Clashes with the current state (a taken name, an invalid transition): tRPC `CONFLICT`.
    case conflict(String)
    /// The organisation's storage quota would be exceeded: `data.code` `QUOTA_EXCEEDED`.
    case quotaExceeded(String)
    /// Too many requests: tRPC `TOO_MANY_REQUESTS`, answered with `Retry-After: retryAfterSeconds`.
    case rateLimited(retryAfterSeconds: Int, message: String)

    /// The text the client sees.
    public var message: String {
        switch self {
        case .unauthorized(let m), .forbidden(let m), .notFound(let m), .badRequest(let m), .conflict(let m),
             .quotaExceeded(let m):
            m
        case .rateLimited(_, let m): m
        }
    }

    public var description: String { message }
}
