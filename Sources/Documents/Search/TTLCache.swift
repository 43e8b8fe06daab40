import Foundation

/// A least-recently-used cache whose entries also expire after `ttl` seconds, bounded by a byte budget.
///
/// Invariants: `index` maps each key to its slot; slots form one doubly linked list from `head` (most
/// recent) to `tail` (least recent); `bytes` is the sum of the live entries' costs and never exceeds
/// `capacityBytes` after an insert (the oldest entries are evicted first). O(1) per operation. Not
/// thread-safe: the owner wraps it in a lock.
struct TTLCache<Key: Hashable, Value> {
    private struct Slot {
        var key: Key
        var value: Value
        var cost: Int
        var expires: Double
        var previous: Int
        var next: Int
    }

    let capacityBytes: Int
    let ttl: Double
    private(set) var bytes = 0
    private(set) var evictions = 0
    private var slots: [Slot] = []
    private var free: [Int] = []
    private var index: [Key: Int] = [:]
    private var head = -1
    private var tail = -1

    init(capacityBytes: Int, ttl: Double) {
        self.capacityBytes = max(0, capacityBytes)
        self.ttl = ttl
    }

    var count: Int { index.count }

    mutating func get(_ key: Key, now: Double) -> Value? {
        guard let slot = index[key] else { return nil }
        guard slots[slot].expires > now else {
            remove(slot)
            return nil
        }
        unlink(slot)
        pushFront(slot)
        return slots[slot].value
    }

    mutating func set(_ key: Key, _ value: Value, cost: Int, now: Double) {
        if let existing = index[key] { remove(existing) }
        guard cost <= capacityBytes else { return }
        while bytes + cost > capacityBytes, tail >= 0 {
            remove(tail)
            evictions += 1
        }
        let entry = Slot(key: key, value: value, cost: cost, expires: now + ttl, previous: -1, next: -1)
        let slot: Int
        if let reused = free.popLast() {
            slots[reused] = entry
            slot = reused
        } else {
            slots.append(entry)
            slot = slots.count - 1
        }
        index[key] = slot
        bytes += cost
        pushFront(slot)
    }

    mutating func removeAll(where shouldRemove: (Key) -> Bool) {
        for (key, slot) in index where shouldRemove(key) { _ = key; remove(slot) }
    }

    private mutating func remove(_ slot: Int) {
        unlink(slot)
        index[slots[slot].key] = nil
        bytes -= slots[slot].cost
        free.append(slot)
    }

    private mutating func unlink(_ slot: Int) {
        let previous = slots[slot].previous, next = slots[slot].next
        if previous >= 0 { slots[previous].next = next } else if head == slot { head = next }
        if next >= 0 { slots[next].previous = previous } else if tail == slot { tail = previous }
        slots[slot].previous = -1
        slots[slot].next = -1
    }

    private mutating func pushFront(_ slot: Int) {
        slots[slot].previous = -1
        slots[slot].next = head
        if head >= 0 { slots[head].previous = slot }
        head = slot
        if tail < 0 { tail = slot }
    }
}
