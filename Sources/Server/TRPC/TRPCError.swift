import JSON

/// A tRPC error code: its key, its JSON-RPC number and its HTTP status (tRPC v11's `rpc/codes.ts`
/// and `getHTTPStatusCode`).
struct TRPCErrorCode: Sendable, Hashable {
    let key: String
    let jsonRPC: Int
    let httpStatus: Int

    static let parseError = TRPCErrorCode(key: "PARSE_ERROR", jsonRPC: -32700, httpStatus: 400)
    static let badRequest = TRPCErrorCode(key: "BAD_REQUEST", jsonRPC: -32600, httpStatus: 400)
    static let unauthorized = TRPCErrorCode(key: "UNAUTHORIZED", jsonRPC: -32001, httpStatus: 401)
    static let forbidden = TRPCErrorCode(key: "FORBIDDEN", jsonRPC: -32003, httpStatus: 403)
    static let notFound = TRPCErrorCode(key: "NOT_FOUND", jsonRPC: -32004, httpStatus: 404)
    static let methodNotSupported = TRPCErrorCode(key: "METHOD_NOT_SUPPORTED", jsonRPC: -32005, httpStatus: 405)
    static let timeout = TRPCErrorCode(key: "TIMEOUT", jsonRPC: -32008, httpStatus: 408)
    static let conflict = TRPCErrorCode(key: "CONFLICT", jsonRPC: -32009, httpStatus: 409)
    static let preconditionFailed = TRPCErrorCode(key: "PRECONDITION_FAILED", jsonRPC: -32012, httpStatus: 412)
    static let payloadTooLarge = TRPCErrorCode(key: "PAYLOAD_TOO_LARGE", jsonRPC: -32013, httpStatus: 413)
    static let unsupportedMediaType = TRPCErrorCode(key: "UNSUPPORTED_MEDIA_TYPE", jsonRPC: -32015, httpStatus: 415)
    static let unprocessableContent = TRPCErrorCode(key: "UNPROCESSABLE_CONTENT", jsonRPC: -32022, httpStatus: 422)
    static let tooManyRequests = TRPCErrorCode(key: "TOO_MANY_REQUESTS", jsonRPC: -32029, httpStatus: 429)
    static let internalServerError = TRPCErrorCode(key: "INTERNAL_SERVER_ERROR", jsonRPC: -32603, httpStatus: 500)
    static let serviceUnavailable = TRPCErrorCode(key: "SERVICE_UNAVAILABLE", jsonRPC: -32603, httpStatus: 503)
    /// Not a tRPC key: the platform's quota error. The contract surfaced it as HTTP 500 (§13.2); it is
    /// the caller's problem, so it answers 403 with FORBIDDEN's JSON-RPC number and keeps its key.
    static let quotaExceeded = TRPCErrorCode(key: "QUOTA_EXCEEDED", jsonRPC: -32003, httpStatus: 403)
}

/// An error answered in tRPC's envelope:
/// `{"error":{"message","code":<JSON-RPC>,"data":{"code":<KEY>,"httpStatus","path"}}}`.
struct TRPCError: Error, Sendable {
    let code: TRPCErrorCode
    let message: String
    /// Seconds for `Retry-After` (rate limits).
    var retryAfterSeconds: Int? = nil

    init(_ code: TRPCErrorCode, _ message: String, retryAfterSeconds: Int? = nil) {
        self.code = code
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// The envelope; `path` is left out for request-level errors (content type, mixed batch).
    func envelope(path: String?) -> WireValue {
        var data: [(String, WireValue)] = [("code", .string(code.key)), ("httpStatus", .int(code.httpStatus))]
        if let path { data.append(("path", .string(path))) }
        return .object([("error", .object([("message", .string(message)), ("code", .int(code.jsonRPC)), ("data", .object(data))]))])
    }
}
