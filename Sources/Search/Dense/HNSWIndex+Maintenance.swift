import CSIMD

extension HNSWIndex {
    /// Removes `id`; a no-op when it is not stored. The point is never returned again; its
    /// neighbours are re-linked around it at once (so the graph stays navigable) and its slot is
    /// reclaimed by the next `vacuum()`.
    public func remove(id: UInt32) {
        guard Int(id) < state.pointee.idBound, store.hasSlot(id) else { return }
        withLock(maintenanceLock) {
            if store.isLive(id) { removeLocked(id) }
        }
    }

    /// Marks a live `id` deleted and repairs the lists of the nodes it links to. Caller holds
    /// `maintenanceLock`.
    func removeLocked(_ id: UInt32) {
        lockNode(id)
        store.setState(id, .deleted)
        unlockNode(id)
        liveCounter.wrappingDecrement(ordering: .relaxed)
        deletedCounter.wrappingIncrement(ordering: .relaxed)
        let level = store.level(id)
        for l in 0...level {
            let neighbours = copyLinks(id, level: l)
            for n in neighbours where n != id && store.state(n) != .empty {
                repair(n, level: l, dropping: [id: neighbours])
            }
        }
        if loadTop().entryPoint == id { chooseNewEntryPoint() }
    }

    /// Turns a deleted slot back to empty (its vector stays readable for stale links).
    func detach(_ id: UInt32) {
        lockNode(id)
        store.setState(id, .empty)
        store.links0(id).pointee = 0
        if let upper = store.upperSlot(id).pointee {
            upper.update(repeating: 0, count: store.level(id) * layout.upperWordsPerLevel)
        }
        unlockNode(id)
        deletedCounter.wrappingDecrement(ordering: .relaxed)
    }

    /// A copy of `id`'s links at `level`.
    func copyLinks(_ id: UInt32, level: Int) -> [UInt32] {
        guard store.level(id) >= level else { return [] }
        lockNode(id)
        defer { unlockNode(id) }
        let links = store.links(id, level: level)
        let n = min(Int(links.pointee), store.maxLinks(level: level))
        return Array(UnsafeBufferPointer(start: links + 1, count: n))
    }

    /// If `node`'s list at `level` names any key of `dropping`, rebuilds it with the heuristic from
    /// its other links plus the dropped nodes' links (so paths through them survive).
    func repair(_ node: UInt32, level: Int, dropping: [UInt32: [UInt32]]) {
        guard store.level(node) >= level else { return }
        lockNode(node)
        defer { unlockNode(node) }
        let links = store.links(node, level: level)
        let maxLinks = store.maxLinks(level: level)
        let n = min(Int(links.pointee), maxLinks)
        var hit = false
        for j in 0..<n where dropping[links[1 + j]] != nil { hit = true; break }
        guard hit else { return }
        var pool = Set<UInt32>()
        for j in 0..<n {
            let x = links[1 + j]
            if let replacement = dropping[x] { pool.formUnion(replacement) } else { pool.insert(x) }
        }
        pool.remove(node)
        let base = store.vector(node)
        var candidates: [Candidate] = []
        candidates.reserveCapacity(pool.count)
        for x in pool where dropping[x] == nil && store.isLive(x) && store.level(x) >= level {
            candidates.append(Candidate(distance: distance(base, store.vector(x)), id: x))
        }
        candidates.sort { $0.distance < $1.distance }
        let kept = selectNeighbours(candidates, limit: maxLinks)
        for (j, k) in kept.enumerated() { links[1 + j] = k.id }
        links.pointee = UInt32(kept.count)
    }

    /// Picks a live node of the highest level as the entry point (or none when the index is empty).
    func chooseNewEntryPoint() {
        withLock(entryLock) {
            var best: UInt32 = .max
            var bestLevel = -1
            for i in 0..<state.pointee.idBound {
                let id = UInt32(i)
                guard store.hasSlot(id), store.isLive(id) else { continue }
                let l = store.level(id)
                if l > bestLevel {
                    best = id
                    bestLevel = l
                }
            }
            publishTop(loadTop().with(entryPoint: best, maxLevel: max(bestLevel, 0)))
        }
    }

    /// Reclaims the slots of removed points: every list that still names one is rebuilt around
    /// it, then the slots become empty (reusable by a later insert). Searches keep running;
    /// inserts and removes wait. Returns the number of slots reclaimed.
    @discardableResult
    public func vacuum() -> Int {
        withLock(maintenanceLock) {
            let bound = state.pointee.idBound
            var dead: [UInt32: [Int: [UInt32]]] = [:]
            var maxDeadLevel = 0
            for i in 0..<bound {
                let id = UInt32(i)
                guard store.hasSlot(id), store.state(id) == .deleted else { continue }
                var perLevel: [Int: [UInt32]] = [:]
                for l in 0...store.level(id) { perLevel[l] = copyLinks(id, level: l) }
                maxDeadLevel = max(maxDeadLevel, store.level(id))
                dead[id] = perLevel
            }
            guard !dead.isEmpty else { return 0 }
            for l in 0...maxDeadLevel {
                var dropping: [UInt32: [UInt32]] = [:]
                for (id, perLevel) in dead { if let links = perLevel[l] { dropping[id] = links } }
                if dropping.isEmpty { continue }
                for i in 0..<bound {
                    let id = UInt32(i)
                    guard store.hasSlot(id), store.isLive(id), store.level(id) >= l else { continue }
                    repair(id, level: l, dropping: dropping)
                }
            }
            for id in dead.keys { detach(id) }
            return dead.count
        }
    }
}
