import Foundation
import Logging
import Storage

/// The collections of one data directory: created, listed, opened and deleted by name.
///
/// All collections are loaded when the registry opens; a collection is usable as soon as `create`
/// returns, and `delete` removes all its records in one transaction.
///
/// A stored collection that cannot be opened (its record does not decode, its configuration cannot
/// build its engines, its points cannot be read) never stops the others: it is logged, listed in
/// `unavailable` (and so on `/readyz`), answers `collectionUnavailable`, and can be deleted.
public final class CollectionRegistry: @unchecked Sendable {
    let environment: Environment
    let tables: StoreTables
    public let limits: CollectionLimits
    private let lock = NSLock()
    private var collections: [String: VectorCollection] = [:]
    /// Stored collections that could not be opened: name → (cid, reason).
    private var broken: [String: (cid: UInt32?, reason: String)] = [:]
    /// Alias name → collection name; every lookup by name resolves these.
    private var aliases: [String: String] = [:]
    static let logger = Logger(label: "campus-search.collections")

    public init(environment: Environment, limits: CollectionLimits = .init()) throws {
        self.environment = environment
        self.limits = limits
        self.tables = try StoreTables(environment: environment)
        // Read as raw bytes, so one record that does not decode cannot hide the others.
        let rawRegistry: Table<String, [UInt8]> = try environment.table(tables.registry.name)
        let stored: [(String, Result<CollectionRecord, any Error>)] = try environment.read { txn in
            try rawRegistry.entries(in: txn).map { name, bytes in
                (name, Result { try JSONDecoder().decode(CollectionRecord.self, from: Data(bytes)) })
            }
        }
        let storedAliases = try environment.read { txn in try tables.aliases.entries(in: txn) }
        for (alias, target) in storedAliases { aliases[alias] = String(decoding: target, as: UTF8.self) }
        for (name, decoded) in stored {
            do {
                let record = try decoded.get()
                collections[name] = try VectorCollection(record: record, environment: environment, tables: tables)
            } catch {
                let reason = "\(error)"
                broken[name] = ((try? decoded.get())?.cid, reason)
                Self.logger.error("collection cannot be opened; it answers an error until deleted", metadata: ["collection": "\(name)", "reason": "\(reason)"])
            }
        }
    }

    /// Collection names in alphabetical order (unavailable ones included).
    public func names() -> [String] {
        lock.withLock { (Array(collections.keys) + Array(broken.keys)).sorted() }
    }

    /// Collections that exist but could not be opened, with the reason.
    public var unavailable: [(name: String, reason: String)] {
        lock.withLock { broken.map { ($0.key, $0.value.reason) }.sorted { $0.name < $1.name } }
    }

    /// The collection with this name, or the one this alias points at.
    public func collection(named name: String) throws -> VectorCollection {
        let (collection, failure) = lock.withLock {
            let resolved = collections[name] != nil || broken[name] != nil ? name : (aliases[name] ?? name)
            return (collections[resolved], broken[resolved])
        }
        if let collection { return collection }
        if let failure { throw CollectionError.collectionUnavailable(name, reason: failure.reason) }
        throw CollectionError.collectionNotFound(name)
    }

    public func exists(_ name: String) -> Bool {
        lock.withLock { collections[name] != nil || broken[name] != nil }
    }

    /// Checkpoints every collection with writes its persisted graphs do not hold. Returns how many.
    @discardableResult
    public func checkpointAll() throws -> Int {
        let all = lock.withLock { Array(collections.values) }
        var written = 0
        for collection in all where collection.needsCheckpoint {
            try collection.checkpoint()
            written += 1
        }
        return written
    }

    /// Checks a collection name the way Qdrant does (1…255 bytes, not `.` or `..`, no `/`, `\\`, NUL)
    /// and also refuses control characters (CR, LF, tabs …), which have no place in a name that goes
    /// into URLs, logs and metric labels.
    public static func validate(name: String) throws {
        guard !name.isEmpty, name.utf8.count <= 255 else {
            throw CollectionError.validation("collection_name: length must be from 1 to 255")
        }
        let control = name.unicodeScalars.contains { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format }
        guard name != ".", name != "..", !name.contains("/"), !name.contains("\\"), !control else {
            throw CollectionError.validation("collection_name: `\(name.debugDescription.dropFirst().dropLast())` is not a valid collection name")
        }
    }

