import JSON
import Search

/// HNSW parameters of a collection or of one vector (Qdrant's `hnsw_config`).
///
/// - `m` (Int, default 16): links per node on upper levels; level 0 keeps `2m`.
/// - `efConstruct` (Int, default 100): beam width while building.
/// - `fullScanThreshold` (Int, default 10 000, at most 2⁴⁰): below this many KB of allowed vectors (as
///   Qdrant counts it) a filtered search scans exactly instead of walking the graph.
public struct HNSWParameters: Codable, Sendable, Equatable {
    public var m: Int = 16
    public var efConstruct: Int = 100
    public var fullScanThreshold: Int = 10_000

    public init(m: Int = 16, efConstruct: Int = 100, fullScanThreshold: Int = 10_000) {
        self.m = m
        self.efConstruct = efConstruct
        self.fullScanThreshold = fullScanThreshold
    }

    /// The largest `full_scan_threshold` accepted (in KB of vectors; 1 PiB).
    public static let maxFullScanThreshold = 1 << 40

    func validate(_ path: String) throws {
        guard (2...128).contains(m) else { throw CollectionError.validation("\(path).m: value \(m) invalid, must be from 2 to 128") }
        guard (4...4096).contains(efConstruct) else {
            throw CollectionError.validation("\(path).ef_construct: value \(efConstruct) invalid, must be from 4 to 4096")
        }
        guard (0...Self.maxFullScanThreshold).contains(fullScanThreshold) else {
            throw CollectionError.validation("\(path).full_scan_threshold: value \(fullScanThreshold) invalid, must be from 0 to \(Self.maxFullScanThreshold)")
        }
    }
}

/// Qdrant's scalar quantization (`{"scalar": {"type": "int8", "quantile": 0.99, "always_ram": true}}`).
///
/// - `quantile` (Float?, default 0.99 when nil): the share of component values the int8 range covers,
///   from 0.5 to 1 (Qdrant's bounds).
public struct ScalarQuantization: Codable, Sendable, Equatable {
    public var quantile: Float? = nil
    public var alwaysRam: Bool? = nil
    public init(quantile: Float? = nil, alwaysRam: Bool? = nil) {
        self.quantile = quantile
        self.alwaysRam = alwaysRam
    }

    func validate(_ path: String) throws {
        if let quantile, !(quantile >= 0.5 && quantile <= 1) {
            throw CollectionError.validation("\(path).scalar.quantile: value \(quantile) invalid, must be from 0.5 to 1")
        }
    }
}

/// Bounds on what one collection may hold, so that no request can make the server allocate without
/// limit (each named vector owns an index; each collection its tables and engines).
///
/// - `maxVectorsPerCollection` (Int, default 64, `CAMPUS_SEARCH_MAX_VECTORS_PER_COLLECTION`): named dense and
///   sparse vectors of one collection together.
/// - `maxCollections` (Int, default 1,000, `CAMPUS_SEARCH_MAX_COLLECTIONS`): collections of a data directory.
/// - `maxVectorNameBytes` (Int, 255): the longest vector name (UTF-8 bytes).
public struct CollectionLimits: Sendable, Equatable {
    public var maxVectorsPerCollection = 64
    public var maxCollections = 1_000
    public var maxVectorNameBytes = 255
    public init() {}
}

/// One dense vector space of a collection.
public struct DenseVectorConfig: Codable, Sendable, Equatable {
    public var size: Int
    public var distance: DistanceMetric
    /// Per-vector override of the collection's HNSW parameters.
    public var hnsw: HNSWParameters?
    public var quantization: ScalarQuantization?
    public var onDisk: Bool?
    /// The per-vector `hnsw_config` exactly as sent (Qdrant echoes the diff, not the merged values).
    public var hnswSent: [String: JSONValue]? = nil
    /// Set for a multivector space (each point holds a matrix, scored by MaxSim; no HNSW graph).
    public var multivector: MultiVectorConfig? = nil

    public init(size: Int, distance: DistanceMetric, hnsw: HNSWParameters? = nil, quantization: ScalarQuantization? = nil, onDisk: Bool? = nil) {
        self.size = size
        self.distance = distance
        self.hnsw = hnsw
        self.quantization = quantization
        self.onDisk = onDisk
    }
}

/// Qdrant's `multivector_config`.
public struct MultiVectorConfig: Codable, Sendable, Equatable {
    public var comparator: MultiVectorComparator

    public init(comparator: MultiVectorComparator = .maxSim) { self.comparator = comparator }
}

/// How a multivector is compared: `max_sim` (Σ over query rows of the best row similarity).
public enum MultiVectorComparator: String, Codable, Sendable, CaseIterable {
    case maxSim = "max_sim"
}

/// One sparse vector space of a collection.
public struct SparseVectorConfig: Codable, Sendable, Equatable {
    /// Qdrant's `modifier`: `.idf` scales query weights by the live inverse document frequency.
    public var modifier: SparseModifier
    /// Whether `modifier` was given at creation (Qdrant omits an unset modifier from collection info).
    public var modifierGiven: Bool? = nil
    public init(modifier: SparseModifier = .none, modifierGiven: Bool? = nil) {
        self.modifier = modifier
        self.modifierGiven = modifierGiven
    }
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
    /// Free-form collection metadata (Qdrant ≥ 1.16), returned in collection info; PATCH merges keys.
    public var metadata: [String: JSONValue]? = nil
    /// `optimizers_config` as sent (merged over on PATCH); reported over Qdrant's defaults. A single
    /// node with one segment has nothing to optimise, so the values are kept and reported only.
    public var optimizers: [String: JSONValue]? = nil

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

    /// Checks everything a collection's engines will be built with, against the same limits the
    /// engines enforce (`HNSWIndex.problems`), and the collection limits; run before anything is
    /// committed, so a collection that passes always opens.
    public func validate(limits: CollectionLimits = .init()) throws {
        try hnsw.validate("hnsw_config")
        let count = vectors.count + sparseVectors.count
        guard count <= limits.maxVectorsPerCollection else {
            throw CollectionError.validation("vectors: \(count) named vectors, at most \(limits.maxVectorsPerCollection) are allowed per collection")
        }
        try quantization.map { try $0.validate("quantization_config") }
        for name in vectors.keys.sorted() + sparseVectors.keys.sorted() {
            guard name.utf8.count <= limits.maxVectorNameBytes, !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw CollectionError.validation("vectors: the name `\(name.prefix(64))` must be at most \(limits.maxVectorNameBytes) bytes without control characters")
            }
        }
        for (name, vector) in vectors.sorted(by: { $0.key < $1.key }) {
            let path = name.isEmpty ? "vectors" : "vectors.\(name)"
            guard vector.size >= 1 && vector.size <= HNSWIndex.maxDimension else {
                throw CollectionError.validation("\(path).size: value \(vector.size) invalid, must be from 1 to \(HNSWIndex.maxDimension)")
            }
            try vector.hnsw?.validate("\(path).hnsw_config")
            try vector.quantization?.validate("\(path).quantization_config")
            let engine = HNSWIndex.configuration(for: vector, collection: self)
            let problems = HNSWIndex.problems(dimension: vector.size, configuration: engine)
            guard problems.isEmpty else { throw CollectionError.validation("\(path): \(problems.joined(separator: "; "))") }
        }
        for name in sparseVectors.keys where vectors[name] != nil {
            throw CollectionError.invalid("vector name `\(name)` is used for both a dense and a sparse vector")
        }
    }

    func hnswParameters(for name: String) -> HNSWParameters { vectors[name]?.hnsw ?? hnsw }
}
