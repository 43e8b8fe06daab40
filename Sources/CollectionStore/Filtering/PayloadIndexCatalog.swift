import Storage

/// Where a collection's payload index definitions live in LMDB: one table, field name → schema
/// (as JSON). Write it in the same transaction as the change it records; at start-up `load` the
/// definitions, build `PayloadIndexSet(definitions:)` and replay the stored points through
/// `update(id:payload:)` (index contents are derived data and are not stored).
public struct PayloadIndexCatalog: Sendable {
    public let table: Table<String, JSONStored<PayloadFieldSchema>>

    /// Opens (creating if needed) the table `tableName`, e.g. `"collection/<name>/payload_indexes"`.
    /// Call before starting the transactions that use it.
    public init(environment: Environment, tableName: String) throws {
        table = try environment.table(tableName)
    }

    public func save(field: String, schema: PayloadFieldSchema, in txn: WriteTransaction) throws {
        try table.put(JSONStored(schema), for: field, in: txn)
    }

    @discardableResult
    public func remove(field: String, in txn: WriteTransaction) throws -> Bool {
        try table.delete(field, in: txn)
    }

    /// Removes every definition (when the collection is deleted).
    public func removeAll(in txn: WriteTransaction) throws {
        try table.removeAll(in: txn)
    }

    public func load(in txn: ReadTransaction) throws -> [String: PayloadFieldSchema] {
        var definitions: [String: PayloadFieldSchema] = [:]
        try table.forEach(in: txn) { field, stored in
            definitions[field] = stored.value
            return true
        }
        return definitions
    }
}