    /// Creates a collection; `collectionExists` when the name is taken. The configuration is fully
    /// validated (engines included) before the record is committed.
    @discardableResult
    public func create(name: String, config: CollectionConfig) throws -> VectorCollection {
        try Self.validate(name: name)
        try config.validate(limits: limits)
        return try lock.withLock {
            if collections[name] != nil || broken[name] != nil { throw CollectionError.collectionExists(name) }
            guard collections.count + broken.count < limits.maxCollections else {
                throw CollectionError.validation("collections: at most \(limits.maxCollections) collections are allowed")
            }
            let record: CollectionRecord = try environment.write { txn in
                let nextKey = Keys.counter(0, "next_cid")
                guard let cid = UInt32(exactly: try tables.counters.get(nextKey, in: txn) ?? 1), cid < .max else {
                    throw CollectionError.storage("the collection counter is exhausted or damaged")
                }
                try tables.counters.put(UInt64(cid) + 1, for: nextKey, in: txn)
                let slots = Dictionary(uniqueKeysWithValues: config.vectorNames.enumerated().map { ($0.element, UInt16($0.offset)) })
                let record = CollectionRecord(cid: cid, name: name, config: config, slots: slots, createdAt: Date())
                try tables.registry.put(JSONStored(record), for: name, in: txn)
                return record
            }
            do {
                let collection = try VectorCollection(record: record, environment: environment, tables: tables)
                collections[name] = collection
                return collection
            } catch {
                // Validation makes this unreachable; if it is reached, take the record back so the
                // directory never holds a collection that cannot open.
                try? environment.write { txn in _ = try tables.registry.delete(name, in: txn) }
                throw error
            }
        }
    }

    /// Checkpoints the collections whose writes since their last checkpoint would make a restart
    /// replay too much (see `VectorCollection.needsCheckpoint(byVolume:)`). Returns how many.
    @discardableResult
    public func checkpointByVolume(minimumVectors: Int) throws -> Int {
        let all = lock.withLock { Array(collections.values) }
        var written = 0
        for collection in all where collection.needsCheckpoint(byVolume: minimumVectors) {
            try collection.checkpoint()
            written += 1
        }
        return written
    }

    /// Deletes a collection and every record of it (points, ids, vectors, counters and graph
    /// checkpoints), also one that could not be opened. Returns false when it did not exist.
    @discardableResult
    public func delete(name: String) throws -> Bool {
        try lock.withLock {
            let cid: UInt32?
            if let collection = collections[name] {
                cid = collection.cid
            } else if let failure = broken[name] {
                cid = failure.cid
            } else {
                return false
            }
            try environment.write { txn in
                try tables.registry.delete(name, in: txn)
                if let cid {
                    let prefix = Keys.prefix(cid)
                    try Self.deleteAll(prefix, from: tables.points, in: txn)
                    try Self.deleteAll(prefix, from: tables.ids, in: txn)
                    try Self.deleteAll(prefix, from: tables.vectors, in: txn)
                    try Self.deleteAll(prefix, from: tables.counters, in: txn)
                    try Self.deleteAll(prefix, from: tables.graphs, in: txn)
                }
            }
            collections[name] = nil
            broken[name] = nil
            // Qdrant drops a collection's aliases with it.
            let dropped = aliases.filter { $0.value == name }.map(\.key)
            if !dropped.isEmpty {
                try environment.write { txn in for alias in dropped { _ = try tables.aliases.delete(alias, in: txn) } }
                for alias in dropped { aliases[alias] = nil }
            }
            return true
        }
    }

    // MARK: Vector spaces

    /// A change to the vector spaces of an existing collection (`PUT`/`DELETE /collections/{c}/vectors/{name}`).
    public enum VectorSpaceChange: Sendable, Equatable {
        case addDense(name: String, DenseVectorConfig)
        case addSparse(name: String, SparseVectorConfig)
        case remove(name: String)
    }

