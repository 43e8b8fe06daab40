import Accounts
import Foundation
import Logging
import CollectionStore
import Documents
import Embedding
import Jobs
import Storage

/// Everything one data directory holds, opened once per process.
///
/// The data directory owns the LMDB environment; the collection registry, the platform records and
/// the job queue hang off it. Opening checks that the directory is usable and that an existing
/// environment was written by CampusSearch (a foreign LMDB environment is refused rather than
/// written into).
public final class DataDirectory: Sendable {
    /// The format stamp written into a new data directory.
    public static let formatVersion = "campus-search/1"

    public let dataDirectory: String
    let environment: Environment
    let meta: Table<String, String>
    /// The vector collections of this data directory.
    public let collections: CollectionRegistry
    /// Organisations, users and courses.
    public let accounts: AccountsStore
    /// One group committer for every room's writes: concurrent commands share a transaction and an fsync.
    public let committer: GroupCommitter
    /// The durable job queue.
    public let jobs: JobQueue
    /// Uploaded files' records, and their bytes by content hash.
    public let files: FileCatalog
    public let blobs: BlobStore
    /// Generation, job access and the other cross-room workflows.
    public let workflow: CourseWorkflow
    /// Chunk vectors of every course (`course_embeddings`).
    public let courseVectors: CollectionCourseVectors
    /// `generation.uploadFile`.
    public let uploads: UploadService
    /// Listing, deleting and retrying a course's documents.
    public let documents: DocumentLibrary
    /// `search.chunks`, with its result cache.
    public let courseSearch: CourseSearch
    /// The `document_processing` job handler.
    public let documentProcessor: DocumentProcessor
    /// Text embedders by model name, each behind the persistent embedding cache.
    public let embedders: EmbedderRegistry
    /// Why the native model is not available (its files are missing or unreadable), or nil.
    public let embeddingUnavailableReason: String?
    /// The native model's embedding cache (nil without a model): its statistics feed `/metrics` and the dashboard.
    public let embeddingCache: EmbeddingCache?

    /// A data directory that cannot be used, with a message a user can act on.
    public struct OpenError: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// How the data directory runs its text embeddings.
    ///
    /// - `modelDirectory` (String?, default nil): all-MiniLM-L6-v2's files (`model.safetensors`, `vocab.txt`,
    ///   `config.json`); nil or missing files leave only `qdrant/bm25` available, with the reason kept.
    /// - `threads` (Int, default 1): OpenBLAS threads per embedding batch.
    /// - `cacheMemoryBytes` (Int, default 64 MiB): the in-memory LRU in front of the LMDB cache table.
    /// - `cacheTTLSeconds` (Double?, default nil = forever): how long a cached embedding stays valid.
    public struct EmbeddingOptions: Sendable {
        public var modelDirectory: String?
        public var threads: Int = 1
        public var cacheMemoryBytes: Int = 64 << 20
        public var cacheTTLSeconds: Double?
        public init(modelDirectory: String? = nil) { self.modelDirectory = modelDirectory }
    }

    /// How the platform rooms run.
    ///
    /// - `globalConcurrencyLimit` (Int, default 3, the platform's `GLOBAL_CONCURRENCY_LIMIT`): generations running
    ///   at once across all users.
    /// - `recoverActiveJobs` (Bool, default true): at open, jobs left active by a process that died go back to
    ///   waiting (stalled). Off only for a process that opens the directory beside a running server.
    /// - `searchCacheBytes` (Int, default 64 MiB) and `searchCacheTTLSeconds` (Double, default 1800): the
    ///   `search.chunks` result cache.
    /// - `chunking`: the hierarchical chunker's sizes (in the model's word pieces).
    public struct PlatformOptions: Sendable {
        public var globalConcurrencyLimit = 3
        public var recoverActiveJobs = true
        public var searchCacheBytes = 64 << 20
        public var searchCacheTTLSeconds = 1800.0
        public var chunking = ChunkingConfiguration()
        public init() {}
    }

    /// Opens the LMDB environment of a data directory and checks (or writes) its format stamp,
    /// without loading anything else: what the administrative commands use beside a running server.
    ///
    /// A directory whose first start was interrupted (the meta table exists, the stamp does not, and
    /// no other table was created) is completed rather than refused.
    public static func openEnvironment(path dataDirectory: String, logger: Logger = Logger(label: "campus-search.data")) throws -> Environment {
        let environment: Environment
        do {
            environment = try Environment.open(path: dataDirectory)
        } catch let error as LMDBError where error.isForeignOrCorrupt {
            throw OpenError(description: "\(dataDirectory) holds a file that is not a readable LMDB environment (\(error.message)); move it away or choose another --data-dir")
        } catch let error as StorageError {
            throw OpenError(description: error.description)
        } catch let error as LMDBError {
            throw OpenError(description: "cannot open data directory \(dataDirectory): \(error.message)")
        }
        let existing = try environment.tableNames()
        let meta: Table<String, String> = try environment.table(metaTable)
        let stamp = try environment.read { try meta.get("format", in: $0) }
        switch stamp {
        case Self.formatVersion:
            break
        case nil where existing.allSatisfy({ $0 == metaTable }):
            try environment.write { txn in
                try meta.put(Self.formatVersion, for: "format", in: txn)
                try meta.put(ISO8601DateFormatter().string(from: Date()), for: "created", in: txn)
            }
            logger.info("initialised data directory", metadata: ["path": "\(environment.path)"])
        case nil:
            throw OpenError(description: "\(dataDirectory) is an LMDB environment of another program (tables: \(existing.prefix(5).joined(separator: ", "))); choose another --data-dir")
        case let other?:
            throw OpenError(description: "\(dataDirectory) was written by an incompatible version (\(other)); this build reads \(Self.formatVersion)")
        }
        return environment
    }

