/// Decides which internal ids a search may return.
///
/// Engines take the filter as a generic parameter (`NoFilter` by default), so the unfiltered inner
/// loop is specialised with the check compiled away, and a filtered one costs one bit test.
public protocol CandidateFilter: Sendable {
    /// True when `id` may appear in the results.
    func allows(_ id: UInt32) -> Bool
    /// How many ids are allowed, if known (used to choose exact search over graph search).
    var allowedCount: Int? { get }
}

/// The filter that allows everything.
public struct NoFilter: CandidateFilter {
    @inlinable public init() {}
    @inlinable public func allows(_ id: UInt32) -> Bool { true }
    @inlinable public var allowedCount: Int? { nil }
}

/// A bitset over internal ids: bit `i` set means id `i` is allowed.
///
/// Invariant: `words.count == (capacity + 63) / 64`; bits at or past `capacity` are zero, and
/// ids at or past `capacity` are not allowed.
public struct AllowList: CandidateFilter, Equatable {
    public private(set) var words: [UInt64]
    public let capacity: Int
    public private(set) var count: Int

    /// An empty list for ids `0..<capacity`.
    public init(capacity: Int) {
        precondition(capacity >= 0, "capacity must be ≥ 0")
        self.capacity = capacity
        self.words = [UInt64](repeating: 0, count: (capacity + 63) / 64)
        self.count = 0
    }

    /// A list holding exactly `ids` (each must be `< capacity`).
    public init<S: Sequence>(capacity: Int, ids: S) where S.Element == UInt32 {
        self.init(capacity: capacity)
        for id in ids { insert(id) }
    }

    @inlinable
    public func allows(_ id: UInt32) -> Bool {
        let index = Int(id)
        guard index < capacity else { return false }
        return words.withUnsafeBufferPointer { $0[index &>> 6] & (1 &<< UInt64(index & 63)) != 0 }
    }

    public var allowedCount: Int? { count }

    public mutating func insert(_ id: UInt32) {
        let index = Int(id)
        precondition(index < capacity, "id \(id) outside allow-list capacity \(capacity)")
        let mask: UInt64 = 1 << UInt64(index & 63)
        if words[index >> 6] & mask == 0 {
            words[index >> 6] |= mask
            count += 1
        }
    }

    public mutating func remove(_ id: UInt32) {
        let index = Int(id)
        guard index < capacity else { return }
        let mask: UInt64 = 1 << UInt64(index & 63)
        if words[index >> 6] & mask != 0 {
            words[index >> 6] &= ~mask
            count -= 1
        }
    }

    /// Keeps only ids allowed by both lists.
    public mutating func formIntersection(_ other: AllowList) {
        count = 0
        for i in words.indices {
            words[i] &= i < other.words.count ? other.words[i] : 0
            count += words[i].nonzeroBitCount
        }
    }

    /// Adds every id allowed by `other` (ids past this list's capacity are ignored).
    public mutating func formUnion(_ other: AllowList) {
        count = 0
        for i in words.indices {
            if i < other.words.count { words[i] |= other.words[i] }
            if i == words.count - 1, capacity & 63 != 0 { words[i] &= (1 << UInt64(capacity & 63)) - 1 }
            count += words[i].nonzeroBitCount
        }
    }

    /// Allows exactly the ids this list did not (within capacity).
    public mutating func invert() {
        count = 0
        for i in words.indices {
            words[i] = ~words[i]
            if i == words.count - 1, capacity & 63 != 0 { words[i] &= (1 << UInt64(capacity & 63)) - 1 }
            count += words[i].nonzeroBitCount
        }
    }

    /// The allowed ids in increasing order.
    public var ids: [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(count)
        for (w, word) in words.enumerated() {
            var bits = word
            while bits != 0 {
                let bit = bits.trailingZeroBitCount
                out.append(UInt32(w * 64 + bit))
                bits &= bits - 1
            }
        }
        return out
    }
}
