import Accounts
import Foundation
import HTTPTypes
import Hummingbird
import JSON
import Logging

/// tRPC v11 over HTTP at `/trpc/<path>`, as `@trpc/server`'s HTTP handler answers it.
///
/// - Queries are `GET /trpc/<path>?input=<url-encoded JSON>`, mutations `POST /trpc/<path>` with the
///   JSON input as the body; `?batch=1` joins paths with commas and keys inputs `"0"`, `"1"`, …; the
///   answer is one envelope, or an array of them for a batch (HTTP status: the items' common status,
///   else 207). With `trpc-accept: application/jsonl` a batch streams as tRPC's JSONL.
/// - Request-level failures (no or a wrong content type, a batch mixing queries and mutations) answer
///   one envelope without `path`, as `text/plain;charset=UTF-8`, as tRPC does; `HEAD` answers 204.
/// - Every answer carries `vary: trpc-accept, accept`; a rate-limited call also `Retry-After`.
///
/// The wire bytes follow `../shared/reference/trpc-wire-capture.md` (a real tRPC 11.18 server and client).
struct TRPCController<Context: RequestContext & PrincipalRequestContext>: Sendable {
    let procedures: TRPCProcedures
    let rateLimiter: RateLimiter
    let maxBodyBytes: Int
    /// Records each procedure call and batch (metrics, the dashboard's live figures); nil records nothing.
    var observer: TRPCCallObserver? = nil

