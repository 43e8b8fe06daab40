import Foundation
import Accounts
import CollectionStore
import Logging

/// How `campus-search serve` runs.
///
/// Every key, its environment variable and its default:
/// - `host` (String, `CAMPUS_SEARCH_HOST`, default `127.0.0.1`): the address to listen on.
/// - `port` (Int, `CAMPUS_SEARCH_PORT`, default `6333`, Qdrant's REST port): 0 picks a free port.
/// - `dataDirectory` (String, `CAMPUS_SEARCH_DATA_DIR`, default `./data/db`): the LMDB environment.
/// - `maxBodyBytes` (Int, `CAMPUS_SEARCH_MAX_BODY_BYTES`, default 64 MiB): larger request bodies get 413.
/// - `maxUploadBytes` (Int, `CAMPUS_SEARCH_MAX_UPLOAD_BYTES`, default 150 MiB): the body limit of
///   `generation.uploadFile` (a 100 MB file is 133 MB as base64 JSON; multipart and octet-stream bodies stream to
///   disk, so memory does not grow with it).
/// - `logLevel` (Logger.Level, `CAMPUS_SEARCH_LOG_LEVEL`, default `info`): trace … critical.
/// - `modelDirectory` (String, `CAMPUS_SEARCH_MODEL_DIR`, default `./data/models/all-MiniLM-L6-v2`): the native
///   embedding model; when its files are missing the server still starts and only `qdrant/bm25` inference works.
/// - `embeddingThreads` (Int, `CAMPUS_SEARCH_EMBEDDING_THREADS`, default 1): embedding workers, each running one
///   batch of texts at a time (OpenBLAS itself runs single-threaded inside each).
/// - `checkpointInterval` (Duration, `CAMPUS_SEARCH_CHECKPOINT_SECONDS`, default 60 s): how often HNSW
///   graphs with new writes are persisted; also done at graceful shutdown.
/// - `slowRequestMilliseconds` (Double, `CAMPUS_SEARCH_SLOW_REQUEST_MS`, default 500): requests slower
///   than this are logged at `warning` with their route and duration.
/// - `concurrencyOnEventLoops` (Bool, `CAMPUS_SEARCH_NIO_EXECUTOR`, `1` or `0`, default `1`): run Swift
///   concurrency's global executor on SwiftNIO's event loops, so a request is read, handled and answered
///   on one thread (the process-wide switch itself is made by the `serve` command before it starts).
/// - `idleTimeout` (Duration, `CAMPUS_SEARCH_IDLE_TIMEOUT_SECONDS`, default 30 s): a connection that sends
///   nothing for this long is closed — also one stuck half-way through its request headers or body, so
///   a slow client cannot hold a connection forever.
/// - `checkpointVectors` (Int, `CAMPUS_SEARCH_CHECKPOINT_VECTORS`, default 20,000): a collection with at
///   least this many dense vectors written since its last graph checkpoint (and at least an eighth of
///   its size) is checkpointed within a second, so restart time stays bounded under heavy writes.
/// - `collectionLimits` (`CAMPUS_SEARCH_MAX_COLLECTIONS`, default 1,000; `CAMPUS_SEARCH_MAX_VECTORS_PER_COLLECTION`,
///   default 64): see `CollectionLimits`.
/// - `tokens` (`CAMPUS_SEARCH_JWT_SECRET`, `CAMPUS_SEARCH_JWKS_FILE`, `CAMPUS_SEARCH_JWT_LEEWAY_SECONDS`): how Bearer
///   tokens are verified; see `TokenAuthority.Configuration` (no secret: one is generated into the data directory).
/// - `corsOrigins` ([String], `CAMPUS_SEARCH_CORS_ORIGINS`, comma-separated, default `*`): browser origins allowed
///   to call `/trpc` (credentials allowed; `*` answers any origin by echoing it).
/// - `fastWorkers` (Int, `CAMPUS_SEARCH_FAST_WORKERS`, default 8) and `documentWorkers` (Int,
///   `CAMPUS_SEARCH_DOCUMENT_WORKERS`, default one fewer than the processors, at least 1): jobs run at once on the
///   `fast` queue (test jobs, initialize) and the `documents` queue (document processing), so a long document never
///   holds back a fast job, and documents being embedded leave a core to the requests (with 2 document workers on 2
///   cores, 100 concurrent uploads waited behind the embedding their own jobs started: p95 639 ms against 74 ms in
///   `Benchmarks/load/baseline.sh`).
/// - `globalConcurrencyLimit` (Int, `CAMPUS_SEARCH_GLOBAL_CONCURRENCY_LIMIT`, default 3, the platform's
///   `GLOBAL_CONCURRENCY_LIMIT`): course generations running at once across all users.
/// - `logFormat` (LogFormat, `CAMPUS_SEARCH_LOG_FORMAT`, `text` or `json`, default `text`): `json` writes one JSON
///   object per line (`time`, `level`, `message`, `label`, then the metadata: `request_id`, `route` or `procedure`,
///   `status`, `duration_ms`, `organisation`, `user`, …), the shape log shippers expect. `serve --log-format` overrides it.
/// - `dashboardEnabled` (Bool, `CAMPUS_SEARCH_DASHBOARD`, `on` or `off` (also `1` / `0`), default `on`): serve
///   `GET /dashboard` and `/dashboard/api/…`; off, they answer 404. Read-only panels are open to loopback clients,
///   others need a superadmin Bearer token, and job actions (retry, cancel) always do.
/// - `metricsEnabled` (Bool, `CAMPUS_SEARCH_METRICS`, `on` or `off` (also `1` / `0`), default `on`): off, no metric
///   is recorded anywhere (swift-metrics gets its no-op backend), `/metrics` answers 404 and the dashboard's live
///   request charts stay empty; for measuring what the metrics cost (an A/B with `bench http`). Decided once per
///   process: the first application built fixes it.
/// - `trustForwardedFor` (Bool, `CAMPUS_SEARCH_TRUST_PROXY`, `1` or `0`, default `0`): take the client address for
///   rate limits from `X-Forwarded-For` / `X-Real-IP` / `CF-Connecting-IP` (only behind a proxy that sets them).
public struct ServerConfiguration: Sendable, Equatable {
    public var host: String = "127.0.0.1"
    public var port: Int = 6333
    public var dataDirectory: String = "./data/db"
    public var maxBodyBytes: Int = 64 << 20
    public var maxUploadBytes: Int = 150 << 20
    public var logLevel: Logger.Level = .info
    public var slowRequestMilliseconds: Double = 500
    public var modelDirectory: String = "./data/models/all-MiniLM-L6-v2"
    public var embeddingThreads: Int = 1
    public var metricsEnabled: Bool = true
    /// How often HNSW graphs with new writes are checkpointed (and once at graceful shutdown).
    public var checkpointInterval: Duration = .seconds(60)
    public var concurrencyOnEventLoops: Bool = true
    public var idleTimeout: Duration = .seconds(30)
    public var checkpointVectors: Int = 20_000
    public var collectionLimits = CollectionLimits()
    public var tokens = TokenAuthority.Configuration()
    public var corsOrigins: [String] = ["*"]
    public var trustForwardedFor = false
    public var fastWorkers = 8
    public var documentWorkers = max(1, ProcessInfo.processInfo.activeProcessorCount - 1)
    public var globalConcurrencyLimit = 3
    public var logFormat: LogFormat = .text
    public var dashboardEnabled = true

