/// A failure of the platform's workflows (generation, uploads, documents, course search), with a kind
/// the API maps to its code and the exact text the client sees (the contract's wording where it has one).
public enum WorkflowError: Error, Equatable, Sendable, CustomStringConvertible {
    case notFound(String)
    case forbidden(String)
    case badRequest(String)
    case conflict(String)
    /// Too many concurrent generations (contract §5.3): TOO_MANY_REQUESTS, no `Retry-After` (the wait is
    /// until a running generation ends, not a time).
    case tooManyRequests(String)
    /// The organisation's storage quota: `QUOTA_EXCEEDED`.
    case quotaExceeded(String)
    /// More bytes than the request may carry.
    case payloadTooLarge(String)
    /// A part of the server the request needs is not available (the embedding model is not installed): the
    /// client can retry once the operator fixes it. SERVICE_UNAVAILABLE with this text.
    case unavailable(String)
    /// A failure the client cannot fix (storage, the file store); logged, answered generically.
    case internalFailure(String)

    public var message: String {
        switch self {
        case .notFound(let m), .forbidden(let m), .badRequest(let m), .conflict(let m), .tooManyRequests(let m),
             .quotaExceeded(let m), .payloadTooLarge(let m), .unavailable(let m), .internalFailure(let m):
            m
        }
    }

    public var description: String { message }
}
