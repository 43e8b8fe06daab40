import Accounts
import Foundation
import JSON
import Hummingbird
import Logging

/// One tRPC procedure: its path (`router.procedure`), whether it is a query (GET) or a mutation
/// (POST), who may call it, and its resolver.
///
/// The pipeline in front of every resolver is the platform's (contract §1): authentication →
/// role check (`kind`) → the procedure's rate limit → input parsing → resolver. So an unauthenticated
/// call fails with UNAUTHORIZED before its input is looked at, and a rate-limited call before validation.
struct TRPCProcedure: Sendable {
    enum Method: String, Sendable {
        case query, mutation
    }

    let path: String
    let method: Method
    let kind: ProcedureKind
    let resolve: @Sendable (ProcedureCall) async throws -> WireValue
    /// The resolver for tRPC v11's non-JSON inputs (`multipart/form-data`, `application/octet-stream`), which
    /// reads the body itself as it streams; nil when the procedure takes JSON only.
    var streamed: (@Sendable (StreamedCall) async throws -> WireValue)?
    /// A larger body limit than the server's for this procedure's JSON input (a base64 upload), or nil.
    var maxBodyBytes: Int?

    static func query(_ path: String, _ kind: ProcedureKind, _ resolve: @escaping @Sendable (ProcedureCall) async throws -> WireValue) -> TRPCProcedure {
        TRPCProcedure(path: path, method: .query, kind: kind, resolve: resolve)
    }

    static func mutation(_ path: String, _ kind: ProcedureKind, _ resolve: @escaping @Sendable (ProcedureCall) async throws -> WireValue) -> TRPCProcedure {
        TRPCProcedure(path: path, method: .mutation, kind: kind, resolve: resolve)
    }
}

/// A call with a non-JSON input: the body is the procedure's to read.
struct StreamedCall: Sendable {
    enum Form: String, Sendable {
        case formData = "form-data"
        case octetStream = "octet-stream"
    }

    let path: String
    let form: Form
    /// The full `content-type` (a multipart boundary is in it).
    let contentType: String
    /// The declared `content-length`, when there is one.
    let contentLength: Int?
    /// The `input` query parameter parsed as JSON (how an octet-stream call names what its bytes are), or nil.
    let queryInput: JSONValue?
    let body: RequestBody
    let principal: Principal?
    let requestID: String
    let logger: Logger

    func caller() throws -> Principal {
        guard let principal else { throw TRPCError(.unauthorized, ProcedureKind.authenticationRequiredMessage) }
        return principal
    }
}

/// What a resolver sees: its input, the caller, and the request around it.
struct ProcedureCall: Sendable {
    let path: String
    /// The input; nil when the client sent none (JavaScript `undefined`).
    let input: JSONValue?
    /// The caller, when a valid Bearer token named an active user of ours.
    let principal: Principal?
    let requestID: String
    let logger: Logger

    /// The principal of a procedure whose kind already required one.
    func caller() throws -> Principal {
        guard let principal else { throw TRPCError(.unauthorized, ProcedureKind.authenticationRequiredMessage) }
        return principal
    }

    /// An input reader over `input` (see `InputReader`).
    func reader(optional: Bool = false) -> InputReader { InputReader(input, optional: optional) }
}

/// The procedures by path.
struct TRPCProcedures: Sendable {
    private(set) var byPath: [String: TRPCProcedure] = [:]

    init(_ procedures: [TRPCProcedure]) {
        for procedure in procedures { byPath[procedure.path] = procedure }
    }

    subscript(path: String) -> TRPCProcedure? { byPath[path] }
}
