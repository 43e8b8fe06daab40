/// How a stored posting weight becomes a score contribution, and how a block summary bounds it.
///
/// Contract (what pruning relies on): for every entry of a block with summary `(high, low, aux)`,
/// `score(q, weight, doc) ≤ bound(q, high, low, aux)` up to float rounding (the searcher widens every bound
/// by a relative 1e-6 to absorb it). Contributions of all query terms are summed in `Double` and the total is
/// rounded to `Float` once, so a document's score does not depend on the order terms were visited in.
public protocol ImpactModel {
    /// The contribution of a posting with stored `weight` in document `doc`, for query term weight `q`.
    func score(q: Float, weight: Float, doc: UInt32) -> Float
    /// An upper bound of `score` over a block whose weights lie in `low...high` and whose auxiliary values
    /// are all ≥ `aux`. It may be negative (sparse vectors with negative weights).
    func bound(q: Float, high: Float, low: Float, aux: Float) -> Float
    /// True when every contribution of the block is ≥ 0 (then skipping the block can only lower a partial
    /// score, which block skipping relies on).
    func isNonNegative(q: Float, high: Float, low: Float) -> Bool
}

/// Sparse-vector dot product: contribution = query weight × stored weight.
public struct DotProductModel: ImpactModel {
    @inlinable public init() {}

    @inlinable @inline(__always)
    public func score(q: Float, weight: Float, doc: UInt32) -> Float { q * weight }

    @inlinable @inline(__always)
    public func bound(q: Float, high: Float, low: Float, aux: Float) -> Float { q >= 0 ? q * high : q * low }

    @inlinable @inline(__always)
    public func isNonNegative(q: Float, high: Float, low: Float) -> Bool { q >= 0 ? low >= 0 : high <= 0 }
}

/// Lucene BM25 with exact document lengths: contribution = idf · tf / (tf + k1·(1 − b + b·dl/avgdl)).
///
/// The stored weight is the term frequency; `aux` is the document length; `q` is idf times the number of
/// times the term occurs in the query. `lengths` must stay valid while the model is used (the index holds
/// its read lock during a search).
public struct BM25Model: ImpactModel {
    /// `k1 · (1 − b)`.
    @usableFromInline let constantPart: Float
    /// `k1 · b / avgdl`.
    @usableFromInline let lengthPart: Float
    @usableFromInline let lengths: UnsafePointer<Float>

    @inlinable
    public init(k1: Float, b: Float, averageLength: Float, lengths: UnsafePointer<Float>) {
        constantPart = k1 * (1 - b)
        lengthPart = averageLength > 0 ? k1 * b / averageLength : 0
        self.lengths = lengths
    }

    @inlinable @inline(__always)
    public func score(q: Float, weight: Float, doc: UInt32) -> Float {
        let norm = constantPart + lengthPart * lengths[Int(doc)]
        return q * (weight / (weight + norm))
    }

    @inlinable @inline(__always)
    public func bound(q: Float, high: Float, low: Float, aux: Float) -> Float {
        let norm = constantPart + lengthPart * aux
        return q * (high / (high + norm))
    }

    @inlinable @inline(__always)
    public func isNonNegative(q: Float, high: Float, low: Float) -> Bool { q >= 0 }
}
