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

    /// Why the snapshot cannot be restored, or nil when it is consistent.
    public var inconsistency: String? {
        let m = configuration.m
        if !configuration.problems.isEmpty { return configuration.problems.joined(separator: "; ") }
        if !(1...65_000).contains(dimension) { return "dimension \(dimension) out of range" }
        if idBound < 0 || states.count != idBound || levels.count != idBound { return "states/levels do not match idBound" }
        if vectors.count != idBound * dimension { return "vectors hold \(vectors.count) floats, expected \(idBound * dimension)" }
        if level0Links.count != idBound * (1 + 2 * m) { return "level-0 links have the wrong size" }
        let upperWords = levels.reduce(0) { $0 + Int($1) } * (1 + m)
        if upperLinks.count != upperWords { return "upper links hold \(upperLinks.count) words, expected \(upperWords)" }
        if idBound > 0, entryPoint != .max, Int(entryPoint) >= idBound { return "entry point outside the ids" }
        for (i, link) in level0Links.enumerated() where i % (1 + 2 * m) != 0 && Int(link) >= max(idBound, 1) && link != 0 {
            return "a level-0 link points past the ids"
        }
        for s in states where NodeState(rawValue: s) == nil { return "unknown node state \(s)" }
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
            let range = state.pointee.quantizer.map { [$0.lower, $0.upper] } ?? []
            return HNSWSnapshot(
                dimension: dim, metric: metric, configuration: configuration,
                entryPoint: state.pointee.entryPoint, maxLevel: state.pointee.maxLevel, idBound: bound,
                states: states, levels: levels, vectors: vectors, level0Links: links0, upperLinks: upper,
                quantizerRange: range)
        }
    }

    /// Rebuilds an index from a snapshot by copying its arrays into place (no graph construction).
    /// Traps on an inconsistent snapshot; use `restore(_:)` to get an error instead.
    public convenience init(restoring snapshot: HNSWSnapshot) {
        if let problem = snapshot.inconsistency { preconditionFailure("inconsistent HNSW snapshot: \(problem)") }
        self.init(dimension: snapshot.dimension, metric: snapshot.metric, configuration: snapshot.configuration)
        load(snapshot)
    }

    /// Rebuilds an index from a snapshot, or throws `HNSWSnapshotError` when it is inconsistent.
    public static func restore(_ snapshot: HNSWSnapshot) throws -> HNSWIndex {
        if let problem = snapshot.inconsistency { throw HNSWSnapshotError(reason: problem) }
        return HNSWIndex(restoring: snapshot)
    }

    private func load(_ snapshot: HNSWSnapshot) {
        let bound = snapshot.idBound
        let dim = dimension
        let words0 = 1 + layout.maxLinks0
        if bound > 0 { store.ensureCapacity(for: UInt32(bound - 1)) }
        state.pointee.idBound = bound
        state.pointee.entryPoint = bound == 0 ? .max : snapshot.entryPoint
        state.pointee.maxLevel = snapshot.maxLevel
        if snapshot.quantizerRange.count == 2 {
            state.pointee.quantizer = ScalarQuantizer(lower: snapshot.quantizerRange[0], upper: snapshot.quantizerRange[1], dimension: dim)
            state.pointee.quantizerTrainedOn = 1 << 30
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
        if int8Settings != nil, state.pointee.quantizer == nil, live > 0 { requantize() }
    }
}

/// A snapshot whose arrays do not fit together.
public struct HNSWSnapshotError: Error, CustomStringConvertible, Sendable {
    public let reason: String
    public var description: String { "cannot restore HNSW index: \(reason)" }
}
