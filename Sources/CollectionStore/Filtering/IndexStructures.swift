/// Value → posting list.
struct PostingLists<Key: Hashable> {
    private(set) var lists: [Key: PostingList] = [:]

    subscript(key: Key) -> PostingList? { lists[key] }

    mutating func insert(_ id: UInt32, for key: Key) {
        lists[key, default: PostingList()].insert(id)
    }

    mutating func remove(_ id: UInt32, for key: Key) {
        guard lists[key] != nil else { return }
        lists[key]!.remove(id)
        if lists[key]!.isEmpty { lists.removeValue(forKey: key) }
    }
}

/// The set of ids holding one indexed value.
///
/// Ids usually arrive in increasing order (new points get the next internal id), so most inserts
/// are appends to `base`. Other changes to a long list go to the `added` / `removed` sets and are
/// merged into `base` once they reach an eighth of it, so rewriting a point in a list of 100k ids
/// does not move 400 KB. Invariants: `base` is sorted without duplicates; `removed ⊆ base`;
/// `added ∩ base = ∅`; the list holds `(base − removed) ∪ added`.
struct PostingList {
    private var base: [UInt32] = []
    private var added: Set<UInt32> = []
    private var removed: Set<UInt32> = []

    var count: Int { base.count - removed.count + added.count }
    var isEmpty: Bool { count == 0 }

    mutating func insert(_ id: UInt32) {
        if removed.remove(id) != nil { return }
        if base.last.map({ $0 < id }) ?? true {
            base.append(id)
        } else if base.count < 256 {
            base.insertSorted(id)
        } else if !base.binaryContains(id) {
            added.insert(id)
            compactIfNeeded()
        }
    }

    mutating func remove(_ id: UInt32) {
        if added.remove(id) != nil { return }
        if base.count < 256 {
            base.removeSorted(id)
        } else if base.binaryContains(id) {
            removed.insert(id)
            compactIfNeeded()
        }
    }

    func contains(_ id: UInt32) -> Bool {
        added.contains(id) || (base.binaryContains(id) && (removed.isEmpty || !removed.contains(id)))
    }

    /// Calls `body` with every id (in increasing order when nothing is pending).
    func forEach(_ body: (UInt32) -> Void) {
        if removed.isEmpty {
            base.forEach(body)
        } else {
            for id in base where !removed.contains(id) { body(id) }
        }
        added.forEach(body)
    }

    private mutating func compactIfNeeded() {
        guard added.count + removed.count > max(64, base.count / 8) else { return }
        let extra = added.sorted()
        var merged: [UInt32] = []
        merged.reserveCapacity(count)
        var j = 0
        for id in base where removed.isEmpty || !removed.contains(id) {
            while j < extra.count, extra[j] < id { merged.append(extra[j]); j += 1 }
            merged.append(id)
        }
        merged.append(contentsOf: extra[j...])
        base = merged
        added.removeAll(keepingCapacity: true)
        removed.removeAll(keepingCapacity: true)
    }
}

extension Array where Element == UInt32 {
    /// Index of the first element `>= id` in a sorted array.
    func lowerBound(_ id: UInt32) -> Int {
        var low = 0, high = count
        while low < high {
            let mid = (low + high) / 2
            if self[mid] < id { low = mid + 1 } else { high = mid }
        }
        return low
    }

    func binaryContains(_ id: UInt32) -> Bool {
        let at = lowerBound(id)
        return at < count && self[at] == id
    }

    mutating func insertSorted(_ id: UInt32) {
        if let last, last >= id {
            let at = lowerBound(id)
            if at < count, self[at] == id { return }
            insert(id, at: at)
        } else {
            append(id)
        }
    }

    mutating func removeSorted(_ id: UInt32) {
        let at = lowerBound(id)
        if at < count, self[at] == id { remove(at: at) }
    }
}

