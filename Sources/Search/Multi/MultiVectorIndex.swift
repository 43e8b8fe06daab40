import CSIMD

/// Why a multivector was rejected.
public enum MultiVectorError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case wrongDimension(expected: Int, actual: Int)
    case nonFinite
    case zeroVector

    public var description: String {
        switch self {
        case .empty: "a multivector needs at least one vector"
        case .wrongDimension(let expected, let actual): "Vector dimension error: expected dim: \(expected), got \(actual)"
        case .nonFinite: "a multivector contains NaN or infinite values"
        case .zeroVector: "a multivector holds a zero vector, which has no direction under Cosine distance"
        }
    }
}

/// Multivectors (ColBERT-style late interaction) scored exactly by MaxSim, Qdrant's `max_sim`.
///
/// A point holds one or more vectors of `dimension` floats. The similarity of a query matrix Q to a
/// point's matrix D is Σ over q ∈ Q of max over d ∈ D of sim(q, d), where sim is the dot product
/// (rows are unit-normalised under cosine) or, under Euclid, the negated squared distance. Results
/// are reported as Qdrant reports them: the sum (higher is better) for cosine and dot; under Euclid
/// √|sum| (lower is better).
///
/// Search is a full scan, O(points × |Q| × |D| × dimension): the shape Qdrant recommends for
/// multivectors anyway (re-scoring a prefetch's candidates, `hnsw_config.m = 0`).
///
/// Thread safety: any number of concurrent readers; mutations behind a write lock.
public final class MultiVectorIndex: @unchecked Sendable {
    public let dimension: Int
    public let metric: DistanceMetric
    private let lock = ReadWriteLock()
    /// Each id's rows, flattened (`count × dimension` floats; prepared: normalised under cosine).
    private var rows: [[Float]?] = []
    private var stored = 0

    public init(dimension: Int, metric: DistanceMetric) {
        self.dimension = max(1, dimension)
        self.metric = metric
    }

    /// Live multivectors.
    public var count: Int { lock.withReadLock { stored } }

    /// Checks and flattens a matrix: non-empty, every row `dimension` long and finite; under cosine
    /// every row unit-normalised (a zero row is refused).
    public func prepare(_ matrix: [[Float]]) throws(MultiVectorError) -> [Float] {
        guard !matrix.isEmpty else { throw .empty }
        var flat: [Float] = []
        flat.reserveCapacity(matrix.count * dimension)
        for row in matrix {
            guard row.count == dimension else { throw .wrongDimension(expected: dimension, actual: row.count) }
            guard row.allSatisfy(\.isFinite) else { throw .nonFinite }
            if metric == .cosine {
                var norm: Double = 0
                for x in row { norm += Double(x) * Double(x) }
                guard norm > 0, norm.isFinite else { throw .zeroVector }
                let scale = 1 / norm.squareRoot()
                flat += row.map { Float(Double($0) * scale) }
            } else {
                flat += row
            }
        }
        return flat
    }

    /// Stores (or replaces) `id`'s multivector.
    public func upsert(id: UInt32, matrix: [[Float]]) throws(MultiVectorError) {
        let flat = try prepare(matrix)
        lock.withWriteLock {
            let slot = Int(id)
            if slot >= rows.count { rows.append(contentsOf: repeatElement(nil, count: slot + 1 - rows.count)) }
            if rows[slot] == nil { stored += 1 }
            rows[slot] = flat
        }
    }

    public func remove(id: UInt32) {
        lock.withWriteLock {
            let slot = Int(id)
            guard slot < rows.count, rows[slot] != nil else { return }
            rows[slot] = nil
            stored -= 1
        }
    }

    public func contains(id: UInt32) -> Bool {
        lock.withReadLock { Int(id) < rows.count && rows[Int(id)] != nil }
    }

    /// The stored (prepared) rows of `id`.
    public func matrix(id: UInt32) -> [[Float]]? {
        lock.withReadLock {
            guard Int(id) < rows.count, let flat = rows[Int(id)] else { return nil }
            return stride(from: 0, to: flat.count, by: dimension).map { Array(flat[$0..<($0 + dimension)]) }
        }
    }

    /// The core MaxSim of two prepared matrices (see `prepare`): higher is closer.
    public func coreSimilarity(_ query: [[Float]], _ document: [[Float]]) -> Float {
        let q = query.flatMap { $0 }, d = document.flatMap { $0 }
        return q.withUnsafeBufferPointer { qp in d.withUnsafeBufferPointer { maxSim(qp, $0) } }
    }

    /// Σ over query rows of the best row similarity (the core score; higher is closer).
    private func maxSim(_ query: UnsafeBufferPointer<Float>, _ document: UnsafeBufferPointer<Float>) -> Float {
        guard let q = query.baseAddress, let d = document.baseAddress else { return 0 }
        let dim = dimension, l2 = metric == .euclid
        var sum: Float = 0
        for i in stride(from: 0, to: query.count, by: dim) {
            var best = -Float.infinity
            for j in stride(from: 0, to: document.count, by: dim) {
                let s = l2 ? -csimd_l2sq_f32(q + i, d + j, dim) : csimd_dot_f32(q + i, d + j, dim)
                if s > best { best = s }
            }
            sum += best
        }
        return sum
    }

    /// The `limit` nearest stored multivectors to `query` allowed by `filter`, best first.
    public func search<F: CandidateFilter>(_ query: [[Float]], limit: Int, filter: F) throws(MultiVectorError) -> [SearchHit] {
        let prepared = try prepare(query)
        var best = TopScores(limit: limit)
        prepared.withUnsafeBufferPointer { q in
            forEachStored(filter) { id, document in best.offer(id, maxSim(q, document)) }
        }
        let hits = best.hits
        guard metric == .euclid else { return hits }
        return hits.map { SearchHit(id: $0.id, score: abs($0.score).squareRoot()) }
    }

    /// Like `HNSWIndex.scoreByExamples`: `score` gets each point's core MaxSim to every example.
    public func scoreByExamples<F: CandidateFilter>(
        _ examples: [[[Float]]], limit: Int, filter: F, score: (UnsafeBufferPointer<Float>) -> Float
    ) throws(MultiVectorError) -> [SearchHit] {
        var prepared: [[Float]] = []
        for example in examples { prepared.append(try prepare(example)) }
        var best = TopScores(limit: limit)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: max(prepared.count, 1)) { similarities in
            forEachStored(filter) { id, document in
                for (e, example) in prepared.enumerated() {
                    similarities[e] = example.withUnsafeBufferPointer { maxSim($0, document) }
                }
                best.offer(id, score(UnsafeBufferPointer(rebasing: similarities[0..<prepared.count])))
            }
        }
        return best.hits
    }

    private func forEachStored<F: CandidateFilter>(_ filter: F, _ body: (UInt32, UnsafeBufferPointer<Float>) -> Void) {
        lock.withReadLock {
            for (i, flat) in rows.enumerated() {
                guard let flat, filter.allows(UInt32(i)) else { continue }
                flat.withUnsafeBufferPointer { body(UInt32(i), $0) }
            }
        }
    }
}
