import Accounts
import Foundation
import HTTPTypes
import Hummingbird
import Logging

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
                    let organisation = principal.organizationID.uuidString.lowercased(), user = principal.userID.uuidString.lowercased()
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

    static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64, low = generator.next() as UInt64
        return String(high, radix: 16).leftPadded(to: 16) + String(low, radix: 16).leftPadded(to: 16)
    }
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

extension String {
    func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