/// (number, id) pairs sorted by number, for range queries.
///
/// Writes are cheap: new pairs go to an unsorted `pending` buffer and a rewritten id is marked
/// stale in `main`; both are merged into `main` once they reach an eighth of it (amortised
/// O(log n) per write). Reads never mutate, so concurrent readers are safe.
/// Invariants: `main` is sorted by (value, id); no value is NaN; an id in `stale` has no live
/// pair in `main`; `pendingIDs` is exactly the set of ids in `pending`.
struct SortedNumbers {
    struct Entry {
        var value: Double
        var id: UInt32
    }

    private var main: [Entry] = []
    private var pending: [Entry] = []
    private var stale: Set<UInt32> = []
    private var pendingIDs: Set<UInt32> = []

    /// Adds the pairs of `id` (which must have none: call `remove` first).
    mutating func insert(_ id: UInt32, values: [Double]) {
        guard !values.isEmpty else { return }
        for v in values where !v.isNaN { pending.append(Entry(value: v, id: id)) }
        pendingIDs.insert(id)
        compactIfNeeded()
    }

    /// Drops every pair of `id`.
    mutating func remove(_ id: UInt32) {
        if pendingIDs.remove(id) != nil { pending.removeAll { $0.id == id } }
        stale.insert(id)
        compactIfNeeded()
    }

    private mutating func compactIfNeeded() {
        if pending.count + stale.count > Swift.max(1024, main.count / 8) { compact() }
    }

    private mutating func compact() {
        var merged: [Entry] = []
        merged.reserveCapacity(main.count + pending.count)
        pending.sort { ($0.value, $0.id) < ($1.value, $1.id) }
        var i = 0, j = 0
        while i < main.count || j < pending.count {
            if i < main.count, stale.contains(main[i].id) { i += 1; continue }
            if j == pending.count || (i < main.count && (main[i].value, main[i].id) < (pending[j].value, pending[j].id)) {
                merged.append(main[i]); i += 1
            } else {
                merged.append(pending[j]); j += 1
            }
        }
        main = merged
        pending.removeAll(keepingCapacity: true)
        pendingIDs.removeAll(keepingCapacity: true)
        stale.removeAll(keepingCapacity: true)
    }

    /// Calls `body` with the id of every pair whose value lies in `range` (an id once per matching value).
    func forEachID(in range: NumberRange, _ body: (UInt32) -> Void) {
        let start = firstIndex(satisfyingLowerBoundOf: range)
        let checkStale = !stale.isEmpty
        var i = start
        while i < main.count, Self.belowUpperBound(main[i].value, range) {
            if !checkStale || !stale.contains(main[i].id) { body(main[i].id) }
            i += 1
        }
        for entry in pending where range.contains(entry.value) { body(entry.id) }
    }

    /// How many pairs lie in `range` (an estimate: stale pairs in `main` are counted).
    func count(in range: NumberRange) -> Int {
        let start = firstIndex(satisfyingLowerBoundOf: range)
        var low = start, high = main.count
        while low < high {
            let mid = (low + high) / 2
            if Self.belowUpperBound(main[mid].value, range) { low = mid + 1 } else { high = mid }
        }
        return (low - start) + pending.reduce(0) { $0 + (range.contains($1.value) ? 1 : 0) }
    }

    private func firstIndex(satisfyingLowerBoundOf range: NumberRange) -> Int {
        var low = 0, high = main.count
        while low < high {
            let mid = (low + high) / 2
            if Self.aboveLowerBound(main[mid].value, range) { high = mid } else { low = mid + 1 }
        }
        return low
    }

    private static func aboveLowerBound(_ x: Double, _ r: NumberRange) -> Bool {
        (r.gt.map { x > $0 } ?? true) && (r.gte.map { x >= $0 } ?? true)
    }

    private static func belowUpperBound(_ x: Double, _ r: NumberRange) -> Bool {
        (r.lt.map { x < $0 } ?? true) && (r.lte.map { x <= $0 } ?? true)
    }
}
