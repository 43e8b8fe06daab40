import Atomics
import CSIMD
import Foundation

/// An in-memory HNSW graph over dense f32 vectors (Malkov & Yashunin), built for concurrent use:
/// inserts from several threads while searches run, deletes that repair the graph, and a vacuum
/// that reclaims deleted slots while searches keep going.
///
/// Storage: one chunked arena of fixed-stride node records (level-0 links next to the vector or
/// int8 codes the walk reads; see `NodeLayout`), upper-level links in small per-node buffers.
/// Ids are dense `UInt32`s chosen by the caller (the collection keeps the external-id map).
///
/// Scores follow Qdrant: cosine and dot return the dot product (higher is better), euclid the
/// Euclidean distance (lower is better). Internally every metric is a distance, smaller is better:
/// −dot for cosine/dot, squared L2 for euclid.
///
/// Thread safety: every public method may be called from any thread. Inserts of *distinct* ids
/// run in parallel (per-node spin locks); removes, updates of existing ids and vacuum serialise
/// on one maintenance lock. Searches take no lock; they may see a graph mid-update, which can
/// cost recall for that query but never returns a point that is not live.
public final class HNSWIndex: @unchecked Sendable {
    public let dimension: Int
    public let metric: DistanceMetric
    public let configuration: HNSWConfiguration

    let store: NodeStore
    let layout: NodeLayout
    let pool: SearchContextPool
    let isL2: Bool
    let levelMultiplier: Double

    /// Striped per-node locks: node `id` uses word `id & lockMask`. Never hold two at once.
    let nodeLocks: UnsafeMutablePointer<UInt32>
    let lockMask: UInt32 = (1 << 16) - 1
    /// Serialises chunk growth and `idBound` updates.
    let growLock: UnsafeMutablePointer<UInt32>
    /// Serialises publications of `top`; held for a whole insert when that insert raises the top level.
    let entryLock: UnsafeMutablePointer<UInt32>
    /// Serialises remove, update and vacuum.
    let maintenanceLock: UnsafeMutablePointer<UInt32>
    /// Guards the quantizer while codes are (re)written.
    let quantLock: UnsafeMutablePointer<UInt32>

    /// Mutable scalars kept outside Swift's exclusivity tracking (read without locks by searches).
    let state: UnsafeMutablePointer<IndexState>
    /// Where searches start (entry point, top level, quantizer), published as one value; see `GraphTop`.
    let top: ManagedAtomic<GraphTop>
    /// The striped node locks live in zero pages (256 KB that become resident only as they are used).
    private let lockPages: ZeroedPages

    let liveCounter = ManagedAtomic<Int>(0)
    let deletedCounter = ManagedAtomic<Int>(0)
    let upperBytes = ManagedAtomic<Int>(0)

    struct IndexState {
        /// One past the largest id ever inserted.
        var idBound: Int = 0
        /// Live count the quantizer was trained on.
        var quantizerTrainedOn: Int = 0
        /// Cache lines prefetched per neighbour (0 = whole walk data); see `prefetchLines`.
        var prefetchLines: Int = 0
    }

    /// Cache lines of each neighbour's walk data prefetched before scoring (0 = all); starts at
    /// `configuration.prefetchLines`. A tuning knob for benchmarks; safe to change between searches.
    public var prefetchLines: Int {
        get { state.pointee.prefetchLines }
        set { state.pointee.prefetchLines = max(0, newValue) }
    }

    /// Oversampling and rescoring of int8 mode, nil without quantization.
    let int8Settings: (quantile: Float, oversampling: Float, rescore: Bool)?

    // MARK: - Creating

    /// The largest vector dimension an index takes (Qdrant's limit).
    public static let maxDimension = 65_536

    /// Why an index of `dimension`-d vectors with `configuration` cannot be built, one sentence each;
    /// empty when it can. The collection layer checks this before it commits a collection.
    public static func problems(dimension: Int, configuration: HNSWConfiguration) -> [String] {
        var out: [String] = []
        if !(1...maxDimension).contains(dimension) { out.append("dimension must be from 1 to \(maxDimension), got \(dimension)") }
        return out + configuration.problems
    }

