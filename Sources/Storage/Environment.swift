import CLMDB
import Foundation
import Logging
import Synchronization

/// One LMDB environment: a data directory holding `data.mdb` and `lock.mdb`.
///
/// Invariants:
/// - There is at most one `Environment` per canonical path in a process (LMDB forbids opening the
///   same environment twice in one process); `open` returns the existing instance.
/// - Transactions are scoped to synchronous closures (`read`, `write`) and never outlive them, so a
///   transaction is never held across an `await` and is used by exactly one thread.
/// - The map grows on `MDB_MAP_FULL`: the write is aborted, the map is enlarged while no
///   transaction of this process is open, and the write closure runs again. Write closures must
///   therefore have no effects outside the transaction that they cannot repeat.
public final class Environment: @unchecked Sendable {
    /// Options for opening an environment.
    ///
    /// - `path` (String): the data directory; created if missing.
    /// - `initialMapSize` (Int, default 64 MiB): the first map size; it grows by doubling on demand.
    /// - `maxMapSize` (Int, default 1 TiB): the map never grows past this; a write that needs more fails.
    /// - `maxTables` (Int, default 128): the most named tables (LMDB "databases").
    /// - `maxReaders` (Int, default 512): concurrent read transactions.
    /// - `durability` (`.sync` default): `.sync` flushes to disk on every commit; `.noSync` leaves it to
    ///   the OS (a committed write then survives a process crash but not a power loss).
    public struct Configuration: Sendable {
        public enum Durability: Sendable { case sync, noSync }
        public var path: String
        public var initialMapSize: Int = 64 << 20
        public var maxMapSize: Int = 1 << 40
        public var maxTables: Int = 128
        public var maxReaders: Int = 512
        public var durability: Durability = .sync

        public init(path: String) { self.path = path }
    }

    public let path: String
    public let configuration: Configuration
    let env: OpaquePointer
    private let growLock = ReadWriteLock()
    private let writerLock = PThreadMutex()
    private let tables = Mutex<[String: MDB_dbi]>([:])
    private let logger = Logger(label: "campus-search.storage")

    // MARK: Opening

    private static let registry = Mutex<[String: WeakEnvironment]>([:])

    /// Opens (or returns the already open) environment at `configuration.path`.
    public static func open(_ configuration: Configuration) throws -> Environment {
        let path = try prepareDirectory(configuration.path)
        return try registry.withLock { registry in
            if let existing = registry[path]?.value { return existing }
            let environment = try Environment(path: path, configuration: configuration)
            registry[path] = WeakEnvironment(value: environment)
            return environment
        }
    }

    public static func open(path: String) throws -> Environment {
        try open(Configuration(path: path))
    }

