import CLMDB
import Foundation

/// A read-only LMDB transaction, valid only inside the `Environment.read` (or `write`) closure that
/// received it. It is not `Sendable`: it belongs to the thread that runs the closure.
public class ReadTransaction {
    let txn: OpaquePointer
    unowned let environment: Environment
    var isOpen = true

    init(txn: OpaquePointer, environment: Environment) {
        self.txn = txn
        self.environment = environment
    }

    func abort() {
        guard isOpen else { return }
        mdb_txn_abort(txn)
        isOpen = false
    }

    /// Raw look-up: calls `body` with the stored bytes (valid only during the call), or returns nil.
    func withValue<R>(dbi: MDB_dbi, key: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R? {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val()
        let rc = mdb_get(txn, dbi, &k, &v)
        if rc == MDB_NOTFOUND { return nil }
        try check(rc, "mdb_get")
        return try body(UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
    }

    func stats(of dbi: MDB_dbi) throws -> Environment.TableStats {
        var stat = MDB_stat()
        try check(mdb_stat(txn, dbi, &stat), "mdb_stat")
        return Environment.TableStats(
            entries: stat.ms_entries,
            depth: Int(stat.ms_depth),
            branchPages: stat.ms_branch_pages,
            leafPages: stat.ms_leaf_pages,
            overflowPages: stat.ms_overflow_pages
        )
    }
}

/// A read-write transaction, valid only inside the `Environment.write` closure (or the
/// `WriteTransaction.nested` closure) that received it.
///
/// Invariants:
/// - While a child made by `nested` is open, its parent is blocked: LMDB refuses the parent's
///   operations (`MDB_BAD_TXN`), so only the child writes.
/// - A child commits into its parent when its closure returns and is aborted when it throws; the
///   parent stays usable either way.
/// - After-commit hooks run once, after the outermost transaction commits; a child's hooks join its
///   parent's when the child commits and vanish when it aborts; an aborted or re-run outermost
///   transaction drops them all.
/// - `MAP_FULL` met anywhere in the tree marks the outermost transaction, so `Environment.write`
///   grows the map and re-runs its closure even when a body caught the error.
/// - Counter deltas (`add(_:toCounter:in:)`) are summed in memory and written once, just before the
///   outermost commit; `counter(_:in:)` reads stored value plus every pending delta of this
///   transaction and its ancestors; a child's deltas join its parent's on commit and vanish on abort.
///   A counter never goes below zero (it is removed at zero).
public final class WriteTransaction: ReadTransaction {
    /// Set when LMDB reported `MDB_MAP_FULL` here or in a child; the environment then grows the map and retries.
    var hitMapFull = false {
        didSet { if hitMapFull { parent?.hitMapFull = true } }
    }
    private let parent: WriteTransaction?
    /// Hooks to run after the outermost commit, in registration order.
    private(set) var afterCommitHooks: [@Sendable () -> Void] = []
    /// Pending counter deltas by table and encoded key.
    private var counterDeltas: [CounterKey: Int64] = [:]

    private struct CounterKey: Hashable {
        let dbi: MDB_dbi
        let key: [UInt8]
    }

    init(txn: OpaquePointer, environment: Environment, parent: WriteTransaction? = nil) {
        self.parent = parent
        super.init(txn: txn, environment: environment)
    }

    /// Runs `body` in a child transaction (LMDB's nested transaction): its changes join this
    /// transaction when `body` returns and are discarded when it throws, leaving this transaction
    /// usable. Do not use this transaction inside `body`; use the child.
    public func nested<R>(_ body: (WriteTransaction) throws -> R) throws -> R {
        var raw: OpaquePointer?
        try check(mdb_txn_begin(environment.env, txn, 0, &raw), "mdb_txn_begin(nested)")
        guard let raw else { throw LMDBError(code: EINVAL, operation: "mdb_txn_begin(nested)") }
        let child = WriteTransaction(txn: raw, environment: environment, parent: self)
        let result: R
        do {
            result = try body(child)
        } catch {
            child.abort()
            throw error
        }
        if child.hitMapFull {
            // The body swallowed MAP_FULL; the child is poisoned. The outermost write will grow and re-run.
            child.abort()
            throw LMDBError(code: MDB_MAP_FULL, operation: "nested transaction")
        }
        let rc = child.commit()
        if rc == MDB_MAP_FULL { hitMapFull = true }
        try check(rc, "mdb_txn_commit(nested)")
        afterCommitHooks.append(contentsOf: child.afterCommitHooks)
        for (key, delta) in child.counterDeltas { counterDeltas[key, default: 0] &+= delta }
        return result
    }

    /// Adds `delta` to the UInt64 counter stored under `key` in `table`, in memory: the sum is written
    /// once, just before the outermost commit (many writers of one counter in a group commit cost one
    /// put). The stored value never goes below zero; at zero the entry is removed.
    public func add<Key: StorageCodable>(_ delta: Int64, toCounter key: Key, in table: Table<Key, UInt64>) {
        let counter = CounterKey(dbi: table.dbi, key: key.withStorageBytes { Array($0) })
        counterDeltas[counter, default: 0] &+= delta
    }

    /// The counter's value as this transaction sees it: stored value plus pending deltas, at least zero.
    public func counter<Key: StorageCodable>(_ key: Key, in table: Table<Key, UInt64>) throws -> UInt64 {
        let stored = try table.get(key, in: self) ?? 0
        let pending = pendingDelta(CounterKey(dbi: table.dbi, key: key.withStorageBytes { Array($0) }))
        let total = Int64(clamping: stored).addingReportingOverflow(pending)
        return total.overflow ? (pending > 0 ? .max : 0) : UInt64(max(0, total.partialValue))
    }

    private func pendingDelta(_ key: CounterKey) -> Int64 {
        (counterDeltas[key] ?? 0) &+ (parent?.pendingDelta(key) ?? 0)
    }

    /// Writes the pending counter sums (the outermost transaction, right before it commits).
    func applyCounters() throws {
        for (counter, delta) in counterDeltas where delta != 0 {
            let stored: UInt64 = try counter.key.withUnsafeBytes { key in
                try withValue(dbi: counter.dbi, key: key) { try UInt64(storageBytes: $0) }
            } ?? 0
            let total = Int64(clamping: stored).addingReportingOverflow(delta)
            let next: UInt64 = total.overflow ? (delta > 0 ? .max : 0) : UInt64(max(0, total.partialValue))
            try counter.key.withUnsafeBytes { key in
                if next == 0 {
                    _ = try delete(dbi: counter.dbi, key: key)
                } else {
                    try next.withStorageBytes { try put(dbi: counter.dbi, key: key, value: $0) }
                }
            }
        }
        counterDeltas.removeAll()
    }

    /// Registers `body` to run once after the outermost transaction has committed (durably, with
    /// `.sync`), on the committing thread and outside the writer lock. It never runs if the
    /// transaction (or the child it was registered in) aborts, or if the write is re-run for map
    /// growth (the re-run registers its own). Keep hooks short: they delay the writer's caller.
    public func afterCommit(_ body: @escaping @Sendable () -> Void) {
        afterCommitHooks.append(body)
    }

    func commit() -> Int32 {
        precondition(isOpen, "commit of a finished transaction")
        let rc = mdb_txn_commit(txn)
        isOpen = false  // mdb_txn_commit frees the transaction whether or not it succeeds
        return rc
    }

    func put(dbi: MDB_dbi, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, flags: UInt32 = 0) throws {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        let rc = mdb_put(txn, dbi, &k, &v, flags)
        if rc == MDB_MAP_FULL { hitMapFull = true }
        try check(rc, "mdb_put")
    }

    /// Reserves `count` bytes for the value and lets `body` fill them in place (no intermediate copy).
    func putReserved(dbi: MDB_dbi, key: UnsafeRawBufferPointer, count: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> Void) throws {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: count, mv_data: nil)
        let rc = mdb_put(txn, dbi, &k, &v, UInt32(MDB_RESERVE))
        if rc == MDB_MAP_FULL { hitMapFull = true }
        try check(rc, "mdb_put(reserve)")
        try body(UnsafeMutableRawBufferPointer(start: v.mv_data, count: count))
    }

    func delete(dbi: MDB_dbi, key: UnsafeRawBufferPointer) throws -> Bool {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        let rc = mdb_del(txn, dbi, &k, nil)
        if rc == MDB_NOTFOUND { return false }
        if rc == MDB_MAP_FULL { hitMapFull = true }
        try check(rc, "mdb_del")
        return true
    }

    func clear(dbi: MDB_dbi) throws {
        try check(mdb_drop(txn, dbi, 0), "mdb_drop")
    }
}
