/// The postings of one term: `(document id, weight)` pairs sorted by id, kept in blocks for pruning.
///
/// Layout (all columns are contiguous, manually managed buffers so a searcher can hold raw pointers
/// to them while it holds the owning index's read lock):
/// - entries: `offsets[i]` (`UInt16`) and `weights[i]` (`Float`), ordered by id;
/// - blocks: block `b` holds entries `blockStart(b) ..< blockEnd[b]` (`blockStart(0) = 0`,
///   `blockStart(b) = blockEnd[b - 1]`); its ids are `blockBase[b] + offsets[i]`, so ids are delta-encoded
///   against the block's base (frame of reference). `blockBase[b]` is ≤ every id of the block (it need not
///   be one of them after a removal); `blockLast[b]` is the largest id; `blockHigh[b]`/`blockLow[b]` are the
///   largest/smallest weight and `blockAux[b]` the smallest auxiliary value (BM25: document length) of the
///   block's entries.
///
/// Invariants: every block has 1…`blockCapacity` entries; ids strictly increase across the whole list;
/// `blockLast[b] − blockBase[b] ≤ UInt16.max`. Appending past the last id is O(1) amortised; inserting or
/// removing in the middle moves the entries after it (one `memmove`) and, when a block overflows, splits
/// only that block.
public final class PostingList {
    /// Most entries a block holds.
    public static let blockCapacity = 128

    @usableFromInline var offsets: UnsafeMutablePointer<UInt16>
    @usableFromInline var weights: UnsafeMutablePointer<Float>
    @usableFromInline var entryCapacity: Int
    /// Number of postings (= document frequency).
    public private(set) var count: Int = 0

    @usableFromInline var blockBase: UnsafeMutablePointer<UInt32>
    @usableFromInline var blockLast: UnsafeMutablePointer<UInt32>
    @usableFromInline var blockEnd: UnsafeMutablePointer<Int32>
    @usableFromInline var blockHigh: UnsafeMutablePointer<Float>
    @usableFromInline var blockLow: UnsafeMutablePointer<Float>
    @usableFromInline var blockAux: UnsafeMutablePointer<Float>
    @usableFromInline var blockCapacityAllocated: Int
    /// Number of blocks.
    public private(set) var blockCount: Int = 0

    public init(reservingEntries entries: Int = 4) {
        entryCapacity = max(entries, 1)
        offsets = .allocate(capacity: entryCapacity)
        weights = .allocate(capacity: entryCapacity)
        blockCapacityAllocated = max(1, (entryCapacity + Self.blockCapacity - 1) / Self.blockCapacity)
        blockBase = .allocate(capacity: blockCapacityAllocated)
        blockLast = .allocate(capacity: blockCapacityAllocated)
        blockEnd = .allocate(capacity: blockCapacityAllocated)
        blockHigh = .allocate(capacity: blockCapacityAllocated)
        blockLow = .allocate(capacity: blockCapacityAllocated)
        blockAux = .allocate(capacity: blockCapacityAllocated)
    }

    deinit {
        offsets.deallocate(); weights.deallocate()
        blockBase.deallocate(); blockLast.deallocate(); blockEnd.deallocate()
        blockHigh.deallocate(); blockLow.deallocate(); blockAux.deallocate()
    }

    /// Largest id in the list, or nil when empty.
    public var lastID: UInt32? { blockCount == 0 ? nil : blockLast[blockCount - 1] }

    @inlinable
    func blockStart(_ b: Int) -> Int { b == 0 ? 0 : Int(blockEnd[b - 1]) }

    /// Bytes held by the entries and block headers (allocated capacity).
    public var allocatedBytes: Int {
        entryCapacity * (MemoryLayout<UInt16>.stride + MemoryLayout<Float>.stride)
            + blockCapacityAllocated * (4 * 3 + 4 * 3)
    }

    // MARK: Growth

    private func reserveEntries(_ needed: Int) {
        guard needed > entryCapacity else { return }
        let newCapacity = max(needed, entryCapacity * 2)
        offsets = Self.grow(offsets, count: count, to: newCapacity)
        weights = Self.grow(weights, count: count, to: newCapacity)
        entryCapacity = newCapacity
    }

