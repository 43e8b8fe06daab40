import CSIMD

/// Everything an `HNSWIndex` needs to come back without rebuilding, as a few flat arrays that
/// are cheap to write to and read from storage as large values.
///
/// Invariants (checked by `HNSWIndex.restore(_:)`): `states`, `levels` have `idBound` entries;
/// `vectors` has `idBound × dimension` (the stored, i.e. normalised, vectors); `level0Links` has
/// `idBound × (1 + 2m)` words, each node `[count, links…]`; `upperLinks` holds, for every node with
/// level > 0 in id order, `level × (1 + m)` words; `quantizerRange` is `[lower, upper]` or empty.
public struct HNSWSnapshot: Sendable, Equatable, Codable {
    public var dimension: Int
    public var metric: DistanceMetric
    public var configuration: HNSWConfiguration
    public var entryPoint: UInt32
    public var maxLevel: Int
    public var idBound: Int
    public var states: [UInt8]
    public var levels: [UInt8]
    public var vectors: [Float]
    public var level0Links: [UInt32]
    public var upperLinks: [UInt32]
    public var quantizerRange: [Float]

    /// Why the snapshot cannot be restored, or nil when it is consistent. Checks everything a walk
    /// relies on (sizes, states, levels, every link count and link target), so a damaged checkpoint is
    /// refused instead of crashing a later search.
    public var inconsistency: String? {
        let m = configuration.m
        let problems = HNSWIndex.problems(dimension: dimension, configuration: configuration)
        if !problems.isEmpty { return problems.joined(separator: "; ") }
        if idBound < 0 || idBound > configuration.maxElements || states.count != idBound || levels.count != idBound {
            return "states/levels do not match idBound"
        }
        let (vectorCount, overflow) = idBound.multipliedReportingOverflow(by: dimension)
        if overflow || vectors.count != vectorCount { return "vectors hold \(vectors.count) floats, expected \(idBound) × \(dimension)" }
        let words0 = 1 + 2 * m
        if level0Links.count != idBound * words0 { return "level-0 links have the wrong size" }
        if levels.contains(where: { $0 > 30 }) { return "a node level above 30" }
        let upperWords = levels.reduce(0) { $0 + Int($1) } * (1 + m)
        if upperLinks.count != upperWords { return "upper links hold \(upperLinks.count) words, expected \(upperWords)" }
        for s in states where NodeState(rawValue: s) == nil { return "unknown node state \(s)" }
        if !(quantizerRange.isEmpty || (quantizerRange.count == 2 && quantizerRange.allSatisfy(\.isFinite))) {
            return "quantizer range must be empty or two finite numbers"
        }
        if idBound > 0, entryPoint != .max {
            guard Int(entryPoint) < idBound else { return "entry point outside the ids" }
            guard Int(levels[Int(entryPoint)]) == maxLevel else { return "maxLevel differs from the entry point's level" }
        }
        func linksValid(_ words: ArraySlice<UInt32>, maxLinks: Int) -> Bool {
            guard let count = words.first, Int(count) <= maxLinks else { return false }
            return words.dropFirst().prefix(Int(count)).allSatisfy { Int($0) < idBound }
        }
        for node in 0..<idBound where !linksValid(level0Links[(node * words0)..<((node + 1) * words0)], maxLinks: 2 * m) {
            return "node \(node) has a level-0 link count or target out of range"
        }
        var cursor = 0
        for node in 0..<idBound {
            for _ in 0..<Int(levels[node]) {
                guard linksValid(upperLinks[cursor..<(cursor + 1 + m)], maxLinks: m) else {
                    return "node \(node) has an upper link count or target out of range"
                }
                cursor += 1 + m
            }
        }
        return nil
    }
}