    public init() {}

    /// A configuration error a user can act on.
    public struct InvalidValue: Error, CustomStringConvertible, Equatable {
        public let key: String
        public let value: String
        public let expected: String
        public var description: String { "invalid \(key)=\(value.debugDescription): expected \(expected)" }
    }

    /// Defaults overridden by the `CAMPUS_SEARCH_*` variables present in `environment`.
    public init(environment: [String: String]) throws {
        self.init()
        if let host = environment["CAMPUS_SEARCH_HOST"] {
            guard !host.isEmpty else { throw InvalidValue(key: "CAMPUS_SEARCH_HOST", value: host, expected: "a host name or address") }
            self.host = host
        }
        if let port = environment["CAMPUS_SEARCH_PORT"] {
            self.port = try Self.parsePort(port, key: "CAMPUS_SEARCH_PORT")
        }
        if let dir = environment["CAMPUS_SEARCH_DATA_DIR"] {
            guard !dir.isEmpty else { throw InvalidValue(key: "CAMPUS_SEARCH_DATA_DIR", value: dir, expected: "a directory path") }
            self.dataDirectory = dir
        }
        if let bytes = environment["CAMPUS_SEARCH_MAX_BODY_BYTES"] {
            guard let value = Int(bytes), value > 0 else {
                throw InvalidValue(key: "CAMPUS_SEARCH_MAX_BODY_BYTES", value: bytes, expected: "a positive number of bytes")
            }
            self.maxBodyBytes = value
        }
        if let bytes = environment["CAMPUS_SEARCH_MAX_UPLOAD_BYTES"] {
            guard let value = Int(bytes), value > 0 else {
                throw InvalidValue(key: "CAMPUS_SEARCH_MAX_UPLOAD_BYTES", value: bytes, expected: "a positive number of bytes")
            }
            self.maxUploadBytes = value
        }
        if let level = environment["CAMPUS_SEARCH_LOG_LEVEL"] {
            guard let value = Logger.Level(rawValue: level.lowercased()) else {
                throw InvalidValue(key: "CAMPUS_SEARCH_LOG_LEVEL", value: level, expected: "trace, debug, info, notice, warning, error or critical")
            }
            self.logLevel = value
        }
        if let directory = environment["CAMPUS_SEARCH_MODEL_DIR"] {
            guard !directory.isEmpty else { throw InvalidValue(key: "CAMPUS_SEARCH_MODEL_DIR", value: directory, expected: "a directory path") }
            self.modelDirectory = directory
        }
        if let threads = environment["CAMPUS_SEARCH_EMBEDDING_THREADS"] {
            guard let value = Int(threads), (1...64).contains(value) else {
                throw InvalidValue(key: "CAMPUS_SEARCH_EMBEDDING_THREADS", value: threads, expected: "a thread count 1...64")
            }
            self.embeddingThreads = value
        }
        if let seconds = environment["CAMPUS_SEARCH_CHECKPOINT_SECONDS"] {
            guard let value = Double(seconds), value > 0 else {
                throw InvalidValue(key: "CAMPUS_SEARCH_CHECKPOINT_SECONDS", value: seconds, expected: "seconds > 0")
            }
            self.checkpointInterval = .milliseconds(Int(value * 1000))
        }
        if let slow = environment["CAMPUS_SEARCH_SLOW_REQUEST_MS"] {
            guard let value = Double(slow), value >= 0 else {
                throw InvalidValue(key: "CAMPUS_SEARCH_SLOW_REQUEST_MS", value: slow, expected: "milliseconds ≥ 0")
            }
            self.slowRequestMilliseconds = value
        }
        if let seconds = environment["CAMPUS_SEARCH_IDLE_TIMEOUT_SECONDS"] {
            guard let value = Double(seconds), value > 0, value <= 86_400 else {
                throw InvalidValue(key: "CAMPUS_SEARCH_IDLE_TIMEOUT_SECONDS", value: seconds, expected: "seconds in (0, 86400]")
            }
            self.idleTimeout = .milliseconds(Int(value * 1000))
        }
        if let vectors = environment["CAMPUS_SEARCH_CHECKPOINT_VECTORS"] {
            guard let value = Int(vectors), value >= 1 else {
                throw InvalidValue(key: "CAMPUS_SEARCH_CHECKPOINT_VECTORS", value: vectors, expected: "a vector count ≥ 1")
            }
            self.checkpointVectors = value
        }
        if let count = environment["CAMPUS_SEARCH_MAX_COLLECTIONS"] {
            guard let value = Int(count), (1...1_000_000).contains(value) else {
                throw InvalidValue(key: "CAMPUS_SEARCH_MAX_COLLECTIONS", value: count, expected: "a count 1...1000000")
            }
            self.collectionLimits.maxCollections = value
        }
        if let count = environment["CAMPUS_SEARCH_MAX_VECTORS_PER_COLLECTION"] {
            guard let value = Int(count), (1...4096).contains(value) else {
                throw InvalidValue(key: "CAMPUS_SEARCH_MAX_VECTORS_PER_COLLECTION", value: count, expected: "a count 1...4096")
            }
            self.collectionLimits.maxVectorsPerCollection = value
        }
        do {
            self.tokens = try TokenAuthority.Configuration(environment: environment)
        } catch {
            throw InvalidValue(key: "CAMPUS_SEARCH_JWT_*", value: "", expected: error.description)
        }
        if let origins = environment["CAMPUS_SEARCH_CORS_ORIGINS"] {
            let list = origins.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !list.isEmpty else {
                throw InvalidValue(key: "CAMPUS_SEARCH_CORS_ORIGINS", value: origins, expected: "`*` or comma-separated origins like https://app.example.com")
            }
            self.corsOrigins = list
        }
        for (key, minimum, maximum) in [("CAMPUS_SEARCH_FAST_WORKERS", 1, 4096), ("CAMPUS_SEARCH_DOCUMENT_WORKERS", 1, 4096),
                                        ("CAMPUS_SEARCH_GLOBAL_CONCURRENCY_LIMIT", 1, 100_000)] {
            guard let text = environment[key] else { continue }
            guard let value = Int(text), (minimum...maximum).contains(value) else {
                throw InvalidValue(key: key, value: text, expected: "a count \(minimum)...\(maximum)")
            }
            switch key {
            case "CAMPUS_SEARCH_FAST_WORKERS": fastWorkers = value
            case "CAMPUS_SEARCH_DOCUMENT_WORKERS": documentWorkers = value
            default: globalConcurrencyLimit = value
            }
        }
        if let flag = environment["CAMPUS_SEARCH_TRUST_PROXY"] {
            guard flag == "0" || flag == "1" else {
                throw InvalidValue(key: "CAMPUS_SEARCH_TRUST_PROXY", value: flag, expected: "1 (on) or 0 (off)")
            }
            self.trustForwardedFor = flag == "1"
        }
        if let format = environment["CAMPUS_SEARCH_LOG_FORMAT"] {
            guard let value = LogFormat(rawValue: format.lowercased()) else {
                throw InvalidValue(key: "CAMPUS_SEARCH_LOG_FORMAT", value: format, expected: "text or json")
            }
            self.logFormat = value
        }
        if let flag = environment["CAMPUS_SEARCH_DASHBOARD"] {
            switch flag.lowercased() {
            case "on", "1": dashboardEnabled = true
            case "off", "0": dashboardEnabled = false
            default: throw InvalidValue(key: "CAMPUS_SEARCH_DASHBOARD", value: flag, expected: "on or off")
            }
        }
        if let flag = environment["CAMPUS_SEARCH_METRICS"] {
            switch flag.lowercased() {
            case "on", "1": metricsEnabled = true
            case "off", "0": metricsEnabled = false
            default: throw InvalidValue(key: "CAMPUS_SEARCH_METRICS", value: flag, expected: "on or off")
            }
        }
        if let flag = environment["CAMPUS_SEARCH_NIO_EXECUTOR"] {
            guard flag == "0" || flag == "1" else {
                throw InvalidValue(key: "CAMPUS_SEARCH_NIO_EXECUTOR", value: flag, expected: "1 (on) or 0 (off)")
            }
            self.concurrencyOnEventLoops = flag == "1"
        }
    }

    public static func parsePort(_ text: String, key: String) throws -> Int {
        guard let port = Int(text), (0...65535).contains(port) else {
            throw InvalidValue(key: key, value: text, expected: "a port number 0...65535")
        }
        return port
    }
}
