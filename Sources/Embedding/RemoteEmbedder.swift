import AsyncHTTPClient
import Foundation
import Logging
import Metrics

/// Embeddings from a Jina- or OpenAI-compatible provider: `POST {url}` with
/// `{"model", "input": [texts], "dimensions"?, "task"?}` answered by
/// `{"data": [{"embedding": [...], "index": i}, ...]}`.
///
/// Texts go in batches of `batchSize`; each call has a deadline of `timeout` seconds; HTTP 429 and
/// 5xx answers, timeouts and connection failures are retried up to `maxRetries` times with exponential
/// backoff (`initialBackoff · 2^attempt`, at most `maxBackoff`, or the provider's `Retry-After` when
/// that is shorter than `maxBackoff`). Any other failure, or an answer that is not a valid embeddings
/// response (wrong JSON, wrong count, wrong dimension, non-finite numbers), throws at once.
public final class RemoteEmbedder: Embedder {
    /// Provider options.
    public struct Configuration: Sendable {
        /// `url` (String, required): the endpoint, e.g. `https://api.jina.ai/v1/embeddings`.
        public var url: String
        /// `apiKey` (String?, default nil): sent as `Authorization: Bearer <key>`.
        public var apiKey: String?
        /// `model` (String, required): the provider's model name, sent in every request.
        public var model: String
        /// `dimension` (Int, required): the vector size every answer must have.
        public var dimension: Int
        /// `sendDimensions` (Bool, default false): also send `"dimensions": dimension` (Matryoshka models).
        public var sendDimensions: Bool = false
        /// `task` (String?, default nil): Jina's `task`, e.g. `retrieval.query`; part of the cache key.
        public var task: String?
        /// `batchSize` (Int, default 64): texts per request (1...2048).
        public var batchSize: Int = 64
        /// `timeout` (Double seconds, default 30): deadline for one request, body included.
        public var timeout: Double = 30
        /// `maxRetries` (Int, default 3): retries after a retryable failure (0...10).
        public var maxRetries: Int = 3
        /// `initialBackoff` (Double seconds, default 0.5): the wait before the first retry.
        public var initialBackoff: Double = 0.5
        /// `maxBackoff` (Double seconds, default 8): the longest wait between tries.
        public var maxBackoff: Double = 8
        /// `modelName` (String?, default nil = `model`): the name clients use for this embedder.
        public var modelName: String?
        /// `maxResponseBytes` (Int, default 64 MiB): a longer answer is rejected.
        public var maxResponseBytes: Int = 64 << 20

        public init(url: String, apiKey: String? = nil, model: String, dimension: Int, sendDimensions: Bool = false,
                    task: String? = nil, batchSize: Int = 64, timeout: Double = 30, maxRetries: Int = 3,
                    initialBackoff: Double = 0.5, maxBackoff: Double = 8, modelName: String? = nil) {
            self.url = url
            self.apiKey = apiKey
            self.model = model
            self.dimension = dimension
            self.sendDimensions = sendDimensions
            self.task = task
            self.batchSize = batchSize
            self.timeout = timeout
            self.maxRetries = maxRetries
            self.initialBackoff = initialBackoff
            self.maxBackoff = maxBackoff
            self.modelName = modelName
        }
    }

    public let configuration: Configuration
    public var modelName: String { configuration.modelName ?? configuration.model }
    public var dimension: Int { configuration.dimension }
    private let client: HTTPClient
    private let remoteTimer = EmbeddingMetrics.stage("remote")
    private let retryCounter = Counter(label: "campus_embedding_remote_retries_total")
    private let textsCounter: Counter
    private let logger = Logger(label: "campus.embedding.remote")

    /// A remote embedder using `client` (default: the process-wide shared client, never shut down).
    public init(configuration: Configuration, client: HTTPClient = .shared) throws {
        guard let url = URL(string: configuration.url), let scheme = url.scheme?.lowercased(),
              scheme == "http" || scheme == "https", url.host != nil else {
            throw EmbeddingError.invalidConfiguration("url must be an http(s) URL, got '\(configuration.url)'")
        }
        guard configuration.dimension > 0 else { throw EmbeddingError.invalidConfiguration("dimension must be > 0") }
        guard (1...2048).contains(configuration.batchSize) else {
            throw EmbeddingError.invalidConfiguration("batchSize must be 1...2048, got \(configuration.batchSize)")
        }
        guard configuration.timeout > 0, (0...10).contains(configuration.maxRetries),
              configuration.initialBackoff >= 0, configuration.maxBackoff >= configuration.initialBackoff else {
            throw EmbeddingError.invalidConfiguration("need timeout > 0, maxRetries 0...10, 0 ≤ initialBackoff ≤ maxBackoff")
        }
        self.configuration = configuration
        self.client = client
        self.textsCounter = EmbeddingMetrics.texts(model: configuration.modelName ?? configuration.model)
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        var result: [[Float]] = []
        result.reserveCapacity(texts.count)
        var start = 0
        while start < texts.count {
            let end = min(texts.count, start + configuration.batchSize)
            result += try await embedBatchWithRetries(Array(texts[start..<end]))
            start = end
        }
        textsCounter.increment(by: texts.count)
        return result
    }

    // MARK: - One batch

