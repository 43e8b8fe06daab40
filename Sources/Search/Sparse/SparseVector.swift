/// Why a sparse vector was rejected. The API layer maps these to 400/422 and stores nothing.
///
/// Negative indices cannot be represented (`indices` are `UInt32`): the wire layer must reject a negative
/// (or non-integer, or > 4,294,967,295) index while decoding JSON, before a `SparseVector` exists.
public enum SparseVectorError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `indices` and `values` have different lengths.
    case lengthMismatch(indices: Int, values: Int)
    /// An index occurs more than once.
    case duplicateIndex(UInt32)
    /// A weight is NaN or ±infinity (`position` is its place in `values`).
    case nonFiniteValue(position: Int)

    public var description: String {
        switch self {
        case let .lengthMismatch(indices, values):
            "sparse vector has \(indices) indices but \(values) values; they must have the same length"
        case let .duplicateIndex(index):
            "sparse vector index \(index) occurs more than once"
        case let .nonFiniteValue(position):
            "sparse vector value at position \(position) is not a finite number"
        }
    }
}

/// A sparse vector in Qdrant's form: parallel `indices` and `values`.
///
/// Invariants (checked by `init(indices:values:)`): equal lengths, no index twice, every value finite.
/// The pairs keep the caller's order (`sorted()` gives them by index); an empty vector is valid and matches
/// nothing.
public struct SparseVector: Sendable, Hashable {
    public let indices: [UInt32]
    public let values: [Float]

    public init(indices: [UInt32], values: [Float]) throws(SparseVectorError) {
        guard indices.count == values.count else {
            throw .lengthMismatch(indices: indices.count, values: values.count)
        }
        for (position, value) in values.enumerated() where !value.isFinite {
            throw .nonFiniteValue(position: position)
        }
        if indices.count > 1 {
            var seen = Set<UInt32>(minimumCapacity: indices.count)
            for index in indices where !seen.insert(index).inserted { throw .duplicateIndex(index) }
        }
        self.indices = indices
        self.values = values
    }

    /// Builds from already validated parts (restores from storage).
    init(unchecked indices: [UInt32], values: [Float]) {
        self.indices = indices
        self.values = values
    }

    /// Number of non-zero entries stored.
    public var count: Int { indices.count }

    /// The same vector with its pairs ordered by index.
    public func sorted() -> SparseVector {
        let order = indices.indices.sorted { indices[$0] < indices[$1] }
        return SparseVector(unchecked: order.map { indices[$0] }, values: order.map { values[$0] })
    }

    /// Dot product over the shared indices (the reference for the index's scores).
    public func dot(_ other: SparseVector) -> Double {
        var lookup: [UInt32: Float] = [:]
        for (i, v) in zip(other.indices, other.values) { lookup[i] = v }
        var sum = 0.0
        for (i, v) in zip(indices, values) { if let w = lookup[i] { sum += Double(v * w) } }
        return sum
    }
}
