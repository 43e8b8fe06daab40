import CLMDB

/// A named LMDB database with typed keys and values.
///
/// A `Table` is a cheap handle (a name and a DBI number); it is `Sendable` and may be kept for the
/// life of its environment. Every operation takes the transaction it runs in.
/// Open tables before starting transactions: `Environment.table(_:)` may run its own write.
public struct Table<Key: StorageCodable, Value: StorageCodable>: Sendable {
    public let name: String
    let dbi: MDB_dbi
    public let environment: Environment

    init(name: String, dbi: MDB_dbi, environment: Environment) {
        self.name = name
        self.dbi = dbi
        self.environment = environment
    }

    /// The value stored under `key`, copied out of the map.
    public func get(_ key: Key, in txn: ReadTransaction) throws -> Value? {
        try key.withStorageBytes { keyBytes in
            try txn.withValue(dbi: dbi, key: keyBytes) { try Value(storageBytes: $0) }
        }
    }

    /// Calls `body` with the stored bytes of `key` without copying them; the bytes are valid only
    /// during the call and have no alignment guarantee.
    public func withStoredBytes<R>(_ key: Key, in txn: ReadTransaction, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R? {
        try key.withStorageBytes { keyBytes in
            try txn.withValue(dbi: dbi, key: keyBytes, body)
        }
    }

    public func contains(_ key: Key, in txn: ReadTransaction) throws -> Bool {
        try withStoredBytes(key, in: txn) { _ in true } ?? false
    }

    /// Stores `value` under `key`, replacing any previous value.
    public func put(_ value: Value, for key: Key, in txn: WriteTransaction) throws {
        try key.withStorageBytes { keyBytes in
            try value.withStorageBytes { valueBytes in
                try txn.put(dbi: dbi, key: keyBytes, value: valueBytes)
            }
        }
    }

    /// Reserves `byteCount` bytes under `key` and lets `body` write the value in place.
    public func putBytes(for key: Key, byteCount: Int, in txn: WriteTransaction, _ body: (UnsafeMutableRawBufferPointer) throws -> Void) throws {
        try key.withStorageBytes { keyBytes in
            try txn.putReserved(dbi: dbi, key: keyBytes, count: byteCount, body)
        }
    }

    /// Removes `key`; returns whether it was present.
    @discardableResult
    public func delete(_ key: Key, in txn: WriteTransaction) throws -> Bool {
        try key.withStorageBytes { try txn.delete(dbi: dbi, key: $0) }
    }

    /// Removes every entry (the table itself stays).
    public func removeAll(in txn: WriteTransaction) throws {
        try txn.clear(dbi: dbi)
    }

    public func count(in txn: ReadTransaction) throws -> Int {
        try txn.stats(of: dbi).entries
    }

    public func stats(in txn: ReadTransaction) throws -> Environment.TableStats {
        try txn.stats(of: dbi)
    }

    /// Runs `body` with a cursor over this table; the cursor is closed when `body` returns.
    public func withCursor<R>(in txn: ReadTransaction, _ body: (inout Cursor<Key, Value>) throws -> R) throws -> R {
        var raw: OpaquePointer?
        try check(mdb_cursor_open(txn.txn, dbi, &raw), "mdb_cursor_open(\(name))")
        defer { mdb_cursor_close(raw) }
        var cursor = Cursor<Key, Value>(cursor: raw!)
        return try body(&cursor)
    }

    /// Visits entries in key order, starting at the first key ≥ `start` (or the first key), while
    /// `body` returns true. Returns the number of entries visited.
    @discardableResult
    public func forEach(in txn: ReadTransaction, from start: Key? = nil, _ body: (Key, Value) throws -> Bool) throws -> Int {
        try withCursor(in: txn) { cursor in
            var visited = 0
            var entry = try start.map { try cursor.seek(atOrAfter: $0) } ?? cursor.first()
            while let (key, value) = entry {
                visited += 1
                guard try body(key, value) else { break }
                entry = try cursor.next()
            }
            return visited
        }
    }

    /// Entries with `lower ≤ key < upper` in key order, at most `limit` of them.
    public func entries(in txn: ReadTransaction, from lower: Key? = nil, below upper: Key? = nil, limit: Int = .max) throws -> [(key: Key, value: Value)] {
        var result: [(key: Key, value: Value)] = []
        let upperBytes: [UInt8]? = upper.map { $0.withStorageBytes { Array($0) } }
        try withCursor(in: txn) { cursor in
            var entry = try lower.map { try cursor.seek(atOrAfter: $0) } ?? cursor.first()
            while let (key, value) = entry, result.count < limit {
                if let upperBytes, cursor.compareCurrentKey(to: upperBytes) >= 0 { break }
                result.append((key, value))
                entry = try cursor.next()
            }
        }
        return result
    }

    /// Entries whose encoded key starts with `prefix`, in key order.
    public func entries(in txn: ReadTransaction, prefix: [UInt8], limit: Int = .max) throws -> [(key: Key, value: Value)] {
        var result: [(key: Key, value: Value)] = []
        try withCursor(in: txn) { cursor in
            var entry = try cursor.seek(atOrAfterBytes: prefix)
            while let current = entry, result.count < limit, cursor.currentKeyHasPrefix(prefix) {
                result.append((current.0, current.1))
                entry = try cursor.next()
            }
        }
        return result
    }
}

/// A positioned cursor over a table, valid only inside `Table.withCursor`.
public struct Cursor<Key: StorageCodable, Value: StorageCodable>: ~Copyable {
    let cursor: OpaquePointer
    private var key = MDB_val()
    private var value = MDB_val()

