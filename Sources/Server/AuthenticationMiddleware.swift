import Accounts
import Foundation
import HTTPTypes
import Hummingbird
import JSON
import Logging
import Synchronization

/// Resolves the caller once per request, as the platform's tRPC `createContext` does: an
/// `Authorization: Bearer <JWT>` verified locally, then the user and organisation read from our
/// records by the token's `sub` (so role and organisation are always the current ones). A missing,
/// malformed, forged, expired or unknown token leaves the request anonymous; the procedure kind then
/// answers UNAUTHORIZED where it needs a caller.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let tokens: TokenAuthority
    let accounts: AccountsStore
    /// Whether `X-Forwarded-For` / `X-Real-IP` / `CF-Connecting-IP` name the client (behind a trusted proxy).
    let trustForwardedFor: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if trustForwardedFor { context.forwardedFor = Self.forwardedClient(request.headers) }
        if let header = request.headers[.authorization] {
            do {
                let principal = try await tokens.authenticate(authorization: header, in: accounts)
                context.principal = principal
                if let principal {
                    let organisation = principal.organizationID.lowercasedString, user = principal.userID.lowercasedString
                    context.logger[metadataKey: "organisation"] = .string(organisation)
                    context.logger[metadataKey: "user"] = .string(user)
                    context.trace.setCaller(organisation: organisation, user: user)
                }
            } catch {
                context.logger.debug("token refused; the request is anonymous", metadata: ["reason": "\(error)"])
            }
        }
        return try await next(request, context)
    }

    /// The platform's order: the first `X-Forwarded-For` entry (port stripped), else `X-Real-IP`, else `CF-Connecting-IP`.
    static func forwardedClient(_ headers: HTTPFields) -> String? {
        if let forwarded = headers[HTTPField.Name("X-Forwarded-For")!]?.split(separator: ",").first {
            var address = forwarded.trimmingCharacters(in: .whitespaces)
            if address.filter({ $0 == ":" }).count == 1, let colon = address.lastIndex(of: ":") { address = String(address[..<colon]) }
            if !address.isEmpty { return address }
        }
        return headers[HTTPField.Name("X-Real-IP")!] ?? headers[HTTPField.Name("CF-Connecting-IP")!]
    }
}

/// Gives every request an id — the client's `x-request-id` when it is a usable one (1…128 visible
/// ASCII characters), else a new random one — puts it in the request's logger metadata and answers
/// it in the `x-request-id` response header.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    static var header: HTTPField.Name { HTTPField.Name("x-request-id")! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let sent = request.headers[Self.header].flatMap { value -> String? in
            (1...128).contains(value.utf8.count) && value.utf8.allSatisfy { (0x21...0x7E).contains($0) } ? value : nil
        }
        let id = sent ?? Self.newID()
        context.requestID = id
        context.logger[metadataKey: "request_id"] = .string(id)
        do {
            var response = try await next(request, context)
            response.headers[Self.header] = id
            return response
        } catch {
            // Let the router's error handling answer, with the id attached.
            throw RequestIDError(id: id, underlying: error)
        }
    }

    /// A new id: 32 lowercase hex digits, a random half drawn once per process and a half that counts
    /// requests from a random start — unique within the process and unlikely to repeat across restarts,
    /// at the cost of one atomic add (drawing 128 random bits per request was two `getrandom` calls).
    static func newID() -> String {
        let low = counter.add(1, ordering: .relaxed).newValue
        return String(unsafeUninitializedCapacity: 32) { buffer in
            let digits: StaticString = "0123456789abcdef"
            digits.withUTF8Buffer { digits in
                for i in 0..<16 {
                    buffer[i] = digits[Int(truncatingIfNeeded: (processHalf >> UInt64(60 - 4 * i)) & 0xF)]
                    buffer[16 + i] = digits[Int(truncatingIfNeeded: (low >> UInt64(60 - 4 * i)) & 0xF)]
                }
            }
            return 32
        }
    }

    private static let processHalf = UInt64.random(in: .min ... .max)
    private static let counter = Atomic<UInt64>(UInt64.random(in: .min ... .max))
}

/// An error thrown past `RequestIDMiddleware`, answered with the request id still in its headers.
struct RequestIDError: HTTPResponseError {
    let id: String
    let underlying: any Error

    var status: HTTPResponse.Status { (underlying as? any HTTPResponseError)?.status ?? .internalServerError }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response: Response
        if let http = underlying as? any HTTPResponseError {
            response = try http.response(from: request, context: context)
        } else {
            response = Response(status: .internalServerError)
        }
        response.headers[RequestIDMiddleware.header] = id
        return response
    }
}