    private func reserveBlocks(_ needed: Int) {
        guard needed > blockCapacityAllocated else { return }
        let newCapacity = max(needed, blockCapacityAllocated * 2)
        blockBase = Self.grow(blockBase, count: blockCount, to: newCapacity)
        blockLast = Self.grow(blockLast, count: blockCount, to: newCapacity)
        blockEnd = Self.grow(blockEnd, count: blockCount, to: newCapacity)
        blockHigh = Self.grow(blockHigh, count: blockCount, to: newCapacity)
        blockLow = Self.grow(blockLow, count: blockCount, to: newCapacity)
        blockAux = Self.grow(blockAux, count: blockCount, to: newCapacity)
        blockCapacityAllocated = newCapacity
    }

    private static func grow<T>(_ old: UnsafeMutablePointer<T>, count: Int, to capacity: Int) -> UnsafeMutablePointer<T> {
        let new = UnsafeMutablePointer<T>.allocate(capacity: capacity)
        new.moveInitialize(from: old, count: count)
        old.deallocate()
        return new
    }

    // MARK: Reading

    /// The id of entry `i` that lies in block `b`.
    @inlinable
    func id(at i: Int, block b: Int) -> UInt32 { blockBase[b] &+ UInt32(offsets[i]) }

    /// The index of the first block whose last id is ≥ `id`, or `blockCount` when none is.
    @inlinable
    func firstBlock(atLeast id: UInt32, from start: Int = 0) -> Int {
        var lo = start, hi = blockCount
        while lo < hi {
            let mid = (lo + hi) >> 1
            if blockLast[mid] < id { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Every `(id, weight)` in id order.
    public var entries: [(id: UInt32, weight: Float)] {
        var out: [(id: UInt32, weight: Float)] = []
        out.reserveCapacity(count)
        for b in 0..<blockCount {
            for i in blockStart(b)..<Int(blockEnd[b]) { out.append((id(at: i, block: b), weights[i])) }
        }
        return out
    }

    /// The weight stored for `id`, if present.
    public func weight(of id: UInt32) -> Float? {
        guard let (_, i) = locate(id) else { return nil }
        return weights[i]
    }

    /// (block, entry index) of `id`, if present.
    private func locate(_ id: UInt32) -> (Int, Int)? {
        let b = firstBlock(atLeast: id)
        guard b < blockCount, id >= blockBase[b] else { return nil }
        let target = id - blockBase[b]
        guard target <= UInt32(UInt16.max) else { return nil }
        let t = UInt16(target)
        var lo = blockStart(b), hi = Int(blockEnd[b])
        while lo < hi {
            let mid = (lo + hi) >> 1
            if offsets[mid] < t { lo = mid + 1 } else { hi = mid }
        }
        return lo < Int(blockEnd[b]) && offsets[lo] == t ? (b, lo) : nil
    }

    // MARK: Writing

    /// Adds `(id, weight)`; `id` must exceed every id already present. `aux` is the entry's auxiliary
    /// value (kept as a per-block minimum).
    public func append(id: UInt32, weight: Float, aux: Float) {
        precondition(lastID.map { id > $0 } ?? true, "append out of order")
        reserveEntries(count + 1)
        if blockCount > 0 {
            let b = blockCount - 1
            let size = Int(blockEnd[b]) - blockStart(b)
            if size < Self.blockCapacity, id - blockBase[b] <= UInt32(UInt16.max) {
                offsets[count] = UInt16(id - blockBase[b])
                weights[count] = weight
                count += 1
                blockEnd[b] = Int32(count)
                blockLast[b] = id
                blockHigh[b] = max(blockHigh[b], weight)
                blockLow[b] = min(blockLow[b], weight)
                blockAux[b] = min(blockAux[b], aux)
                return
            }
        }
        reserveBlocks(blockCount + 1)
        let b = blockCount
        offsets[count] = 0
        weights[count] = weight
        count += 1
        blockBase[b] = id; blockLast[b] = id; blockEnd[b] = Int32(count)
        blockHigh[b] = weight; blockLow[b] = weight; blockAux[b] = aux
        blockCount += 1
    }

    /// Adds or replaces `(id, weight)` anywhere in the list. `auxOf` gives the auxiliary value of any id
    /// in the list (used to recompute a block's minimum).
    public func insert(id newID: UInt32, weight: Float, aux: Float, auxOf: (UInt32) -> Float) {
        let id = newID
        if lastID.map({ id > $0 }) ?? true {
            append(id: id, weight: weight, aux: aux)
            return
        }
        if let (b, i) = locate(id) {
            weights[i] = weight
            refreshBlock(b, auxOf: auxOf)
            return
        }
        let b = firstBlock(atLeast: id)  // < blockCount because id ≤ lastID
        let start = blockStart(b), end = Int(blockEnd[b])
        if end - start < Self.blockCapacity, id >= blockBase[b] {
            // Room in the block, and the id fits its frame (id < blockLast, so the offset fits in 16 bits).
            let t = UInt16(id - blockBase[b])
            var i = start
            while i < end, offsets[i] < t { i += 1 }
            reserveEntries(count + 1)
            (offsets + i + 1).moveInitialize(from: offsets + i, count: count - i)
            (weights + i + 1).moveInitialize(from: weights + i, count: count - i)
            offsets[i] = t
            weights[i] = weight
            count += 1
            for j in b..<blockCount { blockEnd[j] += 1 }
            blockHigh[b] = max(blockHigh[b], weight)
            blockLow[b] = min(blockLow[b], weight)
            blockAux[b] = min(blockAux[b], aux)
            return
        }
        // Re-encode block b together with the new entry, splitting it into evenly filled blocks.
        var items: [(UInt32, Float)] = []
        items.reserveCapacity(end - start + 1)
        var placed = false
        for i in start..<end {
            let existing = self.id(at: i, block: b)
            if !placed, id < existing { items.append((id, weight)); placed = true }
            items.append((existing, weights[i]))
        }
        if !placed { items.append((id, weight)) }
        replaceBlock(b, with: items, auxOf: auxOf)
    }

    /// Removes `id`; returns whether it was present.
    @discardableResult
    public func remove(id: UInt32, auxOf: (UInt32) -> Float) -> Bool {
        guard let (b, i) = locate(id) else { return false }
        (offsets + i).moveInitialize(from: offsets + i + 1, count: count - i - 1)
        (weights + i).moveInitialize(from: weights + i + 1, count: count - i - 1)
        count -= 1
        for j in b..<blockCount { blockEnd[j] -= 1 }
        if blockStart(b) == Int(blockEnd[b]) {
            removeBlockHeaders(at: b, count: 1)
        } else {
            refreshBlock(b, auxOf: auxOf)
        }
        return true
    }

    /// Recomputes block `b`'s last id, weight range and auxiliary minimum from its entries.
    private func refreshBlock(_ b: Int, auxOf: (UInt32) -> Float) {
        let start = blockStart(b), end = Int(blockEnd[b])
        var high = -Float.infinity, low = Float.infinity, auxMin = Float.infinity
        for i in start..<end {
            high = max(high, weights[i]); low = min(low, weights[i])
            auxMin = min(auxMin, auxOf(id(at: i, block: b)))
        }
        blockHigh[b] = high; blockLow[b] = low; blockAux[b] = auxMin
        blockLast[b] = id(at: end - 1, block: b)
    }

    private func removeBlockHeaders(at b: Int, count n: Int) {
        let tail = blockCount - b - n
        (blockBase + b).moveInitialize(from: blockBase + b + n, count: tail)
        (blockLast + b).moveInitialize(from: blockLast + b + n, count: tail)
        (blockEnd + b).moveInitialize(from: blockEnd + b + n, count: tail)
        (blockHigh + b).moveInitialize(from: blockHigh + b + n, count: tail)
        (blockLow + b).moveInitialize(from: blockLow + b + n, count: tail)
        (blockAux + b).moveInitialize(from: blockAux + b + n, count: tail)
        blockCount -= n
    }

    /// Replaces block `b` (whose entries are all in `items`, plus at most one new entry) with blocks
    /// encoding `items` in order, filled evenly, each respecting the 16-bit frame.
    private func replaceBlock(_ b: Int, with items: [(UInt32, Float)], auxOf: (UInt32) -> Float) {
        // Cut into groups: a new group starts when the current one is full or the id leaves its frame.
        let groupsNeeded = (items.count + Self.blockCapacity - 1) / Self.blockCapacity
        let target = (items.count + groupsNeeded - 1) / groupsNeeded
        var groups: [Range<Int>] = []
        var groupStart = 0
        for k in 1..<max(items.count, 1) where k - groupStart >= target || items[k].0 - items[groupStart].0 > UInt32(UInt16.max) {
            groups.append(groupStart..<k)
            groupStart = k
        }
        groups.append(groupStart..<items.count)

        let start = blockStart(b)
        let oldEntries = Int(blockEnd[b]) - start
        let delta = items.count - oldEntries  // 0 or 1
        reserveEntries(count + delta)
        if delta != 0 {
            let tailStart = start + oldEntries
            (offsets + tailStart + delta).moveInitialize(from: offsets + tailStart, count: count - tailStart)
            (weights + tailStart + delta).moveInitialize(from: weights + tailStart, count: count - tailStart)
            count += delta
            for j in (b + 1)..<max(blockCount, b + 1) { blockEnd[j] += Int32(delta) }
        }
        // Make room for the extra block headers.
        let extra = groups.count - 1
        reserveBlocks(blockCount + extra)
        if extra > 0 {
            let tail = blockCount - b - 1
            (blockBase + b + 1 + extra).moveInitialize(from: blockBase + b + 1, count: tail)
            (blockLast + b + 1 + extra).moveInitialize(from: blockLast + b + 1, count: tail)
            (blockEnd + b + 1 + extra).moveInitialize(from: blockEnd + b + 1, count: tail)
            (blockHigh + b + 1 + extra).moveInitialize(from: blockHigh + b + 1, count: tail)
            (blockLow + b + 1 + extra).moveInitialize(from: blockLow + b + 1, count: tail)
            (blockAux + b + 1 + extra).moveInitialize(from: blockAux + b + 1, count: tail)
            blockCount += extra
        }
        var position = start
        for (g, group) in groups.enumerated() {
            let block = b + g
            let base = items[group.lowerBound].0
            var high = -Float.infinity, low = Float.infinity, auxMin = Float.infinity
            for k in group {
                offsets[position] = UInt16(items[k].0 - base)
                weights[position] = items[k].1
                high = max(high, items[k].1); low = min(low, items[k].1)
                auxMin = min(auxMin, auxOf(items[k].0))
                position += 1
            }
            blockBase[block] = base
            blockLast[block] = items[group.upperBound - 1].0
            blockEnd[block] = Int32(position)
            blockHigh[block] = high; blockLow[block] = low; blockAux[block] = auxMin
        }
    }

    /// Checks every invariant (for tests); returns a description of the first violation.
    public func validate() -> String? {
        var previous: UInt32? = nil
        var expectedStart = 0
        for b in 0..<blockCount {
            let start = blockStart(b), end = Int(blockEnd[b])
            if start != expectedStart { return "block \(b) starts at \(start), expected \(expectedStart)" }
            if end - start < 1 || end - start > Self.blockCapacity { return "block \(b) has \(end - start) entries" }
            for i in start..<end {
                let value = id(at: i, block: b)
                if let previous, value <= previous { return "ids not increasing at block \(b)" }
                previous = value
            }
            if blockLast[b] != id(at: end - 1, block: b) { return "block \(b) last id wrong" }
            let ws = (start..<end).map { weights[$0] }
            if blockHigh[b] != ws.max()! || blockLow[b] != ws.min()! { return "block \(b) weight range wrong" }
            expectedStart = end
        }
        if expectedStart != count { return "count \(count) ≠ entries \(expectedStart)" }
        return nil
    }
}