extension HNSWIndex {
    /// A copy of the whole index (taken under the maintenance lock; concurrent inserts of new ids
    /// may or may not be included).
    public func snapshot() -> HNSWSnapshot {
        withLock(maintenanceLock) {
            let bound = state.pointee.idBound
            let dim = dimension
            let words0 = 1 + layout.maxLinks0
            var states = [UInt8](repeating: 0, count: bound)
            var levels = [UInt8](repeating: 0, count: bound)
            var vectors = [Float](repeating: 0, count: bound * dim)
            var links0 = [UInt32](repeating: 0, count: bound * words0)
            var upper: [UInt32] = []
            vectors.withUnsafeMutableBufferPointer { v in
                links0.withUnsafeMutableBufferPointer { l in
                    for i in 0..<bound {
                        let id = UInt32(i)
                        guard store.hasSlot(id) else { continue }
                        lockNode(id)
                        states[i] = store.statePointer(id).pointee
                        let level = store.level(id)
                        levels[i] = UInt8(level)
                        (v.baseAddress! + i * dim).update(from: store.vector(id), count: dim)
                        (l.baseAddress! + i * words0).update(from: store.links0(id), count: words0)
                        if level > 0, let buffer = store.upperSlot(id).pointee {
                            upper.append(contentsOf: UnsafeBufferPointer(start: buffer, count: level * layout.upperWordsPerLevel))
                        } else if level > 0 {
                            upper.append(contentsOf: repeatElement(0, count: level * layout.upperWordsPerLevel))
                        }
                        unlockNode(id)
                    }
                }
            }
            let published = loadTop()
            let range = published.quantizer.map { [$0.lower, $0.upper] } ?? []
            return HNSWSnapshot(
                dimension: dim, metric: metric, configuration: configuration,
                entryPoint: published.entryPoint, maxLevel: published.maxLevel, idBound: bound,
                states: states, levels: levels, vectors: vectors, level0Links: links0, upperLinks: upper,
                quantizerRange: range)
        }
    }

    /// Rebuilds an index from a snapshot by copying its arrays into place (no graph construction).
    /// Throws `HNSWSnapshotError` when the snapshot is inconsistent.
    public convenience init(restoring snapshot: HNSWSnapshot) throws {
        if let problem = snapshot.inconsistency { throw HNSWSnapshotError(reason: problem) }
        try self.init(dimension: snapshot.dimension, metric: snapshot.metric, configuration: snapshot.configuration)
        load(snapshot)
    }

    /// Rebuilds an index from a snapshot, or throws `HNSWSnapshotError` when it is inconsistent.
    public static func restore(_ snapshot: HNSWSnapshot) throws -> HNSWIndex {
        try HNSWIndex(restoring: snapshot)
    }

    private func load(_ snapshot: HNSWSnapshot) {
        let bound = snapshot.idBound
        let dim = dimension
        let words0 = 1 + layout.maxLinks0
        if bound > 0 { store.ensureCapacity(for: UInt32(bound - 1)) }
        state.pointee.idBound = bound
        var quantizer: ScalarQuantizer?
        if snapshot.quantizerRange.count == 2 {
            quantizer = ScalarQuantizer(lower: snapshot.quantizerRange[0], upper: snapshot.quantizerRange[1], dimension: dim)
            state.pointee.quantizerTrainedOn = 1 << 30
        }
        withLock(entryLock) {
            publishTop(GraphTop(entryPoint: bound == 0 ? .max : snapshot.entryPoint, maxLevel: snapshot.maxLevel, quantizer: quantizer))
        }
        var live = 0, deleted = 0, upperWords = 0
        snapshot.vectors.withUnsafeBufferPointer { v in
            snapshot.level0Links.withUnsafeBufferPointer { l in
                snapshot.upperLinks.withUnsafeBufferPointer { u in
                    var upperCursor = 0
                    for i in 0..<bound {
                        let id = UInt32(i)
                        let level = Int(snapshot.levels[i])
                        store.setLevel(id, level)
                        store.statePointer(id).pointee = snapshot.states[i]
                        store.vector(id).update(from: v.baseAddress! + i * dim, count: dim)
                        store.links0(id).update(from: l.baseAddress! + i * words0, count: words0)
                        if level > 0 {
                            let words = level * layout.upperWordsPerLevel
                            let buffer = UnsafeMutablePointer<UInt32>.allocate(capacity: words)
                            buffer.initialize(from: u.baseAddress! + upperCursor, count: words)
                            store.upperSlot(id).pointee = buffer
                            upperCursor += words
                            upperWords += words
                        }
                        switch store.state(id) {
                        case .live: live += 1
                        case .deleted: deleted += 1
                        case .empty: break
                        }
                        if int8Settings != nil, store.state(id) != .empty { encode(id) }
                    }
                }
            }
        }
        liveCounter.store(live, ordering: .relaxed)
        deletedCounter.store(deleted, ordering: .relaxed)
        upperBytes.store(upperWords * 4, ordering: .relaxed)
        if int8Settings != nil, loadTop().quantizer == nil, live > 0 { requantize() }
    }
}

/// A snapshot whose arrays do not fit together.
public struct HNSWSnapshotError: Error, CustomStringConvertible, Sendable {
    public let reason: String
    public var description: String { "cannot restore HNSW index: \(reason)" }
}
