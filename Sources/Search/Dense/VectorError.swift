/// A vector the caller passed cannot be stored or searched with. Every case is the caller's fault
/// (an HTTP layer maps them to 400) and nothing stored changes when one is thrown.
public enum VectorError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The vector has `actual` components but the index holds `expected`-dimensional vectors.
    case wrongDimension(expected: Int, actual: Int)
    /// Component `index` is NaN or ±infinity.
    case nonFinite(index: Int)
    /// An all-zero vector cannot be normalised for cosine distance.
    case zeroVector
    /// `limit` (or `ef`) must be positive.
    case invalidLimit(Int)
    /// An id at or past `HNSWConfiguration.maxElements`.
    case idOutOfRange(id: UInt32, maxElements: Int)
    /// The index cannot be built with these parameters (dimension, m, quantization …).
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .wrongDimension(let expected, let actual):
            return "wrong vector dimension: expected \(expected), got \(actual)"
        case .nonFinite(let index):
            return "vector component \(index) is NaN or infinite"
        case .zeroVector:
            return "a zero vector cannot be used with cosine distance"
        case .invalidLimit(let limit):
            return "limit must be positive, got \(limit)"
        case .idOutOfRange(let id, let maxElements):
            return "point id \(id) is outside the index capacity of \(maxElements) points"
        case .invalidConfiguration(let problems):
            return "invalid index configuration: \(problems)"
        }
    }
}
