import Foundation
import Storage
import Synchronization

/// Keeps every index entry and count of a job in step with its record: each state change is one
/// `replace(old, with: new)` that deletes the entries only the old record had, puts those only the
/// new one has, moves the counts and writes (or deletes) the record, all in the caller's transaction.
///
/// Decoded records of jobs that are not finished are cached with the exact bytes they were stored
/// as: a load whose stored bytes equal the cached bytes returns the cached record without parsing
/// (the JSON round trip is exact, so equal bytes mean an equal record). An entry left by a write that
/// did not commit simply never matches again, so the cache needs no transaction of its own.
struct JobIndexing: Sendable {
    let tables: JobTables
    let cache: DecodedRecordCache<String, JobRecord>

    init(tables: JobTables, cacheCapacity: Int = 16_384) {
        self.tables = tables
        cache = DecodedRecordCache(capacity: cacheCapacity)
    }

    /// The record as stored, or nil; a record that does not decode throws `JobError.damagedRecord`.
    func load(_ id: String, in txn: ReadTransaction) throws -> JobRecord? {
        try tables.records.withStoredBytes(id, in: txn) { bytes in
            if let cached = cache.record(id, storedAs: bytes) { return cached }
            do {
                return try JobRecord(stored: bytes)
            } catch let failure as JobRecord.DecodingFailure {
                throw JobError.damagedRecord(id: id, reason: failure.description)
            }
        }
    }

    /// The next number of the queue's sequence (ready/delayed/active tie-breakers and lease tokens):
    /// a transaction counter, so a group commit issuing many numbers writes the counter once.
    func nextSequence(in txn: WriteTransaction) throws -> UInt64 {
        let issued = try txn.counter("sequence", in: tables.meta)
        txn.add(1, toCounter: "sequence", in: tables.meta)
        return issued &+ 1
    }

    /// Replaces `old` by `new` (either may be nil: insert, delete) with all their index entries and counts.
    func replace(_ old: JobRecord?, with new: JobRecord?, in txn: WriteTransaction) throws {
        let id = (new ?? old)?.id ?? ""
        // The creation-ordered listings never change while the job exists.
        if (old == nil) != (new == nil), let r = new ?? old {
            let byOrg = JobKeys.listing(org: r.organizationID, createdAt: r.createdAt, id: r.id)
            let byUser = r.userID.map { JobKeys.listing(org: r.organizationID, user: $0, createdAt: r.createdAt, id: r.id) }
            if new != nil {
                try tables.byOrg.put([], for: byOrg, in: txn)
                if let byUser { try tables.byUser.put([], for: byUser, in: txn) }
            } else {
                try tables.byOrg.delete(byOrg, in: txn)
                if let byUser { try tables.byUser.delete(byUser, in: txn) }
            }
        }
        if old?.state != new?.state {
            if let old {
                try tables.byOrgState.delete(JobKeys.listing(org: old.organizationID, state: old.state, createdAt: old.createdAt, id: old.id), in: txn)
                if let user = old.userID {
                    try tables.byUserState.delete(JobKeys.listing(org: old.organizationID, user: user, state: old.state, createdAt: old.createdAt, id: old.id), in: txn)
                }
                for key in countKeys(of: old) { try adjustCount(key, by: -1, in: txn) }
            }
            if let new {
                try tables.byOrgState.put([], for: JobKeys.listing(org: new.organizationID, state: new.state, createdAt: new.createdAt, id: new.id), in: txn)
                if let user = new.userID {
                    try tables.byUserState.put([], for: JobKeys.listing(org: new.organizationID, user: user, state: new.state, createdAt: new.createdAt, id: new.id), in: txn)
                }
                for key in countKeys(of: new) { try adjustCount(key, by: 1, in: txn) }
            }
        }
        let oldOrder = old.flatMap(orderEntry(of:)), newOrder = new.flatMap(orderEntry(of:))
        if oldOrder?.key != newOrder?.key || oldOrder?.index != newOrder?.index {
            if let oldOrder { try order(oldOrder.index).delete(oldOrder.key, in: txn) }
            if let newOrder { try order(newOrder.index).put(id, for: newOrder.key, in: txn) }
        }
        if old?.concurrencySlot != new?.concurrencySlot {
            if let slot = old?.concurrencySlot { try tables.slots.delete(JobKeys.slot(slot, id: id), in: txn) }
            if let slot = new?.concurrencySlot { try tables.slots.put([], for: JobKeys.slot(slot, id: id), in: txn) }
        }
        if let new {
            let bytes = new.encoded()
            try tables.records.put(bytes, for: new.id, in: txn)
            if new.state.isTerminal { cache.remove(id) } else { cache.store(new, storedAs: bytes, for: id) }
        } else if let old {
            try tables.records.delete(old.id, in: txn)
            cache.remove(id)
        }
    }

    /// Removes the index entry that pointed at a record which is missing or damaged, so a queue never
    /// sticks on it. Counts are left: a damaged record's state cannot be read.
    func dropOrphan(ready key: [UInt8], in txn: WriteTransaction) throws { try tables.ready.delete(key, in: txn) }
    func dropOrphan(delayed key: [UInt8], in txn: WriteTransaction) throws { try tables.delayed.delete(key, in: txn) }
    func dropOrphan(active key: [UInt8], in txn: WriteTransaction) throws { try tables.active.delete(key, in: txn) }
    func dropOrphan(finished key: [UInt8], in txn: WriteTransaction) throws { try tables.finished.delete(key, in: txn) }

    func count(_ key: [UInt8], in txn: ReadTransaction) throws -> Int {
        Int(clamping: try tables.counts.get(key, in: txn) ?? 0)
    }

    /// Counts are transaction counters: summed in memory, written once per commit, never below zero.
    private func adjustCount(_ key: [UInt8], by delta: Int64, in txn: WriteTransaction) throws {
        txn.add(delta, toCounter: key, in: tables.counts)
    }

    private enum Order { case ready, delayed, active, finished }

    /// The job's entry in the table that orders its current state (ready, delayed, active or finished).
    private func orderEntry(of r: JobRecord) -> (index: Order, key: [UInt8])? {
        switch r.state {
        case .waiting: (.ready, JobKeys.ready(queue: r.queue, priority: r.priority, sequence: r.sequence))
        case .delayed: (.delayed, JobKeys.delayed(due: r.notBefore, sequence: r.sequence))
        case .active: r.lease.map { (.active, JobKeys.active(expiresAt: $0.expiresAt, sequence: r.sequence)) }
        case .completed, .failed, .cancelled:
            (.finished, JobKeys.finished(queue: r.queue, state: r.state, at: Self.finishedTime(r), sequence: r.sequence))
        }
    }

    private func order(_ index: Order) -> Table<[UInt8], String> {
        switch index {
        case .ready: tables.ready
        case .delayed: tables.delayed
        case .active: tables.active
        case .finished: tables.finished
        }
    }

    static func finishedTime(_ r: JobRecord) -> Int64 { r.completedAt ?? r.failedAt ?? r.cancelledAt ?? r.updatedAt }

    private func countKeys(of r: JobRecord) -> [[UInt8]] {
        var keys = [JobKeys.queueCount(r.queue, r.state), JobKeys.orgCount(r.organizationID, r.state)]
        if let user = r.userID { keys.append(JobKeys.userCount(r.organizationID, user, r.state)) }
        return keys
    }
}