    /// Adds or removes a named vector space of an existing collection (or of the collection an alias
    /// names). A collection's engines are fixed per instance, so the collection is reopened on the new
    /// record: its graphs are checkpointed first (so the reopening replays little); then, under the
    /// old instance's write lock, the record (and for a removal the space's vectors and graph
    /// checkpoint) commit in one transaction, the old instance is retired (a write that reaches it
    /// later fails with `retry` rather than landing beside engines that no longer serve) and the new
    /// one takes its place. Points keep their other vectors and payloads. Returns the new instance's
    /// last operation id.
    @discardableResult
    public func changeVectorSpaces(of requested: String, _ change: VectorSpaceChange) throws -> UInt64 {
        let current: VectorCollection = try lock.withLock {
            let name = collections[requested] != nil || broken[requested] != nil ? requested : (aliases[requested] ?? requested)
            if let failure = broken[name] { throw CollectionError.collectionUnavailable(name, reason: failure.reason) }
            guard let collection = collections[name] else { throw CollectionError.collectionNotFound(requested) }
            return collection
        }
        try current.checkpoint()
        return try lock.withLock {
            // The collection may have been deleted or reconfigured while the checkpoint ran.
            guard collections[current.name] === current else { throw CollectionError.retry("collection `\(current.name)` changed meanwhile; retry") }
            current.writeLock.lock()
            defer { current.writeLock.unlock() }
            let record: CollectionRecord = try environment.write { txn in
                guard var record = try tables.registry.get(current.name, in: txn)?.value else { throw CollectionError.collectionNotFound(current.name) }
                var config = record.config
                switch change {
                case .addDense(let name, let dense):
                    try Self.checkNewVectorName(name, in: config)
                    guard !config.unnamedVector else {
                        throw CollectionError.invalid("the collection has one unnamed dense vector; named dense vectors cannot be added to it")
                    }
                    config.vectors[name] = dense
                case .addSparse(let name, let sparse):
                    try Self.checkNewVectorName(name, in: config)
                    config.sparseVectors[name] = sparse
                case .remove(let name):
                    guard config.vectors[name] != nil || config.sparseVectors[name] != nil else {
                        throw CollectionError.invalid("Not existing vector name error: \(name)")
                    }
                    guard !(name.isEmpty && config.unnamedVector) else {
                        throw CollectionError.invalid("the collection's unnamed vector cannot be removed")
                    }
                    config.vectors[name] = nil
                    config.sparseVectors[name] = nil
                }
                try config.validate(limits: limits)
                switch change {
                case .addDense(let name, _), .addSparse(let name, _):
                    let slot = (record.slots.values.max().map { Int($0) + 1 }) ?? 0
                    // One past the highest slot in use: a number freed by a removal lost its keys with it.
                    guard let next = UInt16(exactly: slot) else { throw CollectionError.validation("vectors: no vector slot is left in this collection") }
                    record.slots[name] = next
                case .remove(let name):
                    if let slot = record.slots.removeValue(forKey: name) {
                        try Self.deleteAll(Keys.vectorSlotPrefix(record.cid, slot), from: tables.vectors, in: txn)
                        try Self.deleteAll(GraphCheckpoint.prefix(record.cid, slot), from: tables.graphs, in: txn)
                    }
                }
                record.config = config
                try tables.registry.put(JSONStored(record), for: current.name, in: txn)
                return record
            }
            current.retire()
            do {
                let reopened = try VectorCollection(record: record, environment: environment, tables: tables)
                collections[current.name] = reopened
                return reopened.lastOperationID
            } catch {
                // Validation makes this unreachable; if reached, the collection stays visible as
                // unavailable (it can be deleted) rather than vanishing.
                collections[current.name] = nil
                broken[current.name] = (record.cid, "\(error)")
                throw error
            }
        }
    }

    private static func checkNewVectorName(_ name: String, in config: CollectionConfig) throws {
        guard config.vectors[name] == nil, config.sparseVectors[name] == nil else {
            throw CollectionError.invalid("vector name `\(name)` already exists in this collection")
        }
    }

    // MARK: Aliases

    /// One step of `POST /collections/aliases`.
    public enum AliasOperation: Sendable, Equatable {
        case create(alias: String, collection: String)
        case delete(alias: String)
        case rename(from: String, to: String)
    }

    /// Applies alias operations in order, all or nothing (one commit): creating needs an existing
    /// collection (not an alias) and a name no collection has, and replaces an alias of that name;
    /// deleting an alias that does not exist is a no-op; renaming needs the old alias.
    public func updateAliases(_ operations: [AliasOperation]) throws {
        try lock.withLock {
            var next = aliases
            for operation in operations {
                switch operation {
                case .create(let alias, let collection):
                    try Self.validate(name: alias)
                    guard collections[collection] != nil || broken[collection] != nil else { throw CollectionError.collectionNotFound(collection) }
                    guard collections[alias] == nil, broken[alias] == nil else { throw CollectionError.collectionExists(alias) }
                    next[alias] = collection
                case .delete(let alias):
                    next[alias] = nil
                case .rename(let from, let to):
                    try Self.validate(name: to)
                    guard collections[to] == nil, broken[to] == nil else { throw CollectionError.collectionExists(to) }
                    guard let target = next.removeValue(forKey: from) else { throw CollectionError.aliasNotFound(from) }
                    next[to] = target
                }
            }
            let before = aliases
            try environment.write { txn in
                for alias in before.keys where next[alias] == nil { _ = try tables.aliases.delete(alias, in: txn) }
                for (alias, target) in next where before[alias] != target { try tables.aliases.put(Array(target.utf8), for: alias, in: txn) }
            }
            aliases = next
        }
    }

    /// Every alias (name, collection), sorted by alias; only those of `collection` when given.
    public func aliasList(of collection: String? = nil) -> [(alias: String, collection: String)] {
        lock.withLock {
            aliases.filter { collection == nil || $0.value == collection }.map { ($0.key, $0.value) }.sorted { $0.alias < $1.alias }
        }
    }

    /// The collection name behind `name` (itself when it is not an alias).
    public func resolve(_ name: String) -> String {
        lock.withLock { collections[name] != nil || broken[name] != nil ? name : (aliases[name] ?? name) }
    }

    private static func deleteAll<V>(_ prefix: [UInt8], from table: Table<[UInt8], V>, in txn: WriteTransaction) throws {
        try table.withCursor(in: txn) { cursor in
            var entry = try cursor.seek(atOrAfterBytes: prefix)
            while entry != nil, cursor.currentKeyBytes.starts(with: prefix) {
                try cursor.deleteCurrent()
                entry = try cursor.seek(atOrAfterBytes: prefix)
            }
        }
    }
}
