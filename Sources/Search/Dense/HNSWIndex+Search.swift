import CSIMD

extension HNSWIndex {
    // MARK: - Public search

    /// The `limit` best live points for `query`, best first, in Qdrant's score convention.
    ///
    /// `ef` is the candidate list size (default `configuration.ef`, never below `limit`). A filter
    /// that allows few points (see `HNSWConfiguration.fullScanThreshold` and `exactCostFactor`)
    /// is answered by an exact scan of the allowed points; otherwise the graph is walked through
    /// all points and only allowed ones are collected.
    public func search<F: CandidateFilter>(_ query: [Float], limit: Int, ef: Int? = nil, filter: F) throws -> [SearchHit] {
        guard limit > 0 else { throw VectorError.invalidLimit(limit) }
        if let ef, ef < 1 { throw VectorError.invalidLimit(ef) }
        let prepared = try prepare(query)
        let live = count
        guard live > 0, loadTop().entryPoint != .max else { return [] }
        let efValue = max(ef ?? configuration.ef, limit)
        if let allowed = filter.allowedCount {
            if allowed == 0 { return [] }
            if prefersExactScan(allowed: allowed, ef: efValue, live: live) {
                return prepared.withUnsafeBufferPointer { exactSearchPrepared($0.baseAddress!, limit: limit, filter: filter) }
            }
        }
        let hits = prepared.withUnsafeBufferPointer { graphSearch($0.baseAddress!, limit: limit, ef: efValue, filter: filter) }
        if hits.count < limit, let allowed = filter.allowedCount, hits.count < min(allowed, live) {
            // The walk ran dry before finding enough allowed points: answer exactly.
            return prepared.withUnsafeBufferPointer { exactSearchPrepared($0.baseAddress!, limit: limit, filter: filter) }
        }
        return hits
    }

    /// The `limit` best live points for `query` (no filter).
    public func search(_ query: [Float], limit: Int, ef: Int? = nil) throws -> [SearchHit] {
        try search(query, limit: limit, ef: ef, filter: NoFilter())
    }

    /// Plans by cardinality: true when scanning the allowed points costs less than walking the graph.
    func prefersExactScan(allowed: Int, ef: Int, live: Int) -> Bool {
        if allowed <= configuration.fullScanThreshold { return true }
        let graphCost = configuration.exactCostFactor * Double(ef) * Double(configuration.m) * Double(live)
        return Double(allowed) * Double(allowed) <= graphCost
    }

    // MARK: - Graph walk

    func graphSearch<F: CandidateFilter>(_ query: UnsafePointer<Float>, limit: Int, ef: Int, filter: F) -> [SearchHit] {
        pool.withContext(capacity: state.pointee.idBound) { context in
            let published = loadTop()
            let entry = published.entryPoint
            let top = published.maxLevel
            guard entry != .max, store.hasSlot(entry) else { return [] }
            var walkEf = ef
            var quantized = false
            var rescoreCount = limit
            var delta2: Float = 0
            var queryCorrection: Float = 0
            if let settings = int8Settings, let quantizer = published.quantizer {
                quantized = true
                rescoreCount = max(limit, Int((Float(limit) * settings.oversampling).rounded(.up)))
                walkEf = max(ef, rescoreCount)
                queryCorrection = quantizer.encode(query, into: context.queryCodes)
                delta2 = quantizer.delta * quantizer.delta
            }
            context.query.update(from: query, count: dimension)

            // Upper levels: greedy descent with f32 distances.
            var current = Candidate(distance: distance(query, store.vector(entry)), id: entry)
            if top > 0 {
                for l in stride(from: top, to: 0, by: -1) {
                    current = greedyStep(query: query, from: current, level: l)
                }
            }
            if quantized {
                current.distance = quantizedDistance(context, queryCorrection: queryCorrection, delta2: delta2, current.id)
            }
            searchLevel0(context: context, entry: current, ef: walkEf, filter: filter, quantized: quantized,
                         queryCorrection: queryCorrection, delta2: delta2)

            // Collect best first.
            var found: [Candidate] = []
            found.reserveCapacity(context.results.count)
            while !context.results.isEmpty {
                let c = context.results.pop()
                found.append(Candidate(distance: -c.distance, id: c.id))
            }
            found.reverse()
            if quantized, int8Settings!.rescore {
                found = Array(found.prefix(rescoreCount))
                for i in found.indices { found[i].distance = distance(query, store.vector(found[i].id)) }
                found.sort { $0.distance < $1.distance }
            }
            return found.prefix(limit).map { SearchHit(id: $0.id, score: score(fromDistance: $0.distance)) }
        }
    }