    static let metaTable = "campus.meta"

    public init(
        path dataDirectory: String, embedding: EmbeddingOptions = .init(), collectionLimits: CollectionLimits = .init(),
        platform: PlatformOptions = .init(), logger: Logger = Logger(label: "campus-search.data")
    ) throws {
        let environment = try Self.openEnvironment(path: dataDirectory, logger: logger)
        let meta: Table<String, String> = try environment.table(Self.metaTable)
        self.dataDirectory = environment.path
        self.environment = environment
        self.meta = meta
        self.collections = try CollectionRegistry(environment: environment, limits: collectionLimits)
        self.accounts = try AccountsStore(environment: environment)
        let commitMetrics = GroupCommitMetrics()
        let committer = GroupCommitter(environment: environment, observer: { commitMetrics.record($0) })
        self.committer = committer
        var jobOptions = JobQueue.Configuration()
        jobOptions.recoverActiveJobsAtOpen = platform.recoverActiveJobs
        self.jobs = try JobQueue(environment: environment, committer: committer, configuration: jobOptions)
        let files = try FileCatalog(environment: environment)
        self.files = files
        self.blobs = try BlobStore(dataDirectory: environment.path)
        if platform.recoverActiveJobs {
            // No upload is in flight while the directory opens: bytes no record names are leftovers of a crash.
            try blobs.collectOrphans(isReferenced: { try files.blobReferences($0) > 0 }, logger: logger)
        }
        self.workflow = CourseWorkflow(accounts: accounts, jobs: jobs, files: files, globalConcurrencyLimit: platform.globalConcurrencyLimit)

        var embedders = EmbedderRegistry()
        var unavailable: String?
        var embeddingCache: EmbeddingCache?
        var courseModel: DocumentProcessor.Model?
        if let directory = embedding.modelDirectory {
            do {
                let cache = try EmbeddingCache(
                    environment: environment,
                    configuration: .init(memoryBytes: embedding.cacheMemoryBytes, ttl: embedding.cacheTTLSeconds)
                )
                let model = try MiniLMEmbedder(modelDirectory: directory, configuration: .init(threads: embedding.threads))
                let cached = CachedEmbedder(model, cache: cache)
                logger.info("native embedding model loaded", metadata: [
                    "model": "\(model.modelName)", "threads": "\(embedding.threads)", "blas_kernels": "\(BLASKernels.current)",
                ])
                embeddingCache = cache
                embedders.register(cached, aliases: ["all-MiniLM-L6-v2"])
                courseModel = DocumentProcessor.Model(embedder: cached, chunker: try HierarchicalChunker(tokenizer: model.tokenizer, configuration: platform.chunking))
            } catch {
                unavailable = "\(error)"
                logger.warning("native embedding model unavailable", metadata: ["reason": "\(error)"])
            }
        } else {
            unavailable = "no model directory configured"
        }
        self.embedders = embedders
        self.embeddingCache = embeddingCache
        self.embeddingUnavailableReason = unavailable

        let vectors = CollectionCourseVectors(registry: collections, dimension: courseModel?.embedder.dimension ?? CollectionCourseVectors.defaultDimension)
        self.courseVectors = vectors
        let search = CourseSearch(
            accounts: accounts, vectors: vectors, embedder: courseModel?.embedder, unavailableReason: unavailable,
            cacheBytes: platform.searchCacheBytes, ttl: platform.searchCacheTTLSeconds
        )
        self.courseSearch = search
        let courseChanged: @Sendable (UUID) -> Void = { [search] in search.courseChanged($0) }
        let uploads = UploadService(accounts: accounts, files: files, blobs: blobs, jobs: jobs, logger: logger)
        self.uploads = uploads
        self.documents = DocumentLibrary(accounts: accounts, files: files, jobs: jobs, vectors: vectors, uploads: uploads,
                                         courseChanged: courseChanged, logger: logger)
        self.documentProcessor = DocumentProcessor(
            files: files, blobs: blobs, vectors: vectors, committer: committer, model: courseModel,
            unavailableReason: unavailable ?? "no model directory configured", courseChanged: courseChanged, logger: logger
        )
    }

    /// True when storage answers a read: what `/readyz` reports.
    public func isReady() -> Bool {
        (try? environment.read { try meta.get("format", in: $0) }) == Self.formatVersion
    }

    /// Storage figures for `/metrics` and the admin API.
    public struct StorageReport: Sendable {
        public var mapSizeBytes: Int
        public var usedBytes: Int
        public var readers: Int
        public var tables: [String: (entries: Int, pages: Int)]
    }

    public func storageReport() throws -> StorageReport {
        let stats = try environment.stats()
        return StorageReport(
            mapSizeBytes: stats.mapSize,
            usedBytes: stats.usedBytes,
            readers: stats.readers,
            tables: stats.tables.mapValues { ($0.entries, $0.pages) }
        )
    }
}
