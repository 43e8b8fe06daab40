/// One query term as the searcher sees it: its postings and its query weight.
public struct WeightedPostings {
    public let postings: PostingList
    public let weight: Float

    public init(postings: PostingList, weight: Float) {
        self.postings = postings
        self.weight = weight
    }
}

/// Exact top-k over inverted lists with block-max MaxScore pruning, and the exhaustive reference.
///
/// Both return the same list: documents that occur in at least one query list and pass the filter, ordered
/// by score (the `Double` sum of the per-term `Float` contributions, rounded to `Float`) descending, ties by
/// lower id. The pruned search walks the id space in windows of `windowSize` ids (starting at the smallest id
/// any list still has). Per window it bounds each term by the maxima of its blocks that overlap the window;
/// terms whose bounds add up to at most the current k-th score are *non-essential*: they cannot lift a
/// document into the top k on their own. The essential terms are scored into a dense window accumulator;
/// each touched document is then completed by probing the non-essential terms (largest bound first), and
/// abandoned as soon as its partial score plus the remaining bounds cannot beat the k-th score. Documents
/// are visited in increasing id order, so a newcomer that only ties the k-th score never displaces it —
/// which is exactly the lower-id tie rule.
public enum BlockMaxSearch {
    /// Ids per window (a power of two). 2,048 keeps the accumulator (16 KiB) in L1.
    public static let defaultWindowSize = 2048

    /// `x` widened by a relative 1e-6: covers float rounding in the contributions a bound stands for.
    @inline(__always)
    static func widen(_ x: Double) -> Double { x + abs(x) * 1e-6 }

    public static func topK<M: ImpactModel, F: CandidateFilter>(
        _ terms: [WeightedPostings], model: M, limit: Int, filter: F, windowSize: Int = defaultWindowSize
    ) -> [SearchHit] {
        precondition(windowSize >= 64 && windowSize & (windowSize - 1) == 0, "windowSize must be a power of two ≥ 64")
        guard limit > 0 else { return [] }
        var cursors: [Cursor] = []
        cursors.reserveCapacity(terms.count)
        for term in terms where term.postings.count > 0 { cursors.append(Cursor(term)) }
        guard !cursors.isEmpty else { return [] }

        var heap = TopKHeap(capacity: limit)
        let accumulator = UnsafeMutablePointer<Double>.allocate(capacity: windowSize)
        accumulator.initialize(repeating: 0, count: windowSize)
        let wordCount = windowSize / 64
        let touched = UnsafeMutablePointer<UInt64>.allocate(capacity: wordCount)
        touched.initialize(repeating: 0, count: wordCount)
        defer { accumulator.deallocate(); touched.deallocate() }

        // Order of active cursors by window bound (ascending); rebuilt per window.
        var order: [Int] = []
        order.reserveCapacity(cursors.count)
        var remaining = [Double](repeating: 0, count: cursors.count + 1)

        while true {
            // The next window starts at the smallest id any cursor still has.
            var start = UInt32.max
            var anyActive = false
            for c in cursors.indices where !cursors[c].exhausted {
                anyActive = true
                start = min(start, cursors[c].currentID)
            }
            guard anyActive else { break }
            let windowStart = start
            let windowEndWide = UInt64(windowStart) + UInt64(windowSize)
            let windowEnd = windowEndWide > UInt64(UInt32.max) ? UInt32.max : UInt32(windowEndWide)

            // Bound each active term over the window.
            order.removeAll(keepingCapacity: true)
            var total = 0.0
            for c in cursors.indices where !cursors[c].exhausted {
                let bound = cursors[c].windowBound(upTo: windowEnd, model: model)
                cursors[c].bound = bound
                total += bound
                order.append(c)
            }
            let threshold = heap.isFull ? Double(heap.threshold) : -Double.infinity
            if widen(total) <= threshold {
                for c in order { cursors[c].skip(toAtLeast: windowEnd) }
                if windowEnd == UInt32.max { break }
                continue
            }
            // Insertion sort by bound, ascending (few terms).
            for i in 1..<max(order.count, 1) {
                let item = order[i]
                var j = i
                while j > 0, cursors[order[j - 1]].bound > cursors[item].bound {
                    order[j] = order[j - 1]
                    j -= 1
                }
                order[j] = item
            }
            // Non-essential prefix: the largest prefix whose bounds sum to ≤ the threshold.
            var nonEssential = 0
            var prefix = 0.0
            while nonEssential < order.count {
                let next = prefix + cursors[order[nonEssential]].bound
                if widen(next) > threshold { break }
                prefix = next
                nonEssential += 1
            }
            // remaining[i] = Σ bounds of non-essential terms order[0..<i] (probed from i-1 down to 0).
            remaining[0] = 0
            for i in 0..<nonEssential { remaining[i + 1] = remaining[i] + cursors[order[i]].bound }

            // Score the essential terms into the window.
            // A block of an essential term is skipped when even its own bound plus every other term's window
            // bound cannot beat the threshold: documents in it either never become candidates or, through
            // another list, get a partial score that is still ≤ the threshold (contributions are ≥ 0 there).
            for e in nonEssential..<order.count {
                let others = total - cursors[order[e]].bound
                cursors[order[e]].accumulate(
                    windowStart: windowStart, windowEnd: windowEnd, model: model,
                    into: accumulator, touched: touched, othersBound: others, threshold: threshold)
            }

            // Complete and collect the touched documents in id order.
            for w in 0..<wordCount {
                var bits = touched[w]
                if bits == 0 { continue }
                touched[w] = 0
                while bits != 0 {
                    let slot = w &* 64 &+ bits.trailingZeroBitCount
                    bits &= bits &- 1
                    var score = accumulator[slot]
                    accumulator[slot] = 0
                    let doc = windowStart &+ UInt32(slot)
                    guard filter.allows(doc) else { continue }
                    let threshold = heap.isFull ? Double(heap.threshold) : -Double.infinity
                    if widen(score + remaining[nonEssential]) <= threshold { continue }
                    var pruned = false
                    var i = nonEssential
                    while i > 0 {
                        i -= 1
                        if widen(score + remaining[i + 1]) <= threshold {
                            pruned = true
                            break
                        }
                        if let contribution = cursors[order[i]].probe(doc, model: model) {
                            score += Double(contribution)
                        }
                    }
                    if pruned { continue }
                    let final = Float(score)
                    if !heap.isFull {
                        heap.push(id: doc, score: final)
                    } else if final > heap.threshold {
                        heap.replaceWorst(id: doc, score: final)
                    }
                }
            }
            for c in order { cursors[c].skip(toAtLeast: windowEnd) }
            if windowEnd == UInt32.max { break }
        }
        return heap.sortedHits()
    }

