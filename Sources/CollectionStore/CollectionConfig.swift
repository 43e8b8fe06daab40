import Search

/// HNSW parameters of a collection or of one vector (Qdrant's `hnsw_config`).
///
/// - `m` (Int, default 16): links per node on upper levels; level 0 keeps `2m`.
/// - `efConstruct` (Int, default 100): beam width while building.
/// - `fullScanThreshold` (Int, default 10 000): below this many allowed points (in KB of vectors, as
///   Qdrant counts it, here: points) a filtered search scans exactly instead of walking the graph.
public struct HNSWParameters: Codable, Sendable, Equatable {
    public var m: Int = 16
    public var efConstruct: Int = 100
    public var fullScanThreshold: Int = 10_000

    public init(m: Int = 16, efConstruct: Int = 100, fullScanThreshold: Int = 10_000) {
        self.m = m
        self.efConstruct = efConstruct
        self.fullScanThreshold = fullScanThreshold
    }

    func validate(_ path: String) throws {
        guard (2...128).contains(m) else { throw CollectionError.validation("\(path).m: value \(m) invalid, must be from 2 to 128") }
        guard (4...4096).contains(efConstruct) else {
            throw CollectionError.validation("\(path).ef_construct: value \(efConstruct) invalid, must be from 4 to 4096")
        }
        guard fullScanThreshold >= 0 else { throw CollectionError.validation("\(path).full_scan_threshold: must be ≥ 0") }
    }
}

/// Qdrant's scalar quantization (`{"scalar": {"type": "int8", "quantile": 0.99, "always_ram": true}}`).
public struct ScalarQuantization: Codable, Sendable, Equatable {
    public var quantile: Float? = nil
    public var alwaysRam: Bool? = nil
    public init(quantile: Float? = nil, alwaysRam: Bool? = nil) {
        self.quantile = quantile
        self.alwaysRam = alwaysRam
    }
}

/// One dense vector space of a collection.
public struct DenseVectorConfig: Codable, Sendable, Equatable {
    public var size: Int
    public var distance: DistanceMetric
    /// Per-vector override of the collection's HNSW parameters.
    public var hnsw: HNSWParameters?
    public var quantization: ScalarQuantization?
    public var onDisk: Bool?

    public init(size: Int, distance: DistanceMetric, hnsw: HNSWParameters? = nil, quantization: ScalarQuantization? = nil, onDisk: Bool? = nil) {
        self.size = size
        self.distance = distance
        self.hnsw = hnsw
        self.quantization = quantization
        self.onDisk = onDisk
    }
}

/// One sparse vector space of a collection.
public struct SparseVectorConfig: Codable, Sendable, Equatable {
    /// Qdrant's `modifier`: `.idf` scales query weights by the live inverse document frequency.
    public var modifier: SparseModifier
    public init(modifier: SparseModifier = .none) { self.modifier = modifier }
}

/// Everything a collection is created with. The unnamed (default) vector is stored under the name "".
public struct CollectionConfig: Codable, Sendable, Equatable {
    public var vectors: [String: DenseVectorConfig]
    public var sparseVectors: [String: SparseVectorConfig]
    public var hnsw: HNSWParameters
    public var quantization: ScalarQuantization?
    /// Whether `vectors` was given as a single unnamed vector (echoed back in the same form).
    public var unnamedVector: Bool
    /// Creation options Qdrant accepts that a single node ignores, kept to echo them back.
    public var shardNumber: Int = 1
    public var replicationFactor: Int = 1
    public var writeConsistencyFactor: Int = 1
    public var onDiskPayload: Bool = true

    public init(
        vectors: [String: DenseVectorConfig], sparseVectors: [String: SparseVectorConfig] = [:],
        hnsw: HNSWParameters = .init(), quantization: ScalarQuantization? = nil, unnamedVector: Bool = false
    ) {
        self.vectors = vectors
        self.sparseVectors = sparseVectors
        self.hnsw = hnsw
        self.quantization = quantization
        self.unnamedVector = unnamedVector
    }

    /// Every name, dense first then sparse, each group sorted: the order vector slots are numbered in.
    var vectorNames: [String] { vectors.keys.sorted() + sparseVectors.keys.sorted() }

    public func validate() throws {
        for (name, vector) in vectors {
            guard vector.size >= 1 && vector.size <= 65_536 else {
                throw CollectionError.validation("vectors\(name.isEmpty ? "" : ".\(name)").size: value \(vector.size) invalid, must be from 1 to 65536")
            }
            try vector.hnsw?.validate("vectors.\(name).hnsw_config")
        }
        for name in sparseVectors.keys where vectors[name] != nil {
            throw CollectionError.invalid("vector name `\(name)` is used for both a dense and a sparse vector")
        }
        try hnsw.validate("hnsw_config")
    }

    func hnswParameters(for name: String) -> HNSWParameters { vectors[name]?.hnsw ?? hnsw }
}
