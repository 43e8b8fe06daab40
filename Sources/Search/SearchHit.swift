/// One result of a retrieval: an engine-internal point id and its score.
///
/// Scores follow Qdrant's conventions so that every layer above can pass them through:
/// for `cosine` and `dot` (and sparse/BM25) higher is better; for `euclid` the score is the
/// Euclidean distance and lower is better. Result lists are always ordered best first.
public struct SearchHit: Sendable, Hashable {
    /// Dense internal id (0-based `UInt32`); the collection keeps the map to external ids.
    public var id: UInt32
    public var score: Float

    @inlinable
    public init(id: UInt32, score: Float) {
        self.id = id
        self.score = score
    }
}

/// The distance a dense vector space is searched with (Qdrant's `Cosine`, `Dot`, `Euclid`).
public enum DistanceMetric: String, Sendable, CaseIterable, Codable {
    /// Vectors are stored unit-normalised and scored by dot product (higher is better); zero vectors are rejected.
    case cosine
    /// Raw dot product, higher is better.
    case dot
    /// Euclidean distance, lower is better.
    case euclid

    /// Whether a larger score is a better match.
    @inlinable
    public var higherIsBetter: Bool { self != .euclid }
}
