import Search

// TEMPORARY: delegates to Search's fusion once the sparse/fusion branch merges.
enum ScoreFusion {
    static func rrf(_ lists: [[SearchHit]], k: Int, weights: [Float]?, limit: Int) -> [SearchHit] {
        var scores: [UInt32: Float] = [:]
        for (l, list) in lists.enumerated() {
            let w = weights?[l] ?? 1
            guard w > 0 else { continue }
            for (pos, hit) in list.enumerated() { scores[hit.id, default: 0] += 1 / (Float(pos + 1) / w + Float(k) - 1) }
        }
        return topHits(scores.map { SearchHit(id: $0.key, score: $0.value) }, limit: limit, higherIsBetter: true)
    }

    static func dbsf(_ lists: [[SearchHit]], limit: Int) -> [SearchHit] {
        var scores: [UInt32: Float] = [:]
        for list in lists where !list.isEmpty {
            let n = Float(list.count)
            let mean = list.reduce(0) { $0 + $1.score } / n
            let variance = list.count > 1 ? list.reduce(0) { $0 + ($1.score - mean) * ($1.score - mean) } / (n - 1) : 0
            let sigma = variance.squareRoot()
            for hit in list {
                let normalised = sigma == 0 ? 0.5 : (hit.score - (mean - 3 * sigma)) / (6 * sigma)
                scores[hit.id, default: 0] += normalised
            }
        }
        return topHits(scores.map { SearchHit(id: $0.key, score: $0.value) }, limit: limit, higherIsBetter: true)
    }
}
