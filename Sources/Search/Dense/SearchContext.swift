import Synchronization

/// A (distance, id) pair; smaller distance is better inside the engine.
struct Candidate {
    var distance: Float
    var id: UInt32
}

/// A binary min-heap of candidates over a manually grown buffer (no per-push allocation once warm).
/// Used as a max-heap by pushing negated distances.
struct CandidateHeap {
    private(set) var storage: UnsafeMutablePointer<Candidate>
    private(set) var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        storage = .allocate(capacity: self.capacity)
    }

    func free() { storage.deallocate() }

    @inline(__always) var isEmpty: Bool { count == 0 }
    @inline(__always) var top: Candidate { storage[0] }

    @inline(__always) mutating func removeAll() { count = 0 }

    @inline(__always) mutating func push(_ c: Candidate) {
        if count == capacity { grow() }
        var i = count
        count += 1
        while i > 0 {
            let parent = (i - 1) >> 1
            let p = storage[parent]
            if p.distance <= c.distance { break }
            storage[i] = p
            i = parent
        }
        storage[i] = c
    }

    @inline(__always) @discardableResult mutating func pop() -> Candidate {
        let result = storage[0]
        count -= 1
        if count > 0 { siftDown(storage[count]) }
        return result
    }

    /// Replaces the top with `c` (a pop and push in one sift).
    @inline(__always) mutating func replaceTop(_ c: Candidate) { siftDown(c) }

    @inline(__always) private mutating func siftDown(_ c: Candidate) {
        var i = 0
        let n = count
        while true {
            var child = 2 * i + 1
            if child >= n { break }
            if child + 1 < n && storage[child + 1].distance < storage[child].distance { child += 1 }
            let s = storage[child]
            if c.distance <= s.distance { break }
            storage[i] = s
            i = child
        }
        storage[i] = c
    }

    private mutating func grow() {
        let bigger = UnsafeMutablePointer<Candidate>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: storage, count: count)
        storage.deallocate()
        storage = bigger
        capacity *= 2
    }
}

/// Per-search scratch space, pooled and reused: the epoch-tagged visited set, both heaps, the
/// neighbour batch buffers and the encoded query.
///
/// Invariant: `visited[i] == epoch` exactly for the ids visited by the current search; a fresh
/// search increments `epoch` (clearing the array only when the 16-bit epoch wraps).
final class SearchContext {
    private(set) var visited: UnsafeMutablePointer<UInt16>
    private(set) var visitedCapacity: Int
    private(set) var epoch: UInt16 = 0
    var candidates = CandidateHeap(capacity: 256)
    var results = CandidateHeap(capacity: 256)
    let batchIds: UnsafeMutablePointer<UInt32>
    let batchDistances: UnsafeMutablePointer<Float>
    let queryCodes: UnsafeMutablePointer<Int8>
    let query: UnsafeMutablePointer<Float>
    let dimension: Int

    init(capacity: Int, maxLinks: Int, dimension: Int) {
        visitedCapacity = max(capacity, 1024)
        visited = .allocate(capacity: visitedCapacity)
        visited.initialize(repeating: 0, count: visitedCapacity)
        batchIds = .allocate(capacity: maxLinks + 8)
        batchDistances = .allocate(capacity: maxLinks + 8)
        queryCodes = .allocate(capacity: dimension + 64)
        queryCodes.initialize(repeating: 0, count: dimension + 64)
        query = .allocate(capacity: dimension + 16)
        query.initialize(repeating: 0, count: dimension + 16)
        self.dimension = dimension
    }

    deinit {
        visited.deallocate()
        candidates.free()
        results.free()
        batchIds.deallocate()
        batchDistances.deallocate()
        queryCodes.deallocate()
        query.deallocate()
    }

    var allocatedBytes: Int { visitedCapacity * 2 + (candidates.capacity + results.capacity) * 8 }

    /// Starts a new search over ids `0..<capacity`: a new epoch, empty heaps.
    func begin(capacity: Int) {
        if capacity > visitedCapacity {
            visited.deallocate()
            visitedCapacity = max(capacity, visitedCapacity * 2)
            visited = .allocate(capacity: visitedCapacity)
            visited.initialize(repeating: 0, count: visitedCapacity)
            epoch = 0
        }
        epoch &+= 1
        if epoch == 0 {
            visited.update(repeating: 0, count: visitedCapacity)
            epoch = 1
        }
        candidates.removeAll()
        results.removeAll()
    }

    /// Marks `id` visited; returns false if it already was (or lies past the visited capacity).
    @inline(__always) func visit(_ id: UInt32) -> Bool {
        // Ids past the capacity come from points inserted after this search began: skip them.
        guard Int(id) < visitedCapacity else { return false }
        let p = visited + Int(id)
        if p.pointee == epoch { return false }
        p.pointee = epoch
        return true
    }
}

/// A pool of search contexts: a search borrows one and gives it back, so no search allocates
/// once the pool is warm.
final class SearchContextPool: Sendable {
    private let free = Mutex<[SearchContext]>([])
    let maxLinks: Int
    let dimension: Int

    init(maxLinks: Int, dimension: Int) {
        self.maxLinks = maxLinks
        self.dimension = dimension
    }

    func withContext<R>(capacity: Int, _ body: (SearchContext) throws -> R) rethrows -> R {
        let context = free.withLock { $0.popLast() }
            ?? SearchContext(capacity: capacity, maxLinks: maxLinks, dimension: dimension)
        defer { free.withLock { $0.append(context) } }
        context.begin(capacity: capacity)
        return try body(context)
    }

    var allocatedBytes: Int { free.withLock { $0.reduce(0) { $0 + $1.allocatedBytes } } }
}

extension SearchContext: @unchecked Sendable {}
