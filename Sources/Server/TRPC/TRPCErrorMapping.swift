import Accounts
import CollectionStore
import Documents
import Jobs
import Logging

/// The one mapping from domain errors to tRPC codes. Domain rooms throw errors with a kind and a
/// message; only here do they meet tRPC's keys, JSON-RPC numbers and HTTP statuses.
enum TRPCErrorMapping {
    static func map(_ error: any Error, path: String, logger: Logger, requestID: String) -> TRPCError {
        switch error {
        case let trpc as TRPCError:
            return trpc
        case let accounts as AccountsError:
            switch accounts {
            case .unauthorized(let m): return TRPCError(.unauthorized, m)
            case .forbidden(let m): return TRPCError(.forbidden, m)
            case .notFound(let m): return TRPCError(.notFound, m)
            case .badRequest(let m): return TRPCError(.badRequest, m)
            case .conflict(let m): return TRPCError(.conflict, m)
            case .quotaExceeded(let m): return TRPCError(.quotaExceeded, m)
            case .rateLimited(let seconds, let m): return TRPCError(.tooManyRequests, m, retryAfterSeconds: seconds)
            }
        case let workflow as WorkflowError:
            switch workflow {
            case .notFound(let m): return TRPCError(.notFound, m)
            case .forbidden(let m): return TRPCError(.forbidden, m)
            case .badRequest(let m): return TRPCError(.badRequest, m)
            case .conflict(let m): return TRPCError(.conflict, m)
            case .tooManyRequests(let m): return TRPCError(.tooManyRequests, m)
            case .quotaExceeded(let m): return TRPCError(.quotaExceeded, m)
            case .payloadTooLarge(let m): return TRPCError(.payloadTooLarge, m)
            case .unavailable(let m): return TRPCError(.serviceUnavailable, m)
            case .internalFailure: break
            }
        case let job as JobError:
            switch job.kind {
            case .notFound: return TRPCError(.notFound, job.description)
            case .invalid: return TRPCError(.badRequest, job.description)
            case .conflict: return TRPCError(.conflict, job.description)
            case .limitExceeded: return TRPCError(.tooManyRequests, job.description)
            case .damaged: break
            }
        case let collection as CollectionError:
            switch collection {
            case .collectionNotFound, .pointNotFound, .aliasNotFound: return TRPCError(.notFound, collection.description)
            case .invalid(let m), .validation(let m): return TRPCError(.badRequest, m)
            case .collectionExists: return TRPCError(.conflict, collection.description)
            case .collectionUnavailable, .storage, .retry: break
            }
        default:
            break
        }
        // Unexpected: the detail goes to the log with the request id, the client gets tRPC's generic text.
        logger.error("procedure failed", metadata: ["procedure": "\(path)", "request": "\(requestID)", "error": "\(error)"])
        return TRPCError(.internalServerError, "Internal server error")
    }
}
