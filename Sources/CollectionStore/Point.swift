import JSON
import Search

/// A vector as a point carries it: dense or sparse.
public enum VectorValue: Sendable, Equatable {
    case dense([Float])
    case sparse(indices: [UInt32], values: [Float])
    /// A multivector: one or more rows of the space's dimension.
    case multi([[Float]])
}

/// A point to upsert: id, named vectors (the unnamed vector under ""), payload.
public struct PointInput: Sendable, Equatable {
    public var id: PointID
    public var vectors: [String: VectorValue]
    public var payload: [String: JSONValue]

    public init(id: PointID, vectors: [String: VectorValue], payload: [String: JSONValue] = [:]) {
        self.id = id
        self.vectors = vectors
        self.payload = payload
    }
}

/// A stored point as retrieve, scroll and query return it.
public struct PointRecord: Sendable, Equatable {
    public var id: PointID
    public var version: UInt64
    public var score: Float?
    /// Present only when requested.
    public var payload: [String: JSONValue]?
    /// Present only when requested.
    public var vectors: [String: VectorValue]?
    /// The value the point was ordered by (queries with `order_by`).
    public var orderValue: OrderValue? = nil
}

/// Which payload keys a read returns (`with_payload`).
public enum PayloadSelector: Sendable, Equatable {
    case all
    case none
    case include([String])
    case exclude([String])

    func apply(_ payload: [String: JSONValue]) -> [String: JSONValue]? {
        switch self {
        case .all: payload
        case .none: nil
        case .include(let keys): PayloadSelectorTree(keys: keys).include(payload)
        case .exclude(let keys): PayloadSelectorTree(keys: keys).exclude(payload)
        }
    }
}

/// Which vectors a read returns (`with_vector`).
public enum VectorSelector: Sendable, Equatable {
    case all
    case none
    case names([String])

    func includes(_ name: String) -> Bool {
        switch self {
        case .all: true
        case .none: false
        case .names(let names): names.contains(name)
        }
    }
}

/// Checks and normalises a dense vector for a vector space; the error says what is wrong.
func prepareDense(_ vector: [Float], config: DenseVectorConfig, name: String) throws -> [Float] {
    guard vector.count == config.size else {
        throw CollectionError.invalid("Vector dimension error: expected dim: \(config.size), got \(vector.count)")
    }
    guard vector.allSatisfy(\.isFinite) else {
        throw CollectionError.invalid("vector `\(name)` contains NaN or infinite values")
    }
    guard config.distance == .cosine else { return vector }
    // The norm in Double: a Float sum of squares overflows for components past about 1.8e19 and
    // would normalise the vector to zeros or NaN.
    var norm: Double = 0
    for x in vector { norm += Double(x) * Double(x) }
    guard norm > 0, norm.isFinite else {
        throw CollectionError.invalid("vector `\(name)` is a zero vector, which has no direction under Cosine distance")
    }
    let scale = 1 / norm.squareRoot()
    let normalised = vector.map { Float(Double($0) * scale) }
    guard normalised.contains(where: { $0 != 0 }), normalised.allSatisfy(\.isFinite) else {
        throw CollectionError.invalid("vector `\(name)` cannot be normalised for Cosine distance")
    }
    return normalised
}

/// Checks a sparse vector and sorts it by index.
func prepareSparse(indices: [UInt32], values: [Float], name: String) throws -> (indices: [UInt32], values: [Float]) {
    guard indices.count == values.count else {
        throw CollectionError.validation("\(name): indices and values must have the same length (\(indices.count) ≠ \(values.count))")
    }
    guard values.allSatisfy(\.isFinite) else {
        throw CollectionError.validation("\(name): values must be finite numbers")
    }
    let order = indices.indices.sorted { indices[$0] < indices[$1] }
    let sortedIndices = order.map { indices[$0] }
    for i in sortedIndices.indices.dropFirst() where sortedIndices[i] == sortedIndices[i - 1] {
        throw CollectionError.validation("\(name): duplicate index \(sortedIndices[i])")
    }
    return (sortedIndices, order.map { values[$0] })
}
