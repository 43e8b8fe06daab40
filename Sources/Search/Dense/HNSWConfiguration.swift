/// Scalar quantization of the vectors the graph walk reads.
public enum VectorQuantization: Sendable, Equatable, Hashable, Codable {
    /// Full f32 vectors everywhere.
    case none
    /// int8 codes for the graph walk (4× fewer bytes per visited node), then the best
    /// `limit × oversampling` candidates rescored with the f32 vectors when `rescore` is true.
    ///
    /// - `quantile` (Float, default 0.99): the fraction of component values the code range covers;
    ///   the rest are clipped (Qdrant's `quantile`). Must lie in [0.5, 1].
    /// - `oversampling` (Float, default 2): how many more candidates than `limit` to rescore; ≥ 1.
    /// - `rescore` (Bool, default true): rescore with f32 vectors; false returns approximate scores.
    case int8(quantile: Float, oversampling: Float, rescore: Bool)

    /// int8 with Qdrant-like defaults: quantile 0.99, oversampling 2, rescore on.
    public static var int8Default: VectorQuantization { .int8(quantile: 0.99, oversampling: 2, rescore: true) }
}

/// Parameters of an `HNSWIndex`.
///
/// | key | type | default | meaning |
/// | --- | --- | --- | --- |
/// | `m` | Int | 16 | links per node on upper levels; level 0 keeps `2·m`. 2…255 |
/// | `efConstruct` | Int | 100 | candidate list size while inserting; ≥ 1 |
/// | `ef` | Int | 64 | default candidate list size per query (never below the query's limit); ≥ 1 |
/// | `seed` | UInt64 | 42 | seeds the level draw (⌊−ln U · 1/ln m⌋, U hashed from seed and id) |
/// | `maxElements` | Int | 2³² | ids must be below this; storage grows in chunks of 4,096 nodes on demand |
/// | `initialCapacity` | Int | 0 | node slots allocated up front (saves growth during a known bulk load) |
/// | `quantization` | VectorQuantization | `.none` | int8 traversal with f32 rescoring, or none |
/// | `fullScanThreshold` | Int | 1,000 | filtered searches allowing at most this many points scan them exactly |
/// | `exactCostFactor` | Double | 2 | also scan exactly when allowed² ≤ factor·ef·m·count (cost of graph vs scan); 0 disables |
/// | `prefetchLines` | Int | 1 | cache lines of each neighbour's vector (or codes) prefetched before scoring; 0 = all of them (1 measured fastest: the hardware streams the rest) |
public struct HNSWConfiguration: Sendable, Equatable, Hashable, Codable {
    public var m: Int
    public var efConstruct: Int
    public var ef: Int
    public var seed: UInt64
    public var maxElements: Int
    public var initialCapacity: Int
    public var quantization: VectorQuantization
    public var fullScanThreshold: Int
    public var exactCostFactor: Double
    public var prefetchLines: Int

    public init(
        m: Int = 16, efConstruct: Int = 100, ef: Int = 64, seed: UInt64 = 42,
        maxElements: Int = 1 << 32, initialCapacity: Int = 0,
        quantization: VectorQuantization = .none,
        fullScanThreshold: Int = 1_000, exactCostFactor: Double = 2, prefetchLines: Int = 1
    ) {
        self.m = m
        self.efConstruct = efConstruct
        self.ef = ef
        self.seed = seed
        self.maxElements = maxElements
        self.initialCapacity = initialCapacity
        self.quantization = quantization
        self.fullScanThreshold = fullScanThreshold
        self.exactCostFactor = exactCostFactor
        self.prefetchLines = prefetchLines
    }

    /// Problems a user can fix, one sentence each; empty when the configuration is usable.
    public var problems: [String] {
        var out: [String] = []
        if !(2...255).contains(m) { out.append("m must be between 2 and 255, got \(m)") }
        if efConstruct < 1 { out.append("ef_construct must be at least 1, got \(efConstruct)") }
        if ef < 1 { out.append("ef must be at least 1, got \(ef)") }
        if maxElements < 1 || maxElements > 1 << 32 { out.append("maxElements must be in 1...2^32, got \(maxElements)") }
        if initialCapacity < 0 { out.append("initialCapacity must be ≥ 0, got \(initialCapacity)") }
        if fullScanThreshold < 0 { out.append("fullScanThreshold must be ≥ 0, got \(fullScanThreshold)") }
        if prefetchLines < 0 { out.append("prefetchLines must be ≥ 0, got \(prefetchLines)") }
        if exactCostFactor < 0 { out.append("exactCostFactor must be ≥ 0, got \(exactCostFactor)") }
        if case .int8(let quantile, let oversampling, _) = quantization {
            if !(quantile >= 0.5 && quantile <= 1) { out.append("quantile must be from 0.5 to 1, got \(quantile)") }
            if !(oversampling >= 1) { out.append("oversampling must be at least 1, got \(oversampling)") }
        }
        return out
    }
}