    init(cursor: OpaquePointer) { self.cursor = cursor }

    private mutating func move(_ op: MDB_cursor_op) throws -> (Key, Value)? {
        let rc = mdb_cursor_get(cursor, &key, &value, op)
        if rc == MDB_NOTFOUND { return nil }
        try check(rc, "mdb_cursor_get")
        return (try Key(storageBytes: currentKeyBytes), try Value(storageBytes: currentValueBytes))
    }

    /// The raw bytes at the cursor (valid until the cursor moves or the transaction ends).
    public var currentKeyBytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: key.mv_data, count: key.mv_size) }
    public var currentValueBytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size) }

    public mutating func first() throws -> (Key, Value)? { try move(MDB_FIRST) }
    public mutating func last() throws -> (Key, Value)? { try move(MDB_LAST) }
    public mutating func next() throws -> (Key, Value)? { try move(MDB_NEXT) }
    public mutating func previous() throws -> (Key, Value)? { try move(MDB_PREV) }

    /// Positions at the first key ≥ `target`.
    public mutating func seek(atOrAfter target: Key) throws -> (Key, Value)? {
        try target.withStorageBytes { try seek(atOrAfterRaw: $0) }
    }

    public mutating func seek(atOrAfterBytes target: [UInt8]) throws -> (Key, Value)? {
        try target.withUnsafeBytes { try seek(atOrAfterRaw: $0) }
    }

    private mutating func seek(atOrAfterRaw bytes: UnsafeRawBufferPointer) throws -> (Key, Value)? {
        if bytes.isEmpty { return try first() }
        key = MDB_val(mv_size: bytes.count, mv_data: UnsafeMutableRawPointer(mutating: bytes.baseAddress))
        return try move(MDB_SET_RANGE)
    }

    /// Deletes the entry at the cursor (write transactions only).
    public mutating func deleteCurrent() throws {
        try check(mdb_cursor_del(cursor, 0), "mdb_cursor_del")
    }

    func compareCurrentKey(to bytes: [UInt8]) -> Int {
        let current = currentKeyBytes
        let n = min(current.count, bytes.count)
        for i in 0..<n where current[i] != bytes[i] {
            return current[i] < bytes[i] ? -1 : 1
        }
        return current.count == bytes.count ? 0 : (current.count < bytes.count ? -1 : 1)
    }

    func currentKeyHasPrefix(_ prefix: [UInt8]) -> Bool {
        let current = currentKeyBytes
        guard current.count >= prefix.count else { return false }
        for i in 0..<prefix.count where current[i] != prefix[i] { return false }
        return true
    }
}