    /// An empty index of `dimension`-d vectors under `metric`. Throws `VectorError.invalidConfiguration`
    /// when `problems(dimension:configuration:)` is not empty. An empty index holds a few kilobytes.
    public init(dimension: Int, metric: DistanceMetric, configuration: HNSWConfiguration = .init()) throws {
        let problems = Self.problems(dimension: dimension, configuration: configuration)
        guard problems.isEmpty else { throw VectorError.invalidConfiguration(problems.joined(separator: "; ")) }
        self.dimension = dimension
        self.metric = metric
        self.configuration = configuration
        if case .int8(let q, let o, let r) = configuration.quantization {
            int8Settings = (q, o, r)
        } else {
            int8Settings = nil
        }
        layout = NodeLayout(dimension: dimension, m: configuration.m, quantized: int8Settings != nil)
        store = NodeStore(layout: layout)
        pool = SearchContextPool(maxLinks: layout.maxLinks0, dimension: dimension)
        isL2 = metric == .euclid
        levelMultiplier = 1 / log(Double(max(configuration.m, 2)))
        lockPages = ZeroedPages(byteCount: (1 << 16) * MemoryLayout<UInt32>.stride)
        nodeLocks = lockPages.base.bindMemory(to: UInt32.self, capacity: 1 << 16)
        growLock = .allocate(capacity: 4)
        growLock.initialize(repeating: 0, count: 4)
        entryLock = growLock + 1
        maintenanceLock = growLock + 2
        quantLock = growLock + 3
        state = .allocate(capacity: 1)
        state.initialize(to: IndexState())
        top = ManagedAtomic(GraphTop.empty)
        state.pointee.prefetchLines = configuration.prefetchLines
        if configuration.initialCapacity > 0 {
            store.ensureCapacity(for: UInt32(min(configuration.initialCapacity, configuration.maxElements) - 1))
        }
    }

    deinit {
        lockPages.deallocate()
        growLock.deallocate()
        state.deinitialize(count: 1)
        state.deallocate()
    }

    // MARK: - Sizes

    /// Live points (inserted and not removed).
    public var count: Int { liveCounter.load(ordering: .relaxed) }

    /// Removed points whose slots vacuum has not reclaimed yet.
    public var deletedCount: Int { deletedCounter.load(ordering: .relaxed) }

    /// One past the largest id ever stored.
    public var idBound: Int { state.pointee.idBound }

    /// Bytes held by the index: the arena chunks, upper-level link buffers and pooled search contexts.
    public var memoryBytes: Int { store.allocatedBytes + upperBytes.load(ordering: .relaxed) + pool.allocatedBytes }

    /// Whether `id` is a live point.
    public func contains(id: UInt32) -> Bool {
        Int(id) < state.pointee.idBound && store.hasSlot(id) && store.isLive(id)
    }

    /// The stored vector of `id` (unit-normalised under cosine), nil when `id` is not live.
    public func vector(id: UInt32) -> [Float]? {
        guard contains(id: id) else { return nil }
        return Array(UnsafeBufferPointer(start: store.vector(id), count: dimension))
    }

    // MARK: - Input checks

    /// Validates `vector` and returns what is stored: unit-normalised under cosine.
    func prepare(_ vector: [Float]) throws -> [Float] {
        guard vector.count == dimension else {
            throw VectorError.wrongDimension(expected: dimension, actual: vector.count)
        }
        if let bad = vector.firstIndex(where: { !$0.isFinite }) { throw VectorError.nonFinite(index: bad) }
        guard metric == .cosine else { return vector }
        let norm2 = vector.withUnsafeBufferPointer { csimd_norm2_f32($0.baseAddress!, dimension) }
        guard norm2 > 0, norm2.isFinite else {
            if norm2.isFinite { throw VectorError.zeroVector }
            // Overflowing norm: rescale first.
            let big = vector.map { abs($0) }.max() ?? 1
            return try prepare(vector.map { $0 / big })
        }
        let inv = 1 / norm2.squareRoot()
        return vector.map { $0 * inv }
    }

    // MARK: - Distances (smaller is better)