    /// Beam search on level 0 from `entry`, leaving the best `ef` accepted nodes (live and allowed
    /// by `filter`) in `context.results` as a max-heap of negated distances.
    ///
    /// Every unvisited neighbour of an expanded node is first collected and prefetched, then scored
    /// four at a time, so several vectors are in flight from DRAM at once.
    func searchLevel0<F: CandidateFilter>(
        context: SearchContext, entry: Candidate, ef: Int, filter: F, quantized: Bool,
        queryCorrection: Float = 0, delta2: Float = 0
    ) {
        let store = self.store
        let maxLinks = layout.maxLinks0
        let walkDataLines = (layout.walkDataBytes + 63) / 64
        let wanted = state.pointee.prefetchLines
        let prefetchLines = wanted == 0 ? walkDataLines : min(wanted, walkDataLines)
        let batchIds = context.batchIds
        let batchDistances = context.batchDistances
        _ = context.visit(entry.id)
        context.candidates.push(entry)
        if store.isLive(entry.id) && filter.allows(entry.id) {
            context.results.push(Candidate(distance: -entry.distance, id: entry.id))
        }
        var worst = context.results.isEmpty ? Float.infinity : -context.results.top.distance
        while !context.candidates.isEmpty {
            let c = context.candidates.top
            if c.distance > worst && context.results.count >= ef { break }
            context.candidates.pop()
            // Start loading the next candidate's links while this one is scored.
            if !context.candidates.isEmpty { csimd_prefetch_range(store.links0(context.candidates.top.id), 4 + 4 * maxLinks, 3) }
            let links = store.links0(c.id)
            let n = min(Int(links.pointee), maxLinks)
            var b = 0
            for j in 0..<n {
                let id = links[1 + j]
                if context.visit(id) {
                    batchIds[b] = id
                    b &+= 1
                    csimd_prefetch_range(store.walkData(id), layout.walkDataBytes, prefetchLines)
                }
            }
            if b == 0 { continue }
            if quantized {
                scoreQuantized(context: context, count: b, queryCorrection: queryCorrection, delta2: delta2)
            } else {
                scoreF32(context: context, count: b)
            }
            for j in 0..<b {
                let d = batchDistances[j]
                if context.results.count < ef || d < worst {
                    let id = batchIds[j]
                    context.candidates.push(Candidate(distance: d, id: id))
                    if store.isLive(id) && filter.allows(id) {
                        if context.results.count < ef {
                            context.results.push(Candidate(distance: -d, id: id))
                        } else {
                            context.results.replaceTop(Candidate(distance: -d, id: id))
                        }
                        worst = -context.results.top.distance
                    }
                }
            }
        }
    }

    /// Distances from `context.query` to the f32 vectors of the batch, four rows at a time.
    @inline(__always) func scoreF32(context: SearchContext, count: Int) {
        let q = UnsafePointer(context.query)
        let ids = context.batchIds
        let out = context.batchDistances
        let dim = dimension
        var j = 0
        if isL2 {
            while j + 4 <= count {
                csimd_l2sq4_f32(q, store.vector(ids[j]), store.vector(ids[j + 1]), store.vector(ids[j + 2]),
                                store.vector(ids[j + 3]), dim, out + j)
                j += 4
            }
            while j < count { out[j] = csimd_l2sq_f32(q, store.vector(ids[j]), dim); j += 1 }
        } else {
            while j + 4 <= count {
                csimd_dot4_f32(q, store.vector(ids[j]), store.vector(ids[j + 1]), store.vector(ids[j + 2]),
                               store.vector(ids[j + 3]), dim, out + j)
                out[j] = -out[j]; out[j + 1] = -out[j + 1]; out[j + 2] = -out[j + 2]; out[j + 3] = -out[j + 3]
                j += 4
            }
            while j < count { out[j] = -csimd_dot_f32(q, store.vector(ids[j]), dim); j += 1 }
        }
    }

    /// Approximate distances from the encoded query to the int8 codes of the batch.
    @inline(__always) func scoreQuantized(context: SearchContext, count: Int, queryCorrection: Float, delta2: Float) {
        let q = UnsafePointer(context.queryCodes)
        let ids = context.batchIds
        let out = context.batchDistances
        let dim = dimension
        let corrOffset = layout.walkDataBytes - 4
        var raw: (Int32, Int32, Int32, Int32) = (0, 0, 0, 0)
        var j = 0
        while j + 4 <= count {
            let p0 = store.walkData(ids[j]), p1 = store.walkData(ids[j + 1])
            let p2 = store.walkData(ids[j + 2]), p3 = store.walkData(ids[j + 3])
            withUnsafeMutablePointer(to: &raw) { r in
                r.withMemoryRebound(to: Int32.self, capacity: 4) { r4 in
                    if isL2 {
                        csimd_l2sq4_i8(q, p0.assumingMemoryBound(to: Int8.self), p1.assumingMemoryBound(to: Int8.self),
                                       p2.assumingMemoryBound(to: Int8.self), p3.assumingMemoryBound(to: Int8.self), dim, r4)
                        for k in 0..<4 { out[j + k] = delta2 * Float(r4[k]) }
                    } else {
                        csimd_dot4_i8(q, p0.assumingMemoryBound(to: Int8.self), p1.assumingMemoryBound(to: Int8.self),
                                      p2.assumingMemoryBound(to: Int8.self), p3.assumingMemoryBound(to: Int8.self), dim, r4)
                        out[j] = -(delta2 * Float(r4[0]) + p0.load(fromByteOffset: corrOffset, as: Float.self) + queryCorrection)
                        out[j + 1] = -(delta2 * Float(r4[1]) + p1.load(fromByteOffset: corrOffset, as: Float.self) + queryCorrection)
                        out[j + 2] = -(delta2 * Float(r4[2]) + p2.load(fromByteOffset: corrOffset, as: Float.self) + queryCorrection)
                        out[j + 3] = -(delta2 * Float(r4[3]) + p3.load(fromByteOffset: corrOffset, as: Float.self) + queryCorrection)
                    }
                }
            }
            j += 4
        }
        while j < count {
            out[j] = quantizedDistance(context, queryCorrection: queryCorrection, delta2: delta2, ids[j])
            j += 1
        }
    }
}