    private func embedBatchWithRetries(_ texts: [String]) async throws -> [[Float]] {
        var attempt = 0
        while true {
            do {
                return try await embedBatch(texts)
            } catch let failure as Failure {
                guard failure.retryable, attempt < configuration.maxRetries else { throw failure.error }
                let backoff = min(configuration.maxBackoff, configuration.initialBackoff * pow(2, Double(attempt)))
                let wait = failure.retryAfter.map { min($0, configuration.maxBackoff) } ?? backoff
                logger.debug("retrying embedding request", metadata: [
                    "attempt": "\(attempt + 1)", "wait": "\(wait)", "error": "\(failure.error)",
                ])
                retryCounter.increment()
                attempt += 1
                try await Task.sleep(for: .milliseconds(Int64(wait * 1000)))
            }
        }
    }

    /// A failure of one try, and whether another try may succeed.
    private struct Failure: Error {
        var error: EmbeddingError
        var retryable: Bool
        var retryAfter: Double?
    }

    private func embedBatch(_ texts: [String]) async throws -> [[Float]] {
        var request = HTTPClientRequest(url: configuration.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        if let key = configuration.apiKey { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        request.body = .bytes(try requestBody(texts))

        let start = ContinuousClock.now
        defer { remoteTimer.record(since: start) }
        let (status, retryAfter, body): (Int, Double?, [UInt8])
        do {
            (status, retryAfter, body) = try await withDeadline(configuration.timeout) { [client, configuration, request] in
                // AsyncHTTPClient's own deadline covers the answer's head only; `withDeadline` covers the body too.
                let response = try await client.execute(request, timeout: .milliseconds(Int64(configuration.timeout * 1000) + 100))
                var body: [UInt8] = []
                for try await chunk in response.body {
                    body.append(contentsOf: chunk.readableBytesView)
                    guard body.count <= configuration.maxResponseBytes else {
                        throw Failure(error: .invalidResponse("answer longer than \(configuration.maxResponseBytes) bytes"), retryable: false)
                    }
                }
                return (Int(response.status.code), response.headers.first(name: "Retry-After").flatMap(Double.init), body)
            }
        } catch let failure as Failure {
            throw failure
        } catch let error as HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout, .getConnectionFromPoolTimeout:
                throw Failure(error: .remoteTimeout(seconds: configuration.timeout), retryable: true)
            default:
                throw Failure(error: .transport("\(error)"), retryable: true)
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw Failure(error: .transport("\(error)"), retryable: true)
        }

        guard (200..<300).contains(status) else {
            let failure = EmbeddingError.remoteStatus(code: status, message: Self.errorMessage(body))
            throw Failure(error: failure, retryable: status == 429 || (500..<600).contains(status), retryAfter: retryAfter)
        }
        do {
            return try decode(body, expected: texts.count)
        } catch let error as EmbeddingError {
            throw Failure(error: error, retryable: false)
        }
    }

    /// Runs `body`, or throws a retryable timeout after `seconds` (cancelling `body`).
    private func withDeadline<T: Sendable>(_ seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
                throw Failure(error: .remoteTimeout(seconds: seconds), retryable: true)
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    private func requestBody(_ texts: [String]) throws -> [UInt8] {
        var object: [String: Any] = ["model": configuration.model, "input": texts, "encoding_format": "float"]
        if configuration.sendDimensions { object["dimensions"] = configuration.dimension }
        if let task = configuration.task { object["task"] = task }
        return Array(try JSONSerialization.data(withJSONObject: object))
    }

    private struct Response: Decodable {
        struct Item: Decodable {
            var embedding: [Float]
            var index: Int?
        }
        var data: [Item]
    }

    /// The vectors of a response body, in input order; throws `invalidResponse` for anything else.
    func decode(_ body: [UInt8], expected: Int) throws -> [[Float]] {
        let response: Response
        do {
            response = try JSONDecoder().decode(Response.self, from: Data(body))
        } catch {
            let preview = String(decoding: body.prefix(80), as: UTF8.self)
            throw EmbeddingError.invalidResponse("not an embeddings JSON object (starts with \(preview.debugDescription))")
        }
        guard response.data.count == expected else {
            throw EmbeddingError.invalidResponse("\(response.data.count) embeddings for \(expected) texts")
        }
        var vectors = [[Float]?](repeating: nil, count: expected)
        for (position, item) in response.data.enumerated() {
            let index = item.index ?? position
            guard (0..<expected).contains(index), vectors[index] == nil else {
                throw EmbeddingError.invalidResponse("bad or repeated index \(index)")
            }
            guard item.embedding.count == dimension else {
                throw EmbeddingError.invalidResponse("embedding of dimension \(item.embedding.count), expected \(dimension)")
            }
            guard item.embedding.allSatisfy(\.isFinite) else {
                throw EmbeddingError.invalidResponse("embedding with non-finite numbers")
            }
            vectors[index] = item.embedding
        }
        return vectors.map { $0! }
    }

    /// The provider's error message (`error.message`, `error`, `detail`), else the body's start.
    private static func errorMessage(_ body: [UInt8]) -> String {
        let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
        let message = ((object?["error"] as? [String: Any])?["message"] as? String)
            ?? (object?["error"] as? String) ?? (object?["detail"] as? String)
            ?? String(decoding: body.prefix(200), as: UTF8.self)
        return String(message.prefix(200)).replacingOccurrences(of: "\n", with: " ")
    }
}