    /// Scores every posting of every term (no pruning): the reference the pruned search must equal.
    public static func exhaustive<M: ImpactModel, F: CandidateFilter>(
        _ terms: [WeightedPostings], model: M, limit: Int, filter: F
    ) -> [SearchHit] {
        guard limit > 0 else { return [] }
        var scores: [UInt32: Double] = [:]
        for term in terms {
            for (id, weight) in term.postings.entries where filter.allows(id) {
                scores[id, default: 0] += Double(model.score(q: term.weight, weight: weight, doc: id))
            }
        }
        let hits = scores.map { SearchHit(id: $0.key, score: Float($0.value)) }
            .sorted { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }
        return Array(hits.prefix(limit))
    }
}

/// A position in one posting list, with raw pointers into its columns (valid under the index's read lock).
@usableFromInline
struct Cursor {
    let offsets: UnsafeMutablePointer<UInt16>
    let weights: UnsafeMutablePointer<Float>
    let base: UnsafeMutablePointer<UInt32>
    let last: UnsafeMutablePointer<UInt32>
    let end: UnsafeMutablePointer<Int32>
    let high: UnsafeMutablePointer<Float>
    let low: UnsafeMutablePointer<Float>
    let aux: UnsafeMutablePointer<Float>
    let blockCount: Int
    let q: Float
    /// Current block; entries before `position` have been consumed.
    var block = 0
    var position = 0
    /// This window's bound (≥ 0).
    var bound = 0.0

    init(_ term: WeightedPostings) {
        let list = term.postings
        offsets = list.offsets; weights = list.weights
        base = list.blockBase; last = list.blockLast; end = list.blockEnd
        high = list.blockHigh; low = list.blockLow; aux = list.blockAux
        blockCount = list.blockCount
        q = term.weight
    }

    var exhausted: Bool { block >= blockCount }

    /// The id at `position` (requires `!exhausted`).
    var currentID: UInt32 { base[block] &+ UInt32(offsets[position]) }

    @inline(__always)
    func blockStart(_ b: Int) -> Int { b == 0 ? 0 : Int(end[b - 1]) }

    /// Moves to the first entry with id ≥ `target`.
    @inline(__always)
    mutating func skip(toAtLeast target: UInt32) {
        guard block < blockCount, last[block] < target else {
            if block < blockCount { scanWithinBlock(to: target) }
            return
        }
        // Gallop over whole blocks, then binary search.
        var step = 1
        var lo = block + 1
        var hi = lo
        while hi < blockCount, last[hi] < target {
            lo = hi + 1
            hi += step
            step <<= 1
        }
        hi = min(hi, blockCount)
        while lo < hi {
            let mid = (lo + hi) >> 1
            if last[mid] < target { lo = mid + 1 } else { hi = mid }
        }
        block = lo
        guard block < blockCount else { return }
        position = blockStart(block)
        scanWithinBlock(to: target)
    }