    private static func prepareDirectory(_ path: String) throws -> String {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw StorageError.dataDirectory(path: path, reason: "exists and is not a directory")
            }
        } else {
            do {
                try fm.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw StorageError.dataDirectory(path: path, reason: "cannot be created (\(error.localizedDescription))")
            }
        }
        guard access(path, W_OK | R_OK | X_OK) == 0 else {
            throw StorageError.dataDirectory(path: path, reason: "is not writable")
        }
        return URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }

    private init(path: String, configuration: Configuration) throws {
        var env: OpaquePointer?
        try check(mdb_env_create(&env), "mdb_env_create")
        guard let env else { throw LMDBError(code: EINVAL, operation: "mdb_env_create") }
        do {
            try check(mdb_env_set_maxdbs(env, MDB_dbi(configuration.maxTables)), "mdb_env_set_maxdbs")
            try check(mdb_env_set_maxreaders(env, UInt32(configuration.maxReaders)), "mdb_env_set_maxreaders")
            try check(mdb_env_set_mapsize(env, configuration.initialMapSize), "mdb_env_set_mapsize")
            var flags = UInt32(MDB_NOTLS)
            if configuration.durability == .noSync { flags |= UInt32(MDB_NOSYNC) }
            try check(mdb_env_open(env, path, flags, 0o644), "open LMDB environment at \(path)")
        } catch {
            mdb_env_close(env)
            throw error
        }
        self.env = env
        self.path = path
        self.configuration = configuration
    }

    deinit {
        mdb_env_close(env)
    }

    // MARK: Transactions

    /// Runs `body` in a read-only snapshot. Readers never block the writer nor each other.
    public func read<R>(_ body: (ReadTransaction) throws -> R) throws -> R {
        while true {
            growLock.lockShared()
            var txn: OpaquePointer?
            let rc = mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn)
            if rc == MDB_MAP_RESIZED {
                growLock.unlock()
                try adoptMapSizeFromOtherProcess()
                continue
            }
            defer { growLock.unlock() }
            try check(rc, "mdb_txn_begin(read)")
            let transaction = ReadTransaction(txn: txn!, environment: self)
            defer { transaction.abort() }
            return try body(transaction)
        }
    }

    /// Runs `body` in the single write transaction: committed when it returns, aborted when it throws.
    ///
    /// If the map fills up, the transaction is aborted, the map grows, and `body` runs again from the
    /// start on a fresh transaction. Do not call `write` from inside a `write` closure. Counter deltas
    /// that `body` added are written just before the commit. Hooks that `body` registered with
    /// `WriteTransaction.afterCommit` run after the commit, outside the writer lock, before `write` returns.
    public func write<R>(_ body: (WriteTransaction) throws -> R) throws -> R {
        let (result, hooks) = try writeCommitted(body)
        for hook in hooks { hook() }
        return result
    }

    /// The commit loop of `write`: returns the result and the hooks of the attempt that committed.
    private func writeCommitted<R>(_ body: (WriteTransaction) throws -> R) throws -> (R, [@Sendable () -> Void]) {
        writerLock.lock()
        defer { writerLock.unlock() }
        while true {
            growLock.lockShared()
            var txn: OpaquePointer?
            let rc = mdb_txn_begin(env, nil, 0, &txn)
            if rc == MDB_MAP_RESIZED {
                growLock.unlock()
                try adoptMapSizeFromOtherProcess()
                continue
            }
            if rc != 0 {
                growLock.unlock()
                throw LMDBError(code: rc, operation: "mdb_txn_begin(write)")
            }
            let transaction = WriteTransaction(txn: txn!, environment: self)
            let result: R
            do {
                result = try body(transaction)
                if !transaction.hitMapFull { try transaction.applyCounters() }
            } catch {
                transaction.abort()
                growLock.unlock()
                if transaction.hitMapFull {
                    try grow()
                    continue
                }
                throw error
            }
            if transaction.hitMapFull {
                // The body swallowed a MAP_FULL error; LMDB has poisoned the transaction.
                transaction.abort()
                growLock.unlock()
                try grow()
                continue
            }
            let commit = transaction.commit()
            growLock.unlock()
            if commit == MDB_MAP_FULL {
                try grow()
                continue
            }
            try check(commit, "mdb_txn_commit")
            return (result, transaction.afterCommitHooks)
        }
    }

    /// The current size of the memory map in bytes.
    public var mapSize: Int {
        var info = MDB_envinfo()
        mdb_env_info(env, &info)
        return info.me_mapsize
    }

    private func grow() throws {
        growLock.lockExclusive()
        defer { growLock.unlock() }
        let current = mapSize
        guard current < configuration.maxMapSize else {
            throw LMDBError(code: MDB_MAP_FULL, operation: "grow map past maxMapSize \(configuration.maxMapSize)")
        }
        let next = min(configuration.maxMapSize, max(current * 2, current + configuration.initialMapSize))
        try check(mdb_env_set_mapsize(env, next), "mdb_env_set_mapsize(\(next))")
        logger.debug("LMDB map grew", metadata: ["path": "\(path)", "from": "\(current)", "to": "\(next)"])
    }

    private func adoptMapSizeFromOtherProcess() throws {
        growLock.lockExclusive()
        defer { growLock.unlock() }
        try check(mdb_env_set_mapsize(env, 0), "mdb_env_set_mapsize(0)")
    }

    // MARK: Tables

    /// Opens (creating if needed) the named table. Handles are cached and valid for the environment's life.
    public func table<Key: StorageCodable, Value: StorageCodable>(
        _ name: String, key: Key.Type = Key.self, value: Value.Type = Value.self
    ) throws -> Table<Key, Value> {
        Table(name: name, dbi: try dbi(named: name), environment: self)
    }

    func dbi(named name: String) throws -> MDB_dbi {
        if let cached = tables.withLock({ $0[name] }) { return cached }
        let dbi: MDB_dbi = try write { txn in
            var dbi = MDB_dbi()
            try check(mdb_dbi_open(txn.txn, name, UInt32(MDB_CREATE), &dbi), "mdb_dbi_open(\(name))")
            return dbi
        }
        tables.withLock { $0[name] = dbi }
        return dbi
    }

    /// Names of every table in the environment.
    public func tableNames() throws -> [String] {
        try read { txn in
            var cursor: OpaquePointer?
            try check(mdb_cursor_open(txn.txn, 1 /* MAIN_DBI */, &cursor), "mdb_cursor_open(main)")
            defer { mdb_cursor_close(cursor) }
            var names: [String] = []
            var key = MDB_val(), data = MDB_val()
            var op = MDB_FIRST
            while mdb_cursor_get(cursor, &key, &data, op) == 0 {
                names.append(String(decoding: UnsafeRawBufferPointer(start: key.mv_data, count: key.mv_size), as: UTF8.self))
                op = MDB_NEXT
            }
            return names
        }
    }

    // MARK: Maintenance

    /// Writes a consistent copy of the environment into `directory` (which must exist and be empty)
    /// while readers and the writer go on. With `compact`, free pages are omitted and pages renumbered.
    public func backup(to directory: String, compact: Bool = true) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try check(mdb_env_copy2(env, directory, compact ? UInt32(MDB_CP_COMPACT) : 0), "backup to \(directory)")
    }

    /// Flushes buffers to disk (useful with `.noSync` durability).
    public func sync() throws {
        try check(mdb_env_sync(env, 1), "mdb_env_sync")
    }

    /// Statistics for one table or the environment as a whole.
    public struct TableStats: Sendable, Equatable {
        public var entries: Int
        public var depth: Int
        public var branchPages: Int
        public var leafPages: Int
        public var overflowPages: Int
        public var pages: Int { branchPages + leafPages + overflowPages }
    }

    public struct Stats: Sendable {
        public var pageSize: Int
        public var mapSize: Int
        /// Bytes of the map in use: (last page number + 1) × page size.
        public var usedBytes: Int
        public var readers: Int
        public var maxReaders: Int
        public var tables: [String: TableStats]
    }

    public func stats() throws -> Stats {
        var info = MDB_envinfo()
        try check(mdb_env_info(env, &info), "mdb_env_info")
        var stat = MDB_stat()
        try check(mdb_env_stat(env, &stat), "mdb_env_stat")
        var perTable: [String: TableStats] = [:]
        for name in try tableNames() {
            let dbi = try dbi(named: name)
            perTable[name] = try read { txn in try txn.stats(of: dbi) }
        }
        return Stats(
            pageSize: Int(stat.ms_psize),
            mapSize: info.me_mapsize,
            usedBytes: (info.me_last_pgno + 1) * Int(stat.ms_psize),
            readers: Int(info.me_numreaders),
            maxReaders: Int(info.me_maxreaders),
            tables: perTable
        )
    }
}

private struct WeakEnvironment: @unchecked Sendable {
    weak var value: Environment?
}

/// A plain pthread mutex, for critical sections that return generic values.
final class PThreadMutex: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init() {
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }
}

/// A pthread read-write lock. Storage holds it shared for transactions and exclusively while the map
/// is resized; upper layers use it for in-memory state read by many searches and written by one writer.
public final class ReadWriteLock: @unchecked Sendable {
    private let lock = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)

    public init() {
        lock.initialize(to: pthread_rwlock_t())
        pthread_rwlock_init(lock, nil)
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    public func lockShared() { pthread_rwlock_rdlock(lock) }
    public func lockExclusive() { pthread_rwlock_wrlock(lock) }
    public func unlock() { pthread_rwlock_unlock(lock) }

    /// Runs `body` holding the lock shared (many readers at once).
    public func withSharedLock<R>(_ body: () throws -> R) rethrows -> R {
        lockShared()
        defer { unlock() }
        return try body()
    }

    /// Runs `body` holding the lock exclusively.
    public func withExclusiveLock<R>(_ body: () throws -> R) rethrows -> R {
        lockExclusive()
        defer { unlock() }
        return try body()
    }
}
