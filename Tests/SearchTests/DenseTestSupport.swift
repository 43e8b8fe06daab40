import Foundation
import Search

/// Search's deterministic generator, so test data is the same on every run.
typealias TestRNG = SplitMix64

extension SplitMix64 {
    /// Uniform in [0, 1).
    mutating func uniform() -> Float { Float(next() >> 40) / Float(1 << 24) }
    /// Standard normal (Box–Muller).
    mutating func gaussian() -> Float {
        let u = max(uniform(), 1e-7), v = uniform()
        return (-2 * logf(u)).squareRoot() * cosf(2 * .pi * v)
    }
    mutating func vector(_ dim: Int) -> [Float] { (0..<dim).map { _ in gaussian() } }
}

/// Clustered data: `clusters` random centres with Gaussian spread, like real embeddings.
func clusteredVectors(count: Int, dim: Int, clusters: Int = 16, spread: Float = 0.35, seed: UInt64) -> [[Float]] {
    var rng = TestRNG(seed: seed)
    let centres = (0..<clusters).map { _ in rng.vector(dim) }
    return (0..<count).map { i in
        let c = centres[i % clusters]
        return c.map { $0 + spread * rng.gaussian() }
    }
}

/// Mean fraction of the exact top-k ids found by the approximate results.
func recall(_ approximate: [[SearchHit]], _ exact: [[SearchHit]]) -> Double {
    var total = 0.0
    for (a, e) in zip(approximate, exact) {
        guard !e.isEmpty else { total += 1; continue }
        let truth = Set(e.map(\.id))
        total += Double(a.filter { truth.contains($0.id) }.count) / Double(truth.count)
    }
    return total / Double(max(exact.count, 1))
}

/// A small index over clustered data, ids 0..<count.
func makeIndex(count: Int, dim: Int, metric: DistanceMetric, configuration: HNSWConfiguration = .init(efConstruct: 64),
               seed: UInt64 = 7, threads: Int = 1) throws -> (HNSWIndex, [[Float]]) {
    let data = clusteredVectors(count: count, dim: dim, seed: seed)
    let index = try HNSWIndex(dimension: dim, metric: metric, configuration: configuration)
    try index.insert(batch: data.enumerated().map { (UInt32($0.offset), $0.element) }, threads: threads)
    return (index, data)
}

/// Queries near the data (a stored point plus noise), as real queries land near real documents.
func nearbyQueries(_ data: [[Float]], count: Int, noise: Float = 0.3, seed: UInt64) -> [[Float]] {
    var rng = TestRNG(seed: seed)
    return (0..<count).map { _ in
        let base = data[Int(rng.next() % UInt64(data.count))]
        return base.map { $0 + noise * rng.gaussian() }
    }
}