    /// Advances `position` inside the current block to the first id ≥ `target` (≤ the block's last id).
    @inline(__always)
    mutating func scanWithinBlock(to target: UInt32) {
        let b = base[block]
        guard target > b else { return }
        let t = UInt16(truncatingIfNeeded: target &- b)
        while offsets[position] < t { position &+= 1 }
    }

    /// The largest block bound among the blocks overlapping `[current id, windowEnd)`, clamped at 0.
    @inline(__always)
    func windowBound<M: ImpactModel>(upTo windowEnd: UInt32, model: M) -> Double {
        var best: Float = 0
        var b = block
        while b < blockCount, base[b] < windowEnd {
            best = max(best, model.bound(q: q, high: high[b], low: low[b], aux: aux[b]))
            b += 1
        }
        return Double(best)
    }

    /// Adds the contributions of every entry with id in `[windowStart, windowEnd)` to the accumulator and
    /// marks those slots touched; leaves the cursor at the first entry ≥ `windowEnd`.
    @inline(__always)
    mutating func accumulate<M: ImpactModel>(
        windowStart: UInt32, windowEnd: UInt32, model: M,
        into accumulator: UnsafeMutablePointer<Double>, touched: UnsafeMutablePointer<UInt64>,
        othersBound: Double, threshold: Double
    ) {
        let pruning = threshold > -Double.infinity
        while block < blockCount {
            let blockBase = base[block]
            if blockBase >= windowEnd { return }
            let stop = Int(end[block])
            let whole = last[block] < windowEnd
            var i = position
            if pruning, model.isNonNegative(q: q, high: high[block], low: low[block]) {
                let blockBound = Double(max(0, model.bound(q: q, high: high[block], low: low[block], aux: aux[block])))
                if BlockMaxSearch.widen(blockBound + othersBound) <= threshold {
                    if whole {
                        block += 1
                        position = stop
                        continue
                    }
                    while i < stop, blockBase &+ UInt32(offsets[i]) < windowEnd { i &+= 1 }
                    position = i
                    if i < stop { return }
                    block += 1
                    continue
                }
            }
            while i < stop {
                let id = blockBase &+ UInt32(offsets[i])
                if !whole, id >= windowEnd { break }
                let slot = Int(id &- windowStart)
                accumulator[slot] += Double(model.score(q: q, weight: weights[i], doc: id))
                touched[slot &>> 6] |= 1 &<< UInt64(slot & 63)
                i &+= 1
            }
            if i < stop {
                position = i
                return
            }
            block += 1
            position = stop
        }
    }

    /// The contribution for `doc` if this list holds it; advances to the first entry ≥ `doc`.
    @inline(__always)
    mutating func probe<M: ImpactModel>(_ doc: UInt32, model: M) -> Float? {
        skip(toAtLeast: doc)
        guard block < blockCount, currentID == doc else { return nil }
        return model.score(q: q, weight: weights[position], doc: doc)
    }
}

/// The k best (score, id) pairs seen so far; the root is the worst (lowest score, then highest id).
@usableFromInline
struct TopKHeap {
    private var scores: [Float] = []
    private var ids: [UInt32] = []
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        scores.reserveCapacity(min(capacity, 1 << 16))
        ids.reserveCapacity(min(capacity, 1 << 16))
    }

    var isFull: Bool { scores.count >= capacity }
    /// The k-th best score (valid when full).
    var threshold: Float { scores[0] }

    @inline(__always)
    private func worse(_ a: Int, _ b: Int) -> Bool {
        scores[a] < scores[b] || (scores[a] == scores[b] && ids[a] > ids[b])
    }

    mutating func push(id: UInt32, score: Float) {
        scores.append(score)
        ids.append(id)
        var child = scores.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard worse(child, parent) else { break }
            scores.swapAt(child, parent)
            ids.swapAt(child, parent)
            child = parent
        }
    }

    mutating func replaceWorst(id: UInt32, score: Float) {
        scores[0] = score
        ids[0] = id
        var parent = 0
        let n = scores.count
        while true {
            let left = 2 * parent + 1
            if left >= n { break }
            var pick = left
            if left + 1 < n, worse(left + 1, left) { pick = left + 1 }
            guard worse(pick, parent) else { break }
            scores.swapAt(pick, parent)
            ids.swapAt(pick, parent)
            parent = pick
        }
    }

    func sortedHits() -> [SearchHit] {
        zip(ids, scores).map { SearchHit(id: $0.0, score: $0.1) }
            .sorted { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }
    }
}
