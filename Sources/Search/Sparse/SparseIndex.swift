import Foundation

/// How query weights are adjusted before scoring (Qdrant's `modifier` of a sparse vector space).
public enum SparseModifier: String, Sendable, Codable, CaseIterable {
    /// Score = Σ query weight × stored weight.
    case none
    /// Each query weight is multiplied by idf = ln((N − df + 0.5)/(df + 0.5) + 1), with N the number of
    /// stored vectors and df the number of them that have the index (live statistics).
    case idf
}

/// An in-memory inverted index of sparse vectors with Qdrant's scoring semantics.
///
/// - Score of a point = Σ over indices shared with the query of query weight × stored weight (query weights
///   scaled by idf under `.idf`), summed in `Double`, reported as `Float`.
/// - Only points sharing at least one index with the query are returned; ties go to the lower internal id.
/// - Search is exact top-k with block-max MaxScore pruning (`BlockMaxSearch`).
/// - Thread safety: any number of concurrent searches, mutations serialised behind a write lock.
/// - Persistence: `vector(id:)` / `documents()` give back what was stored; `init(modifier:documents:)`
///   rebuilds from them by appending in id order (no per-entry searching).
public final class SparseIndex: @unchecked Sendable {
    public let modifier: SparseModifier
    private let lock = ReadWriteLock()
    /// Term (sparse dimension) → its postings; no empty lists are kept.
    private var postings: [UInt32: PostingList] = [:]
    /// Stored vector of each internal id (nil: absent).
    private var vectors: [SparseVector?] = []
    private var stored = 0

    public init(modifier: SparseModifier = .none) {
        self.modifier = modifier
    }

    /// Bulk restore: `documents` may come in any order; a later duplicate id replaces an earlier one.
    public convenience init(modifier: SparseModifier = .none, documents: [(UInt32, SparseVector)]) {
        self.init(modifier: modifier)
        var latest: [UInt32: SparseVector] = [:]
        latest.reserveCapacity(documents.count)
        for (id, vector) in documents { latest[id] = vector }
        let ids = latest.keys.sorted()
        if let maxID = ids.last { vectors = [SparseVector?](repeating: nil, count: Int(maxID) + 1) }
        for id in ids {
            let vector = latest[id]!
            vectors[Int(id)] = vector
            stored += 1
            for (term, weight) in zip(vector.indices, vector.values) {
                list(for: term).append(id: id, weight: weight, aux: 0)
            }
        }
    }

    private func list(for term: UInt32) -> PostingList {
        if let existing = postings[term] { return existing }
        let created = PostingList()
        postings[term] = created
        return created
    }

    /// Number of stored vectors.
    public var count: Int { lock.withReadLock { stored } }

    /// Number of distinct indices (terms) present.
    public var termCount: Int { lock.withReadLock { postings.count } }

    /// Whether a vector is stored for `id`.
    public func contains(id: UInt32) -> Bool {
        lock.withReadLock { Int(id) < vectors.count && vectors[Int(id)] != nil }
    }

    /// The vector stored for `id`.
    public func vector(id: UInt32) -> SparseVector? {
        lock.withReadLock { Int(id) < vectors.count ? vectors[Int(id)] : nil }
    }

    /// Calls `body` with every stored `(id, vector)` in id order, under the read lock (no copy).
    func forEachStored(_ body: (UInt32, SparseVector) -> Void) {
        lock.withReadLock {
            for (i, vector) in vectors.enumerated() { if let vector { body(UInt32(i), vector) } }
        }
    }

    /// Every stored `(id, vector)` in id order (for snapshots).
    public func documents() -> [(UInt32, SparseVector)] {
        lock.withReadLock {
            vectors.enumerated().compactMap { entry in entry.element.map { (UInt32(entry.offset), $0) } }
        }
    }

    /// Stores `vector` for `id`, replacing what `id` had.
    public func upsert(id: UInt32, vector: SparseVector) {
        lock.withWriteLock {
            _ = removeLocked(id)
            if Int(id) >= vectors.count {
                vectors.append(contentsOf: repeatElement(nil, count: Int(id) + 1 - vectors.count))
            }
            vectors[Int(id)] = vector
            stored += 1
            for (term, weight) in zip(vector.indices, vector.values) {
                list(for: term).insert(id: id, weight: weight, aux: 0, auxOf: { _ in 0 })
            }
        }
    }

    /// Removes `id`; returns whether it was stored.
    @discardableResult
    public func remove(id: UInt32) -> Bool {
        lock.withWriteLock { removeLocked(id) }
    }

    private func removeLocked(_ id: UInt32) -> Bool {
        guard Int(id) < vectors.count, let old = vectors[Int(id)] else { return false }
        for term in old.indices {
            guard let list = postings[term] else { continue }
            list.remove(id: id, auxOf: { _ in 0 })
            if list.count == 0 { postings[term] = nil }
        }
        vectors[Int(id)] = nil
        stored -= 1
        return true
    }

    /// Bytes held by the postings (allocated), not counting the stored vectors.
    public var postingBytes: Int {
        lock.withReadLock { postings.values.reduce(0) { $0 + $1.allocatedBytes } }
    }

    /// The top `limit` points for `query`, best first (exact, pruned).
    public func search<F: CandidateFilter>(_ query: SparseVector, limit: Int, filter: F) -> [SearchHit] {
        lock.withReadLock {
            BlockMaxSearch.topK(queryTerms(query), model: DotProductModel(), limit: limit, filter: filter)
        }
    }

    public func search(_ query: SparseVector, limit: Int) -> [SearchHit] {
        search(query, limit: limit, filter: NoFilter())
    }

    /// The same result as `search`, by scoring every posting (reference for tests).
    public func searchExhaustive<F: CandidateFilter>(_ query: SparseVector, limit: Int, filter: F) -> [SearchHit] {
        lock.withReadLock {
            BlockMaxSearch.exhaustive(queryTerms(query), model: DotProductModel(), limit: limit, filter: filter)
        }
    }

    /// The idf of `term` under the current statistics.
    public func idf(term: UInt32) -> Float {
        lock.withReadLock { idfLocked(df: postings[term]?.count ?? 0) }
    }

    private func idfLocked(df: Int) -> Float {
        let n = Double(stored), d = Double(df)
        return Float(log((n - d + 0.5) / (d + 0.5) + 1))
    }

    private func queryTerms(_ query: SparseVector) -> [WeightedPostings] {
        var terms: [WeightedPostings] = []
        terms.reserveCapacity(query.count)
        for (term, value) in zip(query.indices, query.values) {
            guard let list = postings[term] else { continue }
            let weight = modifier == .idf ? value * idfLocked(df: list.count) : value
            terms.append(WeightedPostings(postings: list, weight: weight))
        }
        return terms
    }
}
