// swift-tools-version:6.1
//
// CampusSearch: one Swift server for vector search, text embeddings and the course platform.
// Imports point one way (see ../shared/DESIGN.md and README.md):
//   CampusSearchCLI → Server → Platform → Documents → {Jobs, Accounts} → {CollectionStore, Embedding} → {Search, Storage}
//   Search → CSIMD, CBLAS;  Storage → CLMDB;  Embedding → CBLAS, Storage;  Accounts → Storage, JSON
//   Documents → Embedding (its WordPiece tokenizer), CPoppler, CLibXML2, CCMark, ZIPFoundation
//   Jobs → Storage, JSON (the durable queue; the Documents pipeline and the procedures build on it)
// The dependency lists below are the only place that enforces this, so keep them minimal.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "CampusSearch",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "campus-search", targets: ["CampusSearchCLI"]),
        // For the separate package-benchmark suite in Benchmarks/Kernels.
        .library(name: "Search", targets: ["Search"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        // 4.x: jwt-kit 5.7 needs swift-crypto ≥ 4.1.
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.3.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
        // Already in the graph through Hummingbird: the rooms open spans, the server collects them per request.
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
    ],
    targets: [
        // MARK: System libraries and C kernels
        .systemLibrary(
            name: "CLMDB",
            pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"])]
        ),
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        // The Documents room's parsers: poppler-glib for PDF, libxml2 for HTML and Office XML, cmark-gfm for Markdown.
        .systemLibrary(
            name: "CPoppler",
            pkgConfig: "poppler-glib",
            providers: [.apt(["libpoppler-glib-dev"])]
        ),
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        .systemLibrary(
            name: "CCMark",
            pkgConfig: "libcmark-gfm",
            providers: [.apt(["libcmark-gfm-dev", "libcmark-gfm-extensions-dev"])]
        ),
        .target(
            name: "CSIMD",
            cSettings: [.unsafeFlags(["-O3"])]
        ),
        // The Embedding room's C kernels: a packing-free A·Wᵀ for short inputs, LayerNorm, GELU, softmax
        // (AVX-512 / AVX2+FMA chosen at run time, portable C otherwise; -O3 even in debug builds).
        .target(
            name: "CEmbeddingKernels",
            cSettings: [.unsafeFlags(["-O3"])]
        ),

        // MARK: Engine rooms
        // The leaf every room may use: JSONValue, the fast JSON reader/writer, ordered wire output.
        .target(name: "JSON", swiftSettings: swiftSettings),
        .target(
            name: "Storage",
            dependencies: [
                "CLMDB",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Search",
            dependencies: [
                "CSIMD", "CBLAS",
                .product(name: "Atomics", package: "swift-atomics"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CollectionStore",
            dependencies: [
                "JSON", "Search", "Storage",
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // The durable job queue: records, indexes, leases, group-committed state changes, workers, handlers.
        .target(
            name: "Jobs",
            dependencies: [
                "JSON", "Storage",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Embedding",
            dependencies: [
                "CBLAS", "CEmbeddingKernels", "Storage",
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // Organisations, users, courses, tiers and quotas, admin rules, rate limits, JWTs: the Principal of a request.
        .target(
            name: "Accounts",
            dependencies: [
                "JSON", "Storage",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Text with its structure out of txt, md, html, pdf, docx and pptx; the hierarchical chunker.
        .target(
            name: "Documents",
            dependencies: [
                "Accounts", "CollectionStore", "Embedding", "Jobs", "JSON", "Search", "Storage", "CPoppler", "CLibXML2", "CCMark",
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Platform",
            dependencies: [
                "Accounts", "CollectionStore", "Documents", "Embedding", "Jobs", "Storage",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Server",
            dependencies: [
                "Accounts", "Documents", "Jobs", "JSON", "Platform", "CollectionStore", "Search", "Embedding",
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "CampusSearchCLI",
            dependencies: [
                "Accounts", "JSON", "Server", "CollectionStore", "Platform", "Search", "Jobs", "Storage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // A test fixture: commits LMDB records and reports each one, so a test can SIGKILL it mid-stream.
        .executableTarget(
            name: "LMDBCrashWriter",
            dependencies: ["Storage"],
            swiftSettings: swiftSettings
        ),

        // A test fixture: enqueues and works jobs until SIGKILLed, or finishes what a killed run left.
        .executableTarget(
            name: "JobsCrashWorker",
            dependencies: ["Jobs", "JSON", "Storage"],
            swiftSettings: swiftSettings
        ),

        // MARK: Tests
        .testTarget(name: "JSONTests", dependencies: ["JSON"], swiftSettings: swiftSettings),
        .testTarget(name: "StorageTests", dependencies: ["Storage"], swiftSettings: swiftSettings),
        .testTarget(
            name: "SearchTests", dependencies: ["Search"],
            exclude: ["Fixtures"],  // read through #filePath, not bundled
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "CollectionStoreTests", dependencies: ["CollectionStore", "JSON"], swiftSettings: swiftSettings),
        .testTarget(
            name: "EmbeddingTests",
            dependencies: ["Embedding", "Storage"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AccountsTests",
            dependencies: [
                "Accounts", "JSON", "Storage",
                .product(name: "CryptoExtras", package: "swift-crypto"),  // RSA keys for the RS256 tests
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DocumentsTests",
            dependencies: ["Documents", "Accounts", "Embedding", "Jobs", "JSON", "Storage", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            exclude: ["Fixtures"],  // read through #filePath, not bundled
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "JobsTests",
            dependencies: ["Jobs", "JSON", "Storage", .product(name: "MetricsTestKit", package: "swift-metrics")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "PlatformTests", dependencies: ["Platform", "Storage"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "Accounts", "JSON", "CollectionStore", "Platform", "Storage",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