    @inline(__always) func distance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>) -> Float {
        isL2 ? csimd_l2sq_f32(a, b, dimension) : -csimd_dot_f32(a, b, dimension)
    }

    @inline(__always) func distance(between a: UInt32, and b: UInt32) -> Float {
        distance(store.vector(a), store.vector(b))
    }

    /// The engine distance converted to the Qdrant score.
    @inline(__always) func score(fromDistance d: Float) -> Float {
        isL2 ? max(d, 0).squareRoot() : -d
    }

    /// Approximate distance from the encoded query (in `context`) to the int8 codes of `id`.
    @inline(__always) func quantizedDistance(_ context: SearchContext, queryCorrection: Float, delta2: Float, _ id: UInt32) -> Float {
        let p = store.walkData(id)
        let codes = p.assumingMemoryBound(to: Int8.self)
        if isL2 { return delta2 * Float(csimd_l2sq_i8(context.queryCodes, codes, dimension)) }
        let corr = p.load(fromByteOffset: layout.walkDataBytes - 4, as: Float.self)
        return -(delta2 * Float(csimd_dot_i8(context.queryCodes, codes, dimension)) + corr + queryCorrection)
    }

    // MARK: - Publishing the top

    /// The current entry point, top level and quantizer, as one publication.
    @inline(__always) func loadTop() -> GraphTop { top.load(ordering: .acquiring) }

    /// Replaces the published top. The caller holds `entryLock`, so publications never overwrite
    /// each other's fields.
    @inline(__always) func publishTop(_ new: GraphTop) { top.store(new, ordering: .releasing) }

    // MARK: - Locks

    @inline(__always) func lockNode(_ id: UInt32) { csimd_spin_lock(nodeLocks + Int(id & lockMask)) }
    @inline(__always) func unlockNode(_ id: UInt32) { csimd_spin_unlock(nodeLocks + Int(id & lockMask)) }

    @inline(__always) func withLock<R>(_ word: UnsafeMutablePointer<UInt32>, _ body: () throws -> R) rethrows -> R {
        csimd_spin_lock(word)
        defer { csimd_spin_unlock(word) }
        return try body()
    }

    // MARK: - Levels

    /// The level of `id`: ⌊−ln U · mL⌋ with U drawn from a hash of the seed and the id, so an
    /// id always gets the same level (an update keeps its upper-level buffers).
    func randomLevel(for id: UInt32) -> Int {
        var z = configuration.seed &+ UInt64(id) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        let u = (Double(z >> 11) + 1) / Double(1 << 53)  // (0, 1]
        return min(Int(-log(u) * levelMultiplier), 30)
    }
}

/// Where every search and insert starts: the entry point, the graph's top level and the int8
/// quantizer (nil without quantization or before training), as one immutable value.
///
/// Memory ordering: a writer builds a new `GraphTop` and stores it with `.releasing` while holding
/// `HNSWIndex.entryLock`; readers load it once per operation with `.acquiring`. A reader therefore
/// sees the three fields of one publication together (never one insert's entry point with another's
/// level), and every write made before the publication (the entry node's vector, links and codes) is
/// visible to it. Codes re-encoded after a quantizer is retrained may lag it briefly; rescoring with
/// f32 vectors absorbs that.
final class GraphTop: AtomicReference, Sendable {
    /// The entry node, or `UInt32.max` when the graph is empty.
    let entryPoint: UInt32
    /// The level of the entry node.
    let maxLevel: Int
    let quantizer: ScalarQuantizer?

    static let empty = GraphTop(entryPoint: .max, maxLevel: 0, quantizer: nil)

    init(entryPoint: UInt32, maxLevel: Int, quantizer: ScalarQuantizer?) {
        self.entryPoint = entryPoint
        self.maxLevel = maxLevel
        self.quantizer = quantizer
    }

    func with(entryPoint: UInt32, maxLevel: Int) -> GraphTop {
        GraphTop(entryPoint: entryPoint, maxLevel: maxLevel, quantizer: quantizer)
    }

    func with(quantizer: ScalarQuantizer?) -> GraphTop {
        GraphTop(entryPoint: entryPoint, maxLevel: maxLevel, quantizer: quantizer)
    }
}
