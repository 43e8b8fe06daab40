/// A least-recently-used map from cache keys to vectors, bounded by bytes.
///
/// Entries live in an array of slots linked into a doubly linked recency list by index (head = most
/// recent); a dictionary maps keys to slots; freed slots are reused. `bytes` is the sum of every
/// entry's `cost` and never exceeds `capacityBytes` after a `put` returns (an entry larger than the
/// whole budget is not kept).
struct LRUCache {
    struct Entry {
        var vector: [Float]
        var createdAt: Double
    }

    private struct Slot {
        var key: EmbeddingCacheKey
        var entry: Entry
        var previous: Int
        var next: Int
    }

    /// Bytes charged per entry besides the vector (key, slot, dictionary entry).
    static let overheadBytes = 128

    let capacityBytes: Int
    private(set) var bytes = 0
    private var slots: [Slot] = []
    private var freeSlots: [Int] = []
    private var index: [EmbeddingCacheKey: Int] = [:]
    private var head = -1
    private var tail = -1

    init(capacityBytes: Int) { self.capacityBytes = capacityBytes }

    var count: Int { index.count }

    static func cost(_ vector: [Float]) -> Int { vector.count * 4 + overheadBytes }

    /// The entry for `key`, which becomes the most recent.
    mutating func get(_ key: EmbeddingCacheKey) -> Entry? {
        guard let slot = index[key] else { return nil }
        moveToFront(slot)
        return slots[slot].entry
    }

    mutating func put(_ key: EmbeddingCacheKey, vector: [Float], createdAt: Double) {
        let cost = Self.cost(vector)
        remove(key)
        guard cost <= capacityBytes else { return }
        while bytes + cost > capacityBytes, tail >= 0 { remove(slots[tail].key) }
        let slot: Int
        let fresh = Slot(key: key, entry: Entry(vector: vector, createdAt: createdAt), previous: -1, next: head)
        if let reused = freeSlots.popLast() {
            slot = reused
            slots[slot] = fresh
        } else {
            slot = slots.count
            slots.append(fresh)
        }
        if head >= 0 { slots[head].previous = slot }
        head = slot
        if tail < 0 { tail = slot }
        index[key] = slot
        bytes += cost
    }

    mutating func remove(_ key: EmbeddingCacheKey) {
        guard let slot = index.removeValue(forKey: key) else { return }
        unlink(slot)
        bytes -= Self.cost(slots[slot].entry.vector)
        slots[slot].entry.vector = []
        freeSlots.append(slot)
    }

    /// Removes every entry for which `shouldRemove` is true.
    mutating func removeAll(where shouldRemove: (Entry) -> Bool) {
        for (key, slot) in index where shouldRemove(slots[slot].entry) { remove(key) }
    }

    private mutating func unlink(_ slot: Int) {
        let previous = slots[slot].previous, next = slots[slot].next
        if previous >= 0 { slots[previous].next = next } else { head = next }
        if next >= 0 { slots[next].previous = previous } else { tail = previous }
        slots[slot].previous = -1
        slots[slot].next = -1
    }

    private mutating func moveToFront(_ slot: Int) {
        guard slot != head else { return }
        unlink(slot)
        slots[slot].next = head
        if head >= 0 { slots[head].previous = slot }
        head = slot
        if tail < 0 { tail = slot }
    }

    /// Keys from most to least recent (for tests).
    var keysByRecency: [EmbeddingCacheKey] {
        var result: [EmbeddingCacheKey] = []
        var slot = head
        while slot >= 0 {
            result.append(slots[slot].key)
            slot = slots[slot].next
        }
        return result
    }
}