    var routes: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete, .options, .head] {
            routes.on(":path", method: method, use: handle)
            routes.on("", method: method, use: handle)
        }
        return routes
    }

    static var vary: HTTPField { TRPCWire.vary }

    @Sendable func handle(_ request: Request, context: Context) async -> Response {
        if request.method == .head { return Response(status: .noContent) }
        let rawPath = context.parameters.get("path") ?? ""
        let pathText = rawPath.removingPercentEncoding ?? rawPath
        let isBatch = request.uri.queryParameters.get("batch") == "1"
        let paths = isBatch ? pathText.split(separator: ",", omittingEmptySubsequences: false).map(String.init) : [pathText]
        if isBatch { observer?.batch(size: paths.count) }
        var context = context
        context.trace.setProcedure(pathText)
        context.logger[metadataKey: "procedure"] = .string(pathText)

        // Content type, for everything but GET.
        if request.method != .get {
            guard let contentType = request.headers[.contentType] else {
                return requestLevel(TRPCError(.unsupportedMediaType, "Missing content-type header"))
            }
            let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            switch mediaType {
            case "application/json":
                break
            case "multipart/form-data", "application/octet-stream":
                let form: StreamedCall.Form = mediaType == "multipart/form-data" ? .formData : .octetStream
                guard !isBatch else { return requestLevel(TRPCError(.badRequest, "Batch calls not supported for \(form.rawValue)")) }
                return await streamed(request, context: context, path: pathText, form: form, contentType: contentType)
            default:
                // tRPC's own text, unbalanced quote included.
                return requestLevel(TRPCError(.unsupportedMediaType, "Unsupported content-type \"\(mediaType)"))
            }
        }
        let found = paths.map { procedures[$0] }
        let methods = found.compactMap { $0?.method }
        if isBatch, Set(methods).count > 1 {
            var seen: [String] = []
            for method in methods where !seen.contains(method.rawValue) { seen.append(method.rawValue) }
            return requestLevel(TRPCError(.badRequest, "Cannot mix procedure types in call: \(seen.joined(separator: ", "))"))
        }

        // Inputs: one per path, nil for undefined, or a per-item error.
        let bodyLimit = !isBatch ? (found.first??.maxBodyBytes ?? maxBodyBytes) : maxBodyBytes
        let inputs = await readInputs(request, count: paths.count, isBatch: isBatch, limit: bodyLimit)

        let principal = context.principal
        let identity = principal.map { $0.userID.lowercasedString } ?? context.clientAddress.map { "ip:\($0)" }
        let requestID = context.requestID
        let logger = context.logger
        let call: @Sendable (Int) async -> Outcome = { [self] index in
            await run(path: paths[index], procedure: found[index], method: request.method, input: inputs[index], principal: principal,
                      identity: identity, requestID: requestID, logger: logger)
        }

        if isBatch, request.headers[HTTPField.Name("trpc-accept")!] == "application/jsonl" {
            return JSONLBatch.response(count: paths.count, call: call, headers: [Self.vary])
        }
        var outcomes: [Outcome] = []
        if paths.count == 1 {
            outcomes = [await call(0)]
        } else {
            outcomes = await withTaskGroup(of: (Int, Outcome).self) { group in
                for index in paths.indices { group.addTask { (index, await call(index)) } }
                var results = [Outcome?](repeating: nil, count: paths.count)
                for await (index, outcome) in group { results[index] = outcome }
                return results.compactMap { $0 }
            }
        }
        return answer(outcomes, isBatch: isBatch)
    }

    /// The HTTP answer for the outcomes of a call.
    private func answer(_ outcomes: [Outcome], isBatch: Bool) -> Response {
        let statuses = Set(outcomes.map(\.status))
        let status = statuses.count == 1 ? statuses.first ?? 200 : 207
        let body: WireValue = isBatch ? .array(outcomes.map(\.envelope)) : outcomes.first?.envelope ?? .null
        var headers: HTTPFields = [.contentType: "application/json"]
        headers.append(Self.vary)
        if let retry = outcomes.compactMap(\.retryAfterSeconds).max() { headers[.retryAfter] = String(retry) }
        return Response(status: HTTPResponse.Status(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body.bytes)))
    }

    /// A non-JSON call: the same chain as a JSON one (procedure, method, authorisation, rate limit), then the
    /// procedure's streamed resolver reads the body. A procedure without one refuses the form.
    private func streamed(_ request: Request, context: Context, path: String, form: StreamedCall.Form, contentType: String) async -> Response {
        let principal = context.principal
        let identity = principal.map { $0.userID.lowercasedString } ?? context.clientAddress.map { "ip:\($0)" }
        let outcome = await outcome(path: path, logger: context.logger, requestID: context.requestID) {
            guard let procedure = procedures[path] else { throw TRPCError(.notFound, "No procedure found on path \"\(path)\"") }
            guard request.method == .post, procedure.method == .mutation else {
                throw TRPCError(.methodNotSupported, "Unsupported \(request.method.rawValue)-request to \(procedure.method.rawValue) procedure at path \"\(path)\"")
            }
            try procedure.kind.authorize(principal)
            try rateLimiter.check(procedure: path, caller: identity)
            guard let resolve = procedure.streamed else {
                throw TRPCError(.badRequest, "\(path) does not accept \(form == .formData ? "multipart/form-data" : "application/octet-stream") input: send JSON")
            }
            var queryInput: JSONValue?
            if let raw = request.uri.queryParameters.get("input") {
                let text = raw.removingPercentEncoding ?? String(raw)
                do {
                    queryInput = try JSONText.parse(Array(text.utf8))
                } catch {
                    throw TRPCError(.badRequest, V8JSONMessage.describe(Array(text.utf8)))
                }
            }
            let call = StreamedCall(
                path: path, form: form, contentType: contentType, contentLength: request.headers[.contentLength].flatMap { Int($0) },
                queryInput: queryInput, body: request.body, principal: principal, requestID: context.requestID, logger: context.logger
            )
            return try await resolve(call)
        }
        return answer([outcome], isBatch: false)
    }

    /// Runs a resolver and shapes its answer or error as one tRPC envelope.
    private func outcome(path: String, logger: Logger, requestID: String, _ body: () async throws -> WireValue) async -> Outcome {
        let start = ContinuousClock.now
        let known = procedures[path]
        do {
            let result = try await body()
            observer?.call(procedure: known == nil ? nil : path, type: known?.method.rawValue, code: nil, duration: ContinuousClock.now - start)
            return Outcome(envelope: .object([("result", .object([("data", result)]))]), status: 200)
        } catch {
            let trpc = TRPCErrorMapping.map(error, path: path, logger: logger, requestID: requestID)
            observer?.call(procedure: known == nil ? nil : path, type: known?.method.rawValue, code: trpc.code.key, duration: ContinuousClock.now - start)
            return Outcome(envelope: trpc.envelope(path: path), status: trpc.code.httpStatus, retryAfterSeconds: trpc.retryAfterSeconds)
        }
    }

    typealias Outcome = TRPCControllerOutcome

    private func run(
        path: String, procedure: TRPCProcedure?, method: HTTPRequest.Method, input: Result<JSONValue?, TRPCError>, principal: Principal?,
        identity: String?, requestID: String, logger: Logger
    ) async -> Outcome {
        await outcome(path: path, logger: logger, requestID: requestID) {
            guard let procedure else { throw TRPCError(.notFound, "No procedure found on path \"\(path)\"") }
            let expected: HTTPRequest.Method = procedure.method == .query ? .get : .post
            guard method == expected else {
                throw TRPCError(.methodNotSupported, "Unsupported \(method.rawValue)-request to \(procedure.method.rawValue) procedure at path \"\(path)\"")
            }
            // JSON that does not parse fails before anything else looks at the call (tRPC parses the
            // inputs while reading the request); then the procedure's own chain.
            let value = try input.get()
            try procedure.kind.authorize(principal)
            try rateLimiter.check(procedure: path, caller: identity)
            return try await procedure.resolve(ProcedureCall(path: path, input: value, principal: principal, requestID: requestID, logger: logger))
        }
    }

    /// The inputs of a call: the `input` query parameter (GET) or the body, one per path.
    private func readInputs(_ request: Request, count: Int, isBatch: Bool, limit maxBodyBytes: Int) async -> [Result<JSONValue?, TRPCError>] {
        let raw: ByteBuffer?
        if request.method == .get {
            raw = request.uri.queryParameters.get("input").map { ByteBuffer(string: $0.removingPercentEncoding ?? String($0)) }
        } else {
            if let declared = request.headers[.contentLength], let length = Int(declared), length > maxBodyBytes {
                return Array(repeating: .failure(TRPCError(.payloadTooLarge, "Request body too large: more than \(maxBodyBytes) bytes")), count: count)
            }
            do {
                let buffer = try await request.body.collect(upTo: maxBodyBytes)
                raw = buffer.readableBytes == 0 ? nil : buffer
            } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
                return Array(repeating: .failure(TRPCError(.payloadTooLarge, "Request body too large: more than \(maxBodyBytes) bytes")), count: count)
            } catch {
                return Array(repeating: .failure(TRPCError(.badRequest, "The request body could not be read")), count: count)
            }
        }
        guard let raw else { return Array(repeating: .success(nil), count: count) }
        let parsed: JSONValue
        do {
            parsed = try raw.withUnsafeReadableBytes { try JSONText.parse($0) }
        } catch {
            return Array(repeating: .failure(TRPCError(.badRequest, V8JSONMessage.describe(Array(raw.readableBytesView)))), count: count)
        }
        guard isBatch else { return [.success(parsed)] }
        guard case .object(let items) = parsed else {
            return Array(repeating: .failure(TRPCError(.badRequest, "\"input\" needs to be an object when doing a batch call")), count: count)
        }
        return (0..<count).map { .success(items[String($0)]) }
    }

    /// A failure before any procedure runs: one envelope without `path`, as tRPC sends it.
    private func requestLevel(_ error: TRPCError) -> Response {
        var headers: HTTPFields = [.contentType: "text/plain;charset=UTF-8"]
        headers.append(Self.vary)
        return Response(status: HTTPResponse.Status(code: error.code.httpStatus), headers: headers,
                        body: .init(byteBuffer: ByteBuffer(bytes: error.envelope(path: nil).bytes)))
    }
}

/// One procedure's answer within a tRPC call: its envelope, HTTP status and any `Retry-After`.
struct TRPCControllerOutcome: Sendable {
    var envelope: WireValue
    var status: Int
    var retryAfterSeconds: Int?
}

enum TRPCWire {
    /// Every tRPC answer carries it (the capture's `vary: trpc-accept, accept`).
    static let vary = HTTPField(name: .vary, value: "trpc-accept, accept")
}
