import Accounts
import Foundation
import JSON
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

    static func query(_ path: String, _ kind: ProcedureKind, _ resolve: @escaping @Sendable (ProcedureCall) async throws -> WireValue) -> TRPCProcedure {
        TRPCProcedure(path: path, method: .query, kind: kind, resolve: resolve)
    }

    static func mutation(_ path: String, _ kind: ProcedureKind, _ resolve: @escaping @Sendable (ProcedureCall) async throws -> WireValue) -> TRPCProcedure {
        TRPCProcedure(path: path, method: .mutation, kind: kind, resolve: resolve)
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
