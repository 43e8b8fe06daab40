import CLMDB

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

/// The single read-write transaction, valid only inside the `Environment.write` closure.
public final class WriteTransaction: ReadTransaction {
    /// Set when LMDB reported `MDB_MAP_FULL`; the environment then grows the map and retries.
    var hitMapFull = false

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
