import JSON
import CollectionStore
import Embedding
import Search

/// Qdrant's inference objects — `{"text": ..., "model": ...}` wherever a vector goes in an upsert or a
/// query — turned into vectors before the request is parsed.
///
/// Dense models come from the embedder registry (all-MiniLM-L6-v2 natively, behind the embedding
/// cache); `qdrant/bm25` becomes the sparse vector fastembed's `Qdrant/bm25` makes: BM25 term
/// weights for documents (upserts), weight 1 per term for queries. All texts of one request and one
/// model are embedded in a single batch.
struct InferenceResolver: Sendable {
    let embedders: EmbedderRegistry
    /// Why dense models are unavailable (e.g. model files missing), reported with the 400.
    let unavailableReason: String?
    let bm25 = QdrantBM25Encoder()

    enum Mode { case document, query }

    private struct Request {
        var model: String
        var text: String
    }

    /// Resolves the inference objects of an upsert body (`points[].vector`, `batch.vectors`).
    func resolveUpsert(_ body: inout [String: JSONValue]) async throws {
        try await resolve(&body, mode: .document) { body, visit in
            if case .array(var points)? = body["points"] {
                for i in points.indices {
                    guard case .object(var point) = points[i], var vector = point["vector"] ?? point["vectors"] else { continue }
                    visitVector(&vector, visit)
                    point[point["vector"] != nil ? "vector" : "vectors"] = vector
                    points[i] = .object(point)
                }
                body["points"] = .array(points)
            }
            if case .object(var batch)? = body["batch"], var vectors = batch["vectors"] {
                switch vectors {
                case .array(var rows):
                    for i in rows.indices { visit(&rows[i]) }
                    vectors = .array(rows)
                case .object(var named):
                    for key in named.keys {
                        guard case .array(var rows) = named[key]! else { continue }
                        for i in rows.indices { visit(&rows[i]) }
                        named[key] = .array(rows)
                    }
                    vectors = .object(named)
                default: break
                }
                batch["vectors"] = vectors
                body["batch"] = .object(batch)
            }
        }
    }

    /// Resolves the inference objects of a query body (`query`, `query.nearest`, nested `prefetch`).
    func resolveQuery(_ body: inout [String: JSONValue]) async throws {
        try await resolve(&body, mode: .query) { body, visit in visitQuery(&body, visit) }
    }

    /// Resolves a legacy search body (`vector`, or `vector.vector` with a name).
    func resolveSearch(_ body: inout [String: JSONValue]) async throws {
        try await resolve(&body, mode: .query) { body, visit in
            guard var vector = body["vector"] else { return }
            Self.visit(&vector, unwrapping: "vector", visit)
            body["vector"] = vector
        }
    }

    // MARK: Walking

    /// Visits `value`, or `value[key]` when `value` is an object holding `key` (a named vector
    /// `{"name", "vector"}`, a query `{"nearest"}`).
    private static func visit(_ value: inout JSONValue, unwrapping key: String, _ visit: (inout JSONValue) -> Void) {
        if case .object(var fields) = value, var inner = fields[key] {
            visit(&inner)
            fields[key] = inner
            value = .object(fields)
        } else {
            visit(&value)
        }
    }

    private func visitVector(_ vector: inout JSONValue, _ visit: (inout JSONValue) -> Void) {
        if Self.isInference(vector) {
            visit(&vector)
        } else if case .object(var named) = vector, named["indices"] == nil {
            for key in named.keys.sorted() { visit(&named[key]!) }
            vector = .object(named)
        }
    }

    private func visitQuery(_ body: inout [String: JSONValue], _ visit: (inout JSONValue) -> Void) {
        if var query = body["query"] {
            Self.visit(&query, unwrapping: "nearest", visit)
            body["query"] = query
        }
        switch body["prefetch"] {
        case .object(var single)?:
            visitQuery(&single, visit)
            body["prefetch"] = .object(single)
        case .array(var items)?:
            for i in items.indices {
                guard case .object(var item) = items[i] else { continue }
                visitQuery(&item, visit)
                items[i] = .object(item)
            }
            body["prefetch"] = .array(items)
        default:
            break
        }
    }

    static func isInference(_ value: JSONValue) -> Bool {
        guard case .object(let fields) = value, case .string? = fields["text"], case .string? = fields["model"] else { return false }
        return true
    }

    /// Collects the inference objects `walk` reaches, embeds them per model, then walks again in the
    /// same order and puts the vectors in their place.
    private func resolve(
        _ body: inout [String: JSONValue], mode: Mode,
        walk: (inout [String: JSONValue], (inout JSONValue) -> Void) -> Void
    ) async throws {
        var requests: [Request] = []
        walk(&body) { value in
            guard Self.isInference(value), case .string(let text)? = value["text"], case .string(let model)? = value["model"] else { return }
            requests.append(Request(model: model, text: text))
        }
        guard !requests.isEmpty else { return }
        var vectors = [JSONValue](repeating: .null, count: requests.count)
        var byModel: [String: [Int]] = [:]
        for (i, request) in requests.enumerated() { byModel[request.model.lowercased(), default: []].append(i) }
        for (model, positions) in byModel {
            if QdrantBM25Encoder.modelNames.contains(model) {
                for i in positions {
                    let sparse = mode == .document ? bm25.document(requests[i].text) : bm25.query(requests[i].text)
                    vectors[i] = .object(["indices": .array(sparse.indices.map { .int(Int64($0)) }), "values": .array(sparse.values.map { .double(Double($0)) })])
                }
                continue
            }
            let embedder: any Embedder
            do {
                embedder = try embedders.embedder(named: requests[positions[0]].model)
            } catch let error as EmbeddingError {
                let reason = unavailableReason.map { " (\($0))" } ?? ""
                throw QdrantError.badRequest("\(error)\(reason); `qdrant/bm25` is always available")
            }
            let embedded: [[Float]]
            do {
                embedded = try await embedder.embed(positions.map { requests[$0].text })
            } catch let error as EmbeddingError {
                switch error {
                case .remoteStatus, .remoteTimeout, .transport, .invalidResponse:
                    throw QdrantError(status: 503, message: "Service unavailable: \(error)")
                default:
                    throw QdrantError.badRequest("\(error)")
                }
            }
            for (position, vector) in zip(positions, embedded) { vectors[position] = .array(vector.map { .double(Double($0)) }) }
        }
        var next = 0
        walk(&body) { value in
            guard Self.isInference(value) else { return }
            value = vectors[next]
            next += 1
        }
    }
}
