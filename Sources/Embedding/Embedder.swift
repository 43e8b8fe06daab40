// The Embedding room: text → dense vectors. One protocol (`Embedder`), a native model
// (`MiniLMEmbedder`: WordPiece + BERT on OpenBLAS), a remote provider (`RemoteEmbedder`) and a
// persistent cache in front of either (`CachedEmbedder` + `EmbeddingCache`).

/// Turns texts into dense vectors.
///
/// Invariants every implementation keeps:
/// - `embed(texts)` returns exactly `texts.count` vectors, in the order of `texts`, each with
///   `dimension` components;
/// - CPU-bound work never runs on the caller's executor for long (it is moved to a dedicated thread);
/// - a failure throws (`EmbeddingError`), it never returns partial or placeholder vectors.
public protocol Embedder: Sendable {
    /// The model's name as clients spell it, e.g. `sentence-transformers/all-MiniLM-L6-v2`.
    var modelName: String { get }
    /// The number of components of every vector this embedder returns.
    var dimension: Int { get }
    /// Embeds `texts`; the result has one vector per text, in order.
    func embed(_ texts: [String]) async throws -> [[Float]]
}

/// Every failure the Embedding room reports. Each case's `description` is one line a user can act on.
public enum EmbeddingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Model files are missing from `directory`.
    case modelFilesMissing(directory: String, missing: [String])
    /// A model file exists but cannot be used (bad header, wrong shape, unsupported dtype ...).
    case invalidModel(String)
    /// No embedder is registered under this model name.
    case unknownModel(String, known: [String])
    /// Input bytes are not valid UTF-8 (`line` counts from 1; 0 when not line-oriented).
    case invalidUTF8(line: Int)
    /// Input that is not what the API expects (e.g. a JSON line without a "text" string).
    case invalidInput(String)
    /// A configuration value out of range.
    case invalidConfiguration(String)
    /// The remote provider answered with a non-success HTTP status (after retries, when retryable).
    case remoteStatus(code: Int, message: String)
    /// The remote provider did not answer within the timeout (after retries).
    case remoteTimeout(seconds: Double)
    /// The remote provider answered something that is not a valid embeddings response.
    case invalidResponse(String)
    /// The connection to the remote provider failed (after retries).
    case transport(String)

    public var description: String {
        switch self {
        case let .modelFilesMissing(directory, missing):
            return "model files missing in \(directory): \(missing.joined(separator: ", ")); "
                + "run `make setup` (or `bash scripts/fetch-model.sh`) to download all-MiniLM-L6-v2"
        case let .invalidModel(message):
            return "invalid model: \(message)"
        case let .unknownModel(name, known):
            return "unknown embedding model '\(name)'; known models: \(known.sorted().joined(separator: ", "))"
        case let .invalidUTF8(line):
            return line > 0 ? "input line \(line) is not valid UTF-8" : "input is not valid UTF-8"
        case let .invalidInput(message):
            return "invalid input: \(message)"
        case let .invalidConfiguration(message):
            return "invalid embedding configuration: \(message)"
        case let .remoteStatus(code, message):
            return "embedding provider answered HTTP \(code)\(message.isEmpty ? "" : ": \(message)")"
        case let .remoteTimeout(seconds):
            return "embedding provider did not answer within \(seconds) s"
        case let .invalidResponse(message):
            return "embedding provider returned an invalid response: \(message)"
        case let .transport(message):
            return "cannot reach the embedding provider: \(message)"
        }
    }
}

/// Embedders by model name, so an API can turn `{"text": ..., "model": name}` into a vector.
///
/// Names match case-insensitively; each embedder is registered under its `modelName` plus any aliases.
public struct EmbedderRegistry: Sendable {
    private var byName: [String: any Embedder] = [:]
    private var displayNames: [String] = []

    public init() {}

    /// Registers `embedder` under its `modelName` and under each of `aliases`.
    public mutating func register(_ embedder: any Embedder, aliases: [String] = []) {
        for name in [embedder.modelName] + aliases {
            if byName.updateValue(embedder, forKey: name.lowercased()) == nil { displayNames.append(name) }
        }
    }

    /// The registered names (model names and aliases) as they were given.
    public var names: [String] { displayNames }

    /// The embedder for `name`; throws `EmbeddingError.unknownModel` listing the known names.
    public func embedder(named name: String) throws -> any Embedder {
        guard let embedder = byName[name.lowercased()] else {
            throw EmbeddingError.unknownModel(name, known: displayNames)
        }
        return embedder
    }
}
