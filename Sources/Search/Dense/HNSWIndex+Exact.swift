import CBLAS
import CSIMD

extension HNSWIndex {
    /// The exact `limit` best live points allowed by `filter`, best first (a full scan).
    public func exactSearch<F: CandidateFilter>(_ query: [Float], limit: Int, filter: F) throws -> [SearchHit] {
        guard limit > 0 else { throw VectorError.invalidLimit(limit) }
        let prepared = try prepare(query)
        return prepared.withUnsafeBufferPointer { exactSearchPrepared($0.baseAddress!, limit: limit, filter: filter) }
    }

    /// The exact `limit` best live points (no filter).
    public func exactSearch(_ query: [Float], limit: Int) throws -> [SearchHit] {
        try exactSearch(query, limit: limit, filter: NoFilter())
    }

    /// Scans ids in order, scoring accepted ones four at a time.
    func exactSearchPrepared<F: CandidateFilter>(_ query: UnsafePointer<Float>, limit: Int, filter: F) -> [SearchHit] {
        let bound = state.pointee.idBound
        var heap = CandidateHeap(capacity: limit + 1)  // max-heap via negated distances
        defer { heap.free() }
        var pending: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
        var pendingCount = 0
        var out: (Float, Float, Float, Float) = (0, 0, 0, 0)
        @inline(__always) func offer(_ id: UInt32, _ d: Float) {
            if heap.count < limit {
                heap.push(Candidate(distance: -d, id: id))
            } else if d < -heap.top.distance {
                heap.replaceTop(Candidate(distance: -d, id: id))
            }
        }
        withUnsafeMutablePointer(to: &pending) { pendingPtr in
            pendingPtr.withMemoryRebound(to: UInt32.self, capacity: 4) { ids in
                withUnsafeMutablePointer(to: &out) { outPtr in
                    outPtr.withMemoryRebound(to: Float.self, capacity: 4) { d in
                        for i in 0..<bound {
                            let id = UInt32(i)
                            guard store.hasSlot(id), store.isLive(id), filter.allows(id) else { continue }
                            ids[pendingCount] = id
                            pendingCount += 1
                            if pendingCount == 4 {
                                if isL2 {
                                    csimd_l2sq4_f32(query, store.vector(ids[0]), store.vector(ids[1]), store.vector(ids[2]),
                                                    store.vector(ids[3]), dimension, d)
                                } else {
                                    csimd_dot4_f32(query, store.vector(ids[0]), store.vector(ids[1]), store.vector(ids[2]),
                                                   store.vector(ids[3]), dimension, d)
                                    for k in 0..<4 { d[k] = -d[k] }
                                }
                                for k in 0..<4 { offer(ids[k], d[k]) }
                                pendingCount = 0
                            }
                        }
                        for k in 0..<pendingCount { offer(ids[k], distance(query, store.vector(ids[k]))) }
                    }
                }
            }
        }
        var hits: [SearchHit] = []
        hits.reserveCapacity(heap.count)
        while !heap.isEmpty {
            let c = heap.pop()
            hits.append(SearchHit(id: c.id, score: score(fromDistance: -c.distance)))
        }
        hits.reverse()
        return hits
    }

    /// Exact results for many queries at once: scores blocks of queries against each storage
    /// chunk with one `cblas_sgemm`, then keeps the `limit` best accepted points per query.
    /// Returns one best-first list per query.
    public func exactSearch<F: CandidateFilter>(batch queries: [[Float]], limit: Int, filter: F) throws -> [[SearchHit]] {
        guard limit > 0 else { throw VectorError.invalidLimit(limit) }
        guard !queries.isEmpty else { return [] }
        var flat: [Float] = []
        flat.reserveCapacity(queries.count * dimension)
        for q in queries { flat += try prepare(q) }
        let dim = dimension
        let bound = state.pointee.idBound
        let chunkSize = NodeStore.chunkSize
        let queryBlock = 256
        var heaps = (0..<queries.count).map { _ in CandidateHeap(capacity: limit + 1) }
        defer { for h in heaps { h.free() } }
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: queryBlock * chunkSize)
        defer { scores.deallocate() }
        let norms = UnsafeMutablePointer<Float>.allocate(capacity: chunkSize)
        defer { norms.deallocate() }
        let accepted = UnsafeMutablePointer<Bool>.allocate(capacity: chunkSize)
        defer { accepted.deallocate() }

        flat.withUnsafeBufferPointer { qbuf in
            let qbase = qbuf.baseAddress!
            var chunkStart = 0
            while chunkStart < bound {
                let rows = min(chunkSize, bound - chunkStart)
                let first = UInt32(chunkStart)
                let base = store.vector(first)
                let ldb = layout.quantized ? dim : layout.stride / 4
                var anyAccepted = false
                for r in 0..<rows {
                    let id = first + UInt32(r)
                    let ok = store.isLive(id) && filter.allows(id)
                    accepted[r] = ok
                    anyAccepted = anyAccepted || ok
                    if ok && isL2 { norms[r] = csimd_norm2_f32(base + r * ldb, dim) }
                }
                if anyAccepted {
                    var qStart = 0
                    while qStart < queries.count {
                        let qn = min(queryBlock, queries.count - qStart)
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(qn), Int32(rows), Int32(dim),
                                    1, qbase + qStart * dim, Int32(dim), base, Int32(ldb), 0, scores, Int32(rows))
                        for qi in 0..<qn {
                            let row = scores + qi * rows
                            for r in 0..<rows where accepted[r] {
                                let d = isL2 ? norms[r] - 2 * row[r] : -row[r]
                                if heaps[qStart + qi].count < limit {
                                    heaps[qStart + qi].push(Candidate(distance: -d, id: first + UInt32(r)))
                                } else if d < -heaps[qStart + qi].top.distance {
                                    heaps[qStart + qi].replaceTop(Candidate(distance: -d, id: first + UInt32(r)))
                                }
                            }
                        }
                        qStart += qn
                    }
                }
                chunkStart += rows
            }
        }
        var results: [[SearchHit]] = []
        results.reserveCapacity(queries.count)
        for qi in 0..<queries.count {
            let qNorm = isL2 ? flat.withUnsafeBufferPointer { csimd_norm2_f32($0.baseAddress! + qi * dim, dim) } : 0
            var hits: [SearchHit] = []
            while !heaps[qi].isEmpty {
                let c = heaps[qi].pop()
                hits.append(SearchHit(id: c.id, score: score(fromDistance: -c.distance + qNorm)))
            }
            hits.reverse()
            results.append(hits)
        }
        return results
    }

    /// Exact results for many queries (no filter).
    public func exactSearch(batch queries: [[Float]], limit: Int) throws -> [[SearchHit]] {
        try exactSearch(batch: queries, limit: limit, filter: NoFilter())
    }
}
