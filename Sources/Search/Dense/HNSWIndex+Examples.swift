import CSIMD

extension HNSWIndex {
    /// Qdrant's core similarity of a prepared query to a stored vector: the dot product (cosine
    /// vectors are unit length) or, under Euclid, the negated squared distance. Higher is closer.
    @inline(__always) func coreSimilarity(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>) -> Float {
        -distance(a, b)
    }

    /// The `limit` live points allowed by `filter` with the highest `score`, best first: a full scan
    /// that gives `score` each point's core similarity (see `coreSimilarity`) to every example, in
    /// the examples' order. This ranks Qdrant's example-based queries (recommend `best_score` and
    /// `sum_scores`, discovery, context), whose scores are no distance an HNSW graph can walk.
    /// Examples are prepared like queries (checked, unit-normalised under cosine). Hits carry the
    /// score as it is; ties go to the lower id.
    public func scoreByExamples<F: CandidateFilter>(
        _ examples: [[Float]], limit: Int, filter: F, score: (UnsafeBufferPointer<Float>) -> Float
    ) throws -> [SearchHit] {
        guard limit > 0 else { throw VectorError.invalidLimit(limit) }
        var flat: [Float] = []
        flat.reserveCapacity(examples.count * dimension)
        for example in examples { flat += try prepare(example) }
        let bound = state.pointee.idBound
        var best = TopScores(limit: limit)
        let count = examples.count, dim = dimension
        flat.withUnsafeBufferPointer { prepared in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: max(count, 1)) { similarities in
                for i in 0..<bound {
                    let id = UInt32(i)
                    guard store.hasSlot(id), store.isLive(id), filter.allows(id) else { continue }
                    let stored = store.vector(id)
                    for e in 0..<count {
                        // Non-empty when count > 0: one prepared example per `dim` floats.
                        similarities[e] = coreSimilarity(prepared.baseAddress! + e * dim, stored)
                    }
                    best.offer(id, score(UnsafeBufferPointer(rebasing: similarities[0..<count])))
                }
            }
        }
        return best.hits
    }
}

/// The `limit` highest scores seen, kept in a min-heap (ties: the lower id wins, as ids arrive in
/// ascending order and a later equal score never displaces an earlier one). NaN scores are dropped.
public struct TopScores {
    private var heap: [SearchHit] = []
    public let limit: Int

    public init(limit: Int) {
        self.limit = max(0, limit)
        heap.reserveCapacity(self.limit)
    }

    /// Whether `a` ranks below `b` (lower score, or equal score and higher id).
    @inline(__always) private static func worse(_ a: SearchHit, _ b: SearchHit) -> Bool {
        a.score < b.score || (a.score == b.score && a.id > b.id)
    }

    public mutating func offer(_ id: UInt32, _ score: Float) {
        guard limit > 0, !score.isNaN else { return }
        let hit = SearchHit(id: id, score: score)
        if heap.count < limit {
            heap.append(hit)
            var child = heap.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard Self.worse(heap[child], heap[parent]) else { break }
                heap.swapAt(child, parent)
                child = parent
            }
        } else if Self.worse(heap[0], hit) {
            heap[0] = hit
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var worst = parent
                if left < heap.count, Self.worse(heap[left], heap[worst]) { worst = left }
                if right < heap.count, Self.worse(heap[right], heap[worst]) { worst = right }
                if worst == parent { break }
                heap.swapAt(parent, worst)
                parent = worst
            }
        }
    }

    /// Best first.
    public var hits: [SearchHit] { heap.sorted { Self.worse($1, $0) } }
}
