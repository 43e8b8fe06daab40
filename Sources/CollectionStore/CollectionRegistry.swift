import Foundation
import Storage

/// The collections of one data directory: created, listed, opened and deleted by name.
///
/// All collections are loaded when the registry opens; a collection is usable as soon as `create`
/// returns, and `delete` removes all its records in one transaction.
public final class CollectionRegistry: @unchecked Sendable {
    let environment: Environment
    let tables: StoreTables
    private let lock = NSLock()
    private var collections: [String: VectorCollection] = [:]

    public init(environment: Environment) throws {
        self.environment = environment
        self.tables = try StoreTables(environment: environment)
        let records = try environment.read { txn in try tables.registry.entries(in: txn).map(\.value.value) }
        for record in records {
            collections[record.name] = try VectorCollection(record: record, environment: environment, tables: tables)
        }
    }

    /// Collection names in alphabetical order.
    public func names() -> [String] {
        lock.withLock { collections.keys.sorted() }
    }

    public func collection(named name: String) throws -> VectorCollection {
        guard let collection = lock.withLock({ collections[name] }) else { throw CollectionError.collectionNotFound(name) }
        return collection
    }

    public func exists(_ name: String) -> Bool {
        lock.withLock { collections[name] != nil }
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

    /// Checks a collection name the way Qdrant does.
    public static func validate(name: String) throws {
        guard !name.isEmpty, name.utf8.count <= 255 else {
            throw CollectionError.validation("collection_name: length must be from 1 to 255")
        }
        guard name != ".", name != "..", !name.contains("/"), !name.contains("\0") else {
            throw CollectionError.validation("collection_name: `\(name)` is not a valid collection name")
        }
    }

    /// Creates a collection; 409 (`collectionExists`) when the name is taken.
    @discardableResult
    public func create(name: String, config: CollectionConfig) throws -> VectorCollection {
        try Self.validate(name: name)
        try config.validate()
        return try lock.withLock {
            if collections[name] != nil { throw CollectionError.collectionExists(name) }
            let record: CollectionRecord = try environment.write { txn in
                let nextKey = Keys.counter(0, "next_cid")
                let cid = UInt32(try tables.counters.get(nextKey, in: txn) ?? 1)
                try tables.counters.put(UInt64(cid) + 1, for: nextKey, in: txn)
                let slots = Dictionary(uniqueKeysWithValues: config.vectorNames.enumerated().map { ($0.element, UInt16($0.offset)) })
                let record = CollectionRecord(cid: cid, name: name, config: config, slots: slots, createdAt: Date())
                try tables.registry.put(JSONStored(record), for: name, in: txn)
                return record
            }
            let collection = try VectorCollection(record: record, environment: environment, tables: tables)
            collections[name] = collection
            return collection
        }
    }

    /// Deletes a collection and every record of it. Returns false when it did not exist.
    @discardableResult
    public func delete(name: String) throws -> Bool {
        try lock.withLock {
            guard let collection = collections[name] else { return false }
            let prefix = Keys.prefix(collection.cid)
            try environment.write { txn in
                try tables.registry.delete(name, in: txn)
                try Self.deleteAll(prefix, from: tables.points, in: txn)
                try Self.deleteAll(prefix, from: tables.ids, in: txn)
                try Self.deleteAll(prefix, from: tables.vectors, in: txn)
                try Self.deleteAll(prefix, from: tables.counters, in: txn)
            }
            collections[name] = nil
            return true
        }
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
