/// Why fusion parameters were rejected (the API maps these to 400/422).
public enum FusionError: Error, Equatable, Sendable, CustomStringConvertible {
    case weightCountMismatch(weights: Int, lists: Int)
    case invalidK(Int)

    public var description: String {
        switch self {
        case let .weightCountMismatch(weights, lists):
            "rrf weights must have one entry per prefetch: got \(weights) weights for \(lists) prefetches"
        case let .invalidK(k): "rrf k must be at least 1, got \(k)"
        }
    }
}

/// Hybrid-search fusion of several ranked lists (pure functions), with Qdrant's formulas.
///
/// Input lists are best first. Output is sorted by fused score descending; Qdrant does not break ties, we
/// break them by lower internal id so results are reproducible. A point that appears in only some lists
/// gets contributions from those lists only. If a point appears twice in one list, its first (best)
/// occurrence counts.
public enum Fusion {
    /// Checks Qdrant's RRF parameter rules: `k ≥ 1`, and when given, one weight per list.
    public static func validate(k: Int, weights: [Float]?, listCount: Int) throws(FusionError) {
        guard k >= 1 else { throw .invalidK(k) }
        if let weights, weights.count != listCount {
            throw .weightCountMismatch(weights: weights.count, lists: listCount)
        }
    }

    /// Reciprocal Rank Fusion: score(p) = Σ_lists 1 / ((pos + 1) / w + k − 1), pos 0-based, which is
    /// Σ 1/(k + pos) with the default weights of 1. A weight ≤ 0 contributes nothing. Input scores are
    /// ignored. Call `validate` first; a missing weight counts as 1 and `k` below 1 is treated as 1.
    public static func rrf(_ lists: [[SearchHit]], k: Int = 2, weights: [Float]? = nil, limit: Int) -> [SearchHit] {
        let k = Double(max(k, 1))
        var fused: [UInt32: Double] = [:]
        for (l, list) in lists.enumerated() {
            let weight = Double(weights.flatMap { l < $0.count ? $0[l] : nil } ?? 1)
            var seen = Set<UInt32>(minimumCapacity: list.count)
            for (position, hit) in list.enumerated() where seen.insert(hit.id).inserted {
                let contribution = weight > 0 ? 1 / (Double(position + 1) / weight + k - 1) : 0
                fused[hit.id, default: 0] += contribution
            }
        }
        return ranked(fused, limit: limit)
    }

    /// Distribution-Based Score Fusion: each list's scores are normalised with its mean μ and sample standard
    /// deviation σ (n − 1) as s' = (s − (μ − 3σ)) / (6σ), not clamped; a one-element list or σ = 0 gives 0.5;
    /// empty lists are skipped. The fused score is the sum of the normalised scores.
    ///
    /// `higherIsBetter[l] == false` marks a list whose scores are distances (Euclid: lower is better, still
    /// ordered best first); its scores are negated before normalising so a closer point contributes more,
    /// as Qdrant's internal (higher-is-better) scores do. Default: every list is higher-is-better.
    public static func dbsf(_ lists: [[SearchHit]], higherIsBetter: [Bool]? = nil, limit: Int) -> [SearchHit] {
        var fused: [UInt32: Double] = [:]
        for (l, list) in lists.enumerated() where !list.isEmpty {
            let sign: Double = (higherIsBetter.flatMap { l < $0.count ? $0[l] : nil } ?? true) ? 1 : -1
            // Welford's running mean and variance.
            var mean = 0.0, m2 = 0.0
            for (n, hit) in list.enumerated() {
                let x = sign * Double(hit.score)
                let delta = x - mean
                mean += delta / Double(n + 1)
                m2 += delta * (x - mean)
            }
            let sigma = list.count > 1 ? (m2 / Double(list.count - 1)).squareRoot() : 0
            var seen = Set<UInt32>(minimumCapacity: list.count)
            for hit in list where seen.insert(hit.id).inserted {
                let normalised = sigma > 0 ? (sign * Double(hit.score) - (mean - 3 * sigma)) / (6 * sigma) : 0.5
                fused[hit.id, default: 0] += normalised
            }
        }
        return ranked(fused, limit: limit)
    }

    private static func ranked(_ fused: [UInt32: Double], limit: Int) -> [SearchHit] {
        guard limit > 0 else { return [] }
        let hits = fused.map { (id: $0.key, score: $0.value) }
            .sorted { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }
        return hits.prefix(limit).map { SearchHit(id: $0.id, score: Float($0.score)) }
    }
}
