import CSIMD
import Foundation

extension HNSWIndex {
    // MARK: - Public insert

    /// Stores `vector` under `id`, replacing the vector if `id` is already stored.
    /// Throws `VectorError` (and changes nothing) for a wrong dimension, NaN/Inf components,
    /// a zero vector under cosine, or an id past `maxElements`.
    public func insert(id: UInt32, vector: [Float]) throws {
        let prepared = try prepare(vector)
        guard Int(id) < configuration.maxElements else {
            throw VectorError.idOutOfRange(id: id, maxElements: configuration.maxElements)
        }
        if int8Settings != nil, loadTop().quantizer == nil {
            prepared.withUnsafeBufferPointer { trainQuantizer(sample: $0) }
        }
        try prepared.withUnsafeBufferPointer { try insertPrepared(id: id, vector: $0.baseAddress!) }
        retrainQuantizerIfYoung()
    }

    /// Inserts many points with `threads` threads working on the graph at once.
    /// All vectors are validated before anything is stored; on error nothing changes.
    /// Ids must be distinct within the batch.
    public func insert(batch: [(id: UInt32, vector: [Float])], threads: Int) throws {
        guard !batch.isEmpty else { return }
        var prepared: [Float] = []
        prepared.reserveCapacity(batch.count * dimension)
        for item in batch {
            guard Int(item.id) < configuration.maxElements else {
                throw VectorError.idOutOfRange(id: item.id, maxElements: configuration.maxElements)
            }
            prepared += try prepare(item.vector)
        }
        if let maxID = batch.lazy.map(\.id).max() { reserve(upTo: maxID) }
        if int8Settings != nil, loadTop().quantizer == nil {
            let sampleCount = min(batch.count, 20_000)
            prepared.withUnsafeBufferPointer {
                trainQuantizer(sample: UnsafeBufferPointer(rebasing: $0[0..<sampleCount * dimension]))
            }
        }
        let ids = batch.map(\.id)
        let dim = dimension
        try prepared.withUnsafeBufferPointer { all in
            nonisolated(unsafe) let base = all.baseAddress!
            // The first point alone, so the parallel workers start from an entry point.
            try insertPrepared(id: ids[0], vector: base)
            nonisolated(unsafe) let next = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
            next.initialize(to: 1)
            defer { next.deallocate() }
            let workers = max(1, min(threads, batch.count))
            let failure = FirstError()
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while true {
                    let i = Int(csimd_fetch_add_u64(next, 1))
                    if i >= ids.count { break }
                    do { try insertPrepared(id: ids[i], vector: base + i * dim) } catch { failure.record(error) }
                }
            }
            if let error = failure.error { throw error }
        }
        retrainQuantizerIfYoung()
    }

    /// Allocates storage for ids up to `id` now (saves growth pauses in a bulk load).
    public func reserve(upTo id: UInt32) {
        withLock(growLock) { store.ensureCapacity(for: id) }
    }

    // MARK: - Graph construction

    /// Inserts an already validated (and normalised) vector.
    func insertPrepared(id: UInt32, vector: UnsafePointer<Float>) throws {
        withLock(growLock) {
            store.ensureCapacity(for: id)
            if Int(id) >= state.pointee.idBound { state.pointee.idBound = Int(id) + 1 }
        }
        if store.state(id) != .empty {
            // Update: unlink the old point (repairing its neighbours), then insert afresh.
            try withLock(maintenanceLock) {
                if store.state(id) == .live { removeLocked(id) }
                if store.state(id) == .deleted { detach(id) }
                try insertNode(id: id, vector: vector)
            }
        } else {
            try insertNode(id: id, vector: vector)
        }
    }

    /// Writes the node's walk data and links it into the graph. The slot must be `.empty`.
    private func insertNode(id: UInt32, vector: UnsafePointer<Float>) throws {
        let level = randomLevel(for: id)
        writePayload(id: id, vector: vector)
        lockNode(id)
        store.links0(id).pointee = 0
        store.setLevel(id, level)
        if level > 0 {
            let words = level * layout.upperWordsPerLevel
            if let existing = store.upperSlot(id).pointee {
                existing.update(repeating: 0, count: words)
            } else {
                let buffer = UnsafeMutablePointer<UInt32>.allocate(capacity: words)
                buffer.initialize(repeating: 0, count: words)
                store.upperSlot(id).pointee = buffer
                upperBytes.wrappingIncrement(by: words * 4, ordering: .relaxed)
            }
        }
        store.setState(id, .live)
        unlockNode(id)
        liveCounter.wrappingIncrement(ordering: .relaxed)

        csimd_spin_lock(entryLock)
        var holdsEntryLock = true
        defer { if holdsEntryLock { csimd_spin_unlock(entryLock) } }
        let published = loadTop()
        let entry = published.entryPoint
        let top = published.maxLevel
        if entry == .max {
            publishTop(published.with(entryPoint: id, maxLevel: level))
            return
        }
        if level <= top {
            csimd_spin_unlock(entryLock)
            holdsEntryLock = false
        }

        let query = store.vector(id)
        pool.withContext(capacity: state.pointee.idBound) { context in
            var current = Candidate(distance: distance(query, store.vector(entry)), id: entry)
            if top > level {
                for l in stride(from: top, to: level, by: -1) {
                    current = greedyStep(query: query, from: current, level: l)
                }
            }
            for l in stride(from: min(level, top), through: 0, by: -1) {
                context.begin(capacity: state.pointee.idBound)
                searchLayerForBuild(context: context, query: query, entry: current, ef: configuration.efConstruct, level: l)
                var found: [Candidate] = []
                found.reserveCapacity(context.results.count)
                while !context.results.isEmpty {
                    let c = context.results.pop()
                    if c.id != id { found.append(Candidate(distance: -c.distance, id: c.id)) }
                }
                found.reverse()  // ascending distance
                if let best = found.first { current = best }
                let selected = selectNeighbours(found, limit: configuration.m)
                link(id, to: selected, level: l)
            }
        }
        if level > top {
            // Still under `entryLock` (taken above for an insert that raises the top).
            publishTop(loadTop().with(entryPoint: id, maxLevel: level))
        }
    }

    /// Stores the f32 vector (and int8 codes) of `id`.
    func writePayload(id: UInt32, vector: UnsafePointer<Float>) {
        store.vector(id).update(from: vector, count: dimension)
        guard int8Settings != nil else { return }
        withLock(quantLock) { encode(id) }
    }

    /// Writes the int8 codes of `id` from its stored f32 vector. Caller holds `quantLock`.
    func encode(_ id: UInt32) {
        guard let quantizer = loadTop().quantizer else { return }
        let p = store.walkData(id)
        let corr = quantizer.encode(store.vector(id), into: p.assumingMemoryBound(to: Int8.self))
        p.storeBytes(of: corr, toByteOffset: layout.walkDataBytes - 4, as: Float.self)
    }

    /// Moves greedily to the closest neighbour at `level` until no neighbour is closer (f32).
    func greedyStep(query: UnsafePointer<Float>, from start: Candidate, level: Int) -> Candidate {
        var current = start
        var changed = true
        while changed {
            changed = false
            let links = store.links(current.id, level: level)
            let n = min(Int(links.pointee), store.maxLinks(level: level))
            for j in 0..<n {
                let candidate = links[1 + j]
                let d = distance(query, store.vector(candidate))
                if d < current.distance {
                    current = Candidate(distance: d, id: candidate)
                    changed = true
                }
            }
        }
        return current
    }

    /// Beam search at one level with f32 distances, for construction. Leaves the best `ef`
    /// live nodes in `context.results` (as a max-heap of negated distances).
    func searchLayerForBuild(context: SearchContext, query: UnsafePointer<Float>, entry: Candidate, ef: Int, level: Int) {
        if level == 0 {
            context.query.update(from: query, count: dimension)
            searchLevel0(context: context, entry: entry, ef: ef, filter: NoFilter(), quantized: false)
            return
        }
        _ = context.visit(entry.id)
        context.candidates.push(entry)
        if store.isLive(entry.id) { context.results.push(Candidate(distance: -entry.distance, id: entry.id)) }
        var worst = context.results.isEmpty ? Float.infinity : -context.results.top.distance
        while !context.candidates.isEmpty {
            let c = context.candidates.top
            if c.distance > worst && context.results.count >= ef { break }
            context.candidates.pop()
            let links = store.links(c.id, level: level)
            let n = min(Int(links.pointee), layout.maxLinksUpper)
            for j in 0..<n {
                let id = links[1 + j]
                guard context.visit(id) else { continue }
                let d = distance(query, store.vector(id))
                if context.results.count < ef || d < worst {
                    context.candidates.push(Candidate(distance: d, id: id))
                    if store.isLive(id) {
                        context.results.push(Candidate(distance: -d, id: id))
                        if context.results.count > ef { context.results.pop() }
                        worst = -context.results.top.distance
                    }
                }
            }
        }
    }

    /// The paper's heuristic: walk candidates by increasing distance, keep one only if it is closer
    /// to the base than to every neighbour kept so far. `candidates` must be sorted ascending.
    func selectNeighbours(_ candidates: [Candidate], limit: Int) -> [Candidate] {
        if candidates.count <= limit { return candidates }
        var kept: [Candidate] = []
        kept.reserveCapacity(limit)
        for c in candidates {
            if kept.count >= limit { break }
            let cv = store.vector(c.id)
            var good = true
            for k in kept where distance(cv, store.vector(k.id)) < c.distance {
                good = false
                break
            }
            if good { kept.append(c) }
        }
        return kept
    }

    /// Sets `id`'s links at `level` to `selected` and adds the reverse links, re-pruning a
    /// neighbour's list with the heuristic when it overflows.
    func link(_ id: UInt32, to selected: [Candidate], level: Int) {
        let maxLinks = store.maxLinks(level: level)
        lockNode(id)
        let own = store.links(id, level: level)
        let n = min(selected.count, maxLinks)
        for j in 0..<n { own[1 + j] = selected[j].id }
        own.pointee = UInt32(n)
        unlockNode(id)

        for neighbour in selected.prefix(n) {
            let other = neighbour.id
            lockNode(other)
            defer { unlockNode(other) }
            guard store.level(other) >= level else { continue }
            let links = store.links(other, level: level)
            let count = min(Int(links.pointee), maxLinks)
            var present = false
            for j in 0..<count where links[1 + j] == id { present = true; break }
            if present { continue }
            if count < maxLinks {
                links[1 + count] = id
                links.pointee = UInt32(count + 1)
                continue
            }
            var candidates = [Candidate(distance: neighbour.distance, id: id)]
            candidates.reserveCapacity(count + 1)
            let ov = store.vector(other)
            for j in 0..<count {
                let x = links[1 + j]
                candidates.append(Candidate(distance: distance(ov, store.vector(x)), id: x))
            }
            candidates.sort { $0.distance < $1.distance }
            let kept = selectNeighbours(candidates, limit: maxLinks)
            for (j, k) in kept.enumerated() { links[1 + j] = k.id }
            links.pointee = UInt32(kept.count)
        }
    }

    // MARK: - Quantizer training

    /// Fits the int8 range to `sample` and (re-)encodes every stored point.
    func trainQuantizer(sample: UnsafeBufferPointer<Float>) {
        guard let settings = int8Settings else { return }
        withLock(quantLock) {
            let q = ScalarQuantizer(training: sample, dimension: dimension, quantile: settings.quantile)
            withLock(entryLock) { publishTop(loadTop().with(quantizer: q)) }
            state.pointee.quantizerTrainedOn = max(1, sample.count / dimension)
            let bound = state.pointee.idBound
            for i in 0..<bound {
                let id = UInt32(i)
                if store.hasSlot(id), store.state(id) != .empty { encode(id) }
            }
        }
    }

    /// Retrains the int8 range from the stored vectors (up to 20,000 of them, spread over the ids)
    /// and re-encodes all points. Call after a bulk load that changed the data's range.
    public func requantize() {
        guard int8Settings != nil else { return }
        let bound = state.pointee.idBound
        var sample: [Float] = []
        let step = max(1, bound / 20_000)
        var i = 0
        while i < bound {
            let id = UInt32(i)
            if store.hasSlot(id), store.isLive(id) {
                sample.append(contentsOf: UnsafeBufferPointer(start: store.vector(id), count: dimension))
            }
            i += step
        }
        guard !sample.isEmpty else { return }
        sample.withUnsafeBufferPointer { trainQuantizer(sample: $0) }
    }

    /// A quantizer fitted on few points is refitted each time the index doubles, up to 8,192 points.
    func retrainQuantizerIfYoung() {
        guard int8Settings != nil else { return }
        let trained = state.pointee.quantizerTrainedOn
        let live = count
        if trained < 8_192, live >= 2 * trained { requantize() }
    }
}

/// Keeps the first error thrown by parallel workers.
final class FirstError: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var error: (any Error)?
    func record(_ e: any Error) {
        lock.lock()
        if error == nil { error = e }
        lock.unlock()
    }
}
