import Foundation
import Search
import Storage

extension VectorCollection {
    // MARK: Checkpoints

    /// Whether some dense space has writes its persisted graph does not hold.
    public var needsCheckpoint: Bool {
        let last = lastOperationID
        return checkpointOperations.withLock { ops in dense.keys.contains { (ops[$0] ?? 0) < last } }
    }

    /// Dense vectors written since the last checkpoint: what opening the collection now would replay.
    public var vectorsSinceCheckpoint: Int { writtenSinceCheckpoint.withLock { $0 } }

    /// Whether enough has been written since the last checkpoint that a restart would replay more
    /// than it should: at least `minimumVectors`, and at least an eighth of the collection (so a large
    /// collection under steady writes is not rewritten every few seconds; replaying an eighth of it
    /// still costs far less than rebuilding).
    public func needsCheckpoint(byVolume minimumVectors: Int) -> Bool {
        let written = vectorsSinceCheckpoint
        return written >= minimumVectors && written >= pointsCount / 8
    }

    /// Persists every dense graph as of now, so the next open restores instead of rebuilding.
    /// Runs under the write lock (writes wait; searches go on).
    public func checkpoint() throws {
        writeLock.lock()
        defer { writeLock.unlock() }
        // A retired instance's graphs may belong to a vector space that no longer exists.
        guard !retired else { return }
        indexQueue.sync {}  // the graph must hold every acknowledged write up to `operation`
        let operation = stateLock.withSharedLock { state.lastOperation }
        let stale = checkpointOperations.withLock { ops in dense.keys.filter { (ops[$0] ?? 0) < operation || ops[$0] == nil } }
        guard !stale.isEmpty else { return }
        let snapshots = stale.compactMap { vectorName in
            dense[vectorName].flatMap { index in slots[vectorName].map { (vectorName, $0, index.snapshot()) } }
        }
        do {
            try environment.write { txn in
                for (_, slot, snapshot) in snapshots {
                    try GraphCheckpoint.write(snapshot, operation: operation, cid: cid, slot: slot, table: tables.graphs, txn: txn)
                }
            }
        } catch {
            throw CollectionError.storage("checkpoint of `\(name)` failed: \(error)")
        }
        checkpointOperations.withLock { ops in for name in stale { ops[name] = operation } }
        writtenSinceCheckpoint.withLock { $0 = 0 }
    }
}
