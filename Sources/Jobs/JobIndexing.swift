import Storage

/// Keeps every index entry and count of a job in step with its record: each state change is one
/// `replace(old, with: new)` that deletes the entries only the old record had, puts those only the
/// new one has, moves the counts and writes (or deletes) the record, all in the caller's transaction.
struct JobIndexing: Sendable {
    let tables: JobTables

    private enum Index: Hashable {
        case ready, delayed, active, finished, byOrg, byOrgState, byUser, byUserState, slots
    }

    private struct Entry: Hashable {
        let index: Index
        let key: [UInt8]
    }

    /// The record as stored, or nil; a record that does not decode throws `JobError.damagedRecord`.
    func load(_ id: String, in txn: ReadTransaction) throws -> JobRecord? {
        try tables.records.withStoredBytes(id, in: txn) { bytes in
            do {
                return try JobRecord(stored: bytes)
            } catch let failure as JobRecord.DecodingFailure {
                throw JobError.damagedRecord(id: id, reason: failure.description)
            }
        }
    }

    /// The next number of the queue's sequence (ready/delayed/active tie-breakers and lease tokens).
    func nextSequence(in txn: WriteTransaction) throws -> UInt64 {
        let next = try tables.meta.get("sequence", in: txn) ?? 1
        try tables.meta.put(next &+ 1, for: "sequence", in: txn)
        return next
    }

    /// Replaces `old` by `new` (either may be nil: insert, delete) with all their index entries and counts.
    func replace(_ old: JobRecord?, with new: JobRecord?, in txn: WriteTransaction) throws {
        let before = old.map(entries(of:)) ?? []
        let after = new.map(entries(of:)) ?? []
        let afterSet = Set(after)
        let beforeSet = Set(before)
        for entry in before where !afterSet.contains(entry) {
            try table(entry.index, delete: entry.key, in: txn)
        }
        for entry in after where !beforeSet.contains(entry) {
            // Ordering tables map to the id; listing and slot tables carry it in the key.
            try table(entry.index, put: entry.key, id: (new ?? old)?.id ?? "", in: txn)
        }
        if old?.state != new?.state || old == nil || new == nil {
            for key in old.map(countKeys(of:)) ?? [] { try adjustCount(key, by: -1, in: txn) }
            for key in new.map(countKeys(of:)) ?? [] { try adjustCount(key, by: 1, in: txn) }
        }
        if let new {
            try tables.records.put(new.encoded(), for: new.id, in: txn)
        } else if let old {
            try tables.records.delete(old.id, in: txn)
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

    private func adjustCount(_ key: [UInt8], by delta: Int, in txn: WriteTransaction) throws {
        let current = try tables.counts.get(key, in: txn) ?? 0
        if delta < 0 {
            // Never below zero: a count with nothing left is removed.
            if current <= UInt64(-delta) { try tables.counts.delete(key, in: txn) } else { try tables.counts.put(current - UInt64(-delta), for: key, in: txn) }
        } else {
            try tables.counts.put(current &+ UInt64(delta), for: key, in: txn)
        }
    }

    private func entries(of r: JobRecord) -> [Entry] {
        let suffix = JobKeys.listSuffix(createdAt: r.createdAt, id: r.id)
        var entries = [
            Entry(index: .byOrg, key: JobKeys.orgPrefix(r.organizationID) + suffix),
            Entry(index: .byOrgState, key: JobKeys.orgStatePrefix(r.organizationID, r.state) + suffix),
        ]
        if let user = r.userID {
            entries.append(Entry(index: .byUser, key: JobKeys.userPrefix(r.organizationID, user) + suffix))
            entries.append(Entry(index: .byUserState, key: JobKeys.userStatePrefix(r.organizationID, user, r.state) + suffix))
        }
        switch r.state {
        case .waiting:
            entries.append(Entry(index: .ready, key: JobKeys.ready(queue: r.queue, priority: r.priority, sequence: r.sequence)))
        case .delayed:
            entries.append(Entry(index: .delayed, key: JobKeys.delayed(due: r.notBefore, sequence: r.sequence)))
        case .active:
            if let lease = r.lease {
                entries.append(Entry(index: .active, key: JobKeys.active(expiresAt: lease.expiresAt, sequence: r.sequence)))
            }
        case .completed, .failed, .cancelled:
            entries.append(Entry(index: .finished, key: JobKeys.finished(queue: r.queue, state: r.state, at: Self.finishedTime(r), sequence: r.sequence)))
        }
        if let slot = r.concurrencySlot {
            entries.append(Entry(index: .slots, key: JobKeys.slot(slot, id: r.id)))
        }
        return entries
    }

    static func finishedTime(_ r: JobRecord) -> Int64 { r.completedAt ?? r.failedAt ?? r.cancelledAt ?? r.updatedAt }

    private func countKeys(of r: JobRecord) -> [[UInt8]] {
        var keys = [JobKeys.queueCount(r.queue, r.state), JobKeys.orgCount(r.organizationID, r.state)]
        if let user = r.userID { keys.append(JobKeys.userCount(r.organizationID, user, r.state)) }
        return keys
    }

    private func table(_ index: Index, delete key: [UInt8], in txn: WriteTransaction) throws {
        switch index {
        case .ready: try tables.ready.delete(key, in: txn)
        case .delayed: try tables.delayed.delete(key, in: txn)
        case .active: try tables.active.delete(key, in: txn)
        case .finished: try tables.finished.delete(key, in: txn)
        case .byOrg: try tables.byOrg.delete(key, in: txn)
        case .byOrgState: try tables.byOrgState.delete(key, in: txn)
        case .byUser: try tables.byUser.delete(key, in: txn)
        case .byUserState: try tables.byUserState.delete(key, in: txn)
        case .slots: try tables.slots.delete(key, in: txn)
        }
    }

    private func table(_ index: Index, put key: [UInt8], id: String, in txn: WriteTransaction) throws {
        switch index {
        case .ready: try tables.ready.put(id, for: key, in: txn)
        case .delayed: try tables.delayed.put(id, for: key, in: txn)
        case .active: try tables.active.put(id, for: key, in: txn)
        case .finished: try tables.finished.put(id, for: key, in: txn)
        case .byOrg: try tables.byOrg.put([], for: key, in: txn)
        case .byOrgState: try tables.byOrgState.put([], for: key, in: txn)
        case .byUser: try tables.byUser.put([], for: key, in: txn)
        case .byUserState: try tables.byUserState.put([], for: key, in: txn)
        case .slots: try tables.slots.put([], for: key, in: txn)
        }
    }
}
