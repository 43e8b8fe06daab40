import CollectionStore
import Foundation
import Hummingbird
import JSON

/// What every Qdrant controller shares: the collection registry, the request limits, text
/// inference, and the envelope.
///
/// Every answer but `GET /` is wrapped in `{"result", "status", "time"}`; errors in
/// `{"status": {"error"}, "time"}` with Qdrant's status codes. Bodies are parsed with the project's
/// JSON reader (exact integers, bounded depth); no error escapes as a 500 unless storage failed.
struct QdrantAPI: Sendable {
    let registry: CollectionRegistry
    let maxBodyBytes: Int
    let inference: InferenceResolver
    /// The Qdrant version reported by `GET /` (what qdrant-client checks for compatibility).
    static let version = "1.20.0"

    // MARK: Envelope

    /// Runs a handler and wraps its result (or error) in Qdrant's envelope with the elapsed time.
    func respond(_ body: () async throws -> WireValue) async -> Response {
        let start = ContinuousClock.now
        func seconds() -> Double {
            let elapsed = ContinuousClock.now - start
            return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        }
        do {
            let result = try await body()
            return Self.json(.object([("result", result), ("status", .string("ok")), ("time", .double(seconds()))]))
        } catch {
            let qdrant = Self.qdrantError(error)
            return Self.json(
                .object([("status", .object([("error", .string(qdrant.message))])), ("time", .double(seconds()))]),
                status: HTTPResponse.Status(code: qdrant.status)
            )
        }
    }

    /// The one mapping from any error a handler throws to Qdrant's status and wording.
    static func qdrantError(_ error: any Error) -> QdrantError {
        switch error {
        case let e as QdrantError: e
        case let e as CollectionError: QdrantError(e)
        default: QdrantError(status: 500, message: "Service internal error: \(error)")
        }
    }

    static func json(_ value: WireValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: value.bytes)))
    }

    // MARK: Requests

    /// The `:collection` path parameter, percent-decoded; 400 when its percent-encoding is invalid.
    func collectionName(_ context: some RequestContext) throws -> String {
        try Self.pathParameter("collection", context)
    }

    static func pathParameter(_ name: String, _ context: some RequestContext) throws -> String {
        let raw = context.parameters.get(name) ?? ""
        // Foundation's decoder allocates even when there is nothing to decode.
        if !raw.utf8.contains(UInt8(ascii: "%")) { return raw }
        guard let decoded = raw.removingPercentEncoding else {
            throw QdrantError.badRequest("`\(raw)` in the path is not valid percent-encoding")
        }
        return decoded
    }

    func collection(_ context: some RequestContext) throws -> VectorCollection {
        try registry.collection(named: try collectionName(context))
    }

    /// Reads and parses a JSON object body: 413 past the size limit (checked on the declared length
    /// before reading, and while reading), 400 when it is not a JSON object or cannot be read (a
    /// malformed chunked encoding, a connection closed before the declared length arrived).
    func readBody(_ request: Request, allowEmpty: Bool = false) async throws -> [String: JSONValue] {
        if let declared = request.headers[.contentLength], let length = Int(declared), length > maxBodyBytes {
            throw QdrantError.payloadTooLarge(maxBodyBytes)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBodyBytes)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw QdrantError.payloadTooLarge(maxBodyBytes)
        } catch {
            throw QdrantError.format("the request body could not be read (\(error))")
        }
        if buffer.readableBytes == 0 {
            if allowEmpty { return [:] }
            throw QdrantError.format("EOF while parsing a value at line 1 column 0")
        }
        let value: JSONValue
        do {
            value = try buffer.withUnsafeReadableBytes { try JSONText.parse($0) }
        } catch let error as JSONText.SyntaxError {
            throw QdrantError.format(error.description)
        }
        guard case .object(let fields) = value else { throw QdrantError.format("expected a JSON object") }
        return fields
    }

    /// Qdrant's `?wait=`: absent or false acknowledges after the commit; true also waits for indexing.
    func waits(_ request: Request) -> Bool {
        request.uri.queryParameters.get("wait").map { $0 == "true" || $0 == "1" } ?? false
    }

    func updateResult(_ operation: UInt64, _ request: Request) -> WireValue {
        .object([("operation_id", .uint(operation)), ("status", .string(waits(request) ? "completed" : "acknowledged"))])
    }

    /// A point as Qdrant returns it (`ScoredPoint` when `scored`, else `Record`).
    func record(_ point: PointRecord, in collection: VectorCollection, scored: Bool, orderValue: OrderValue? = nil) -> WireValue {
        var fields: [(String, WireValue)] = [("id", QdrantWire.wire(point.id))]
        if scored {
            fields.append(("version", .uint(point.version)))
            fields.append(("score", .float(point.score ?? 0)))
        }
        if let payload = point.payload { fields.append(("payload", .json(.object(payload)))) }
        if let vectors = point.vectors { fields.append(("vector", QdrantWire.wire(vectors, unnamed: collection.hasUnnamedVector))) }
        if let orderValue = orderValue ?? point.orderValue { fields.append(("order_value", QdrantWire.wire(orderValue))) }
        return .object(fields)
    }
}
