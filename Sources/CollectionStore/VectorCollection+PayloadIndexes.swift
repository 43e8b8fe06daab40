import Foundation
import JSON
import Logging
import Search
import Storage

extension VectorCollection {
    // MARK: Payload indexes

    /// What `payload_schema` reports: each indexed field, its type and how many points it holds.
    public var payloadSchema: [String: PayloadSchemaInfo] {
        stateLock.withSharedLock { payloadIndexes.schema }
    }

    /// Creates (or replaces) the payload index of `field`, persisting its definition. Returns the operation id.
    @discardableResult
    public func createPayloadIndex(field: String, schema: PayloadFieldSchema) throws -> UInt64 {
        try changePayloadIndexes(field: field, edit: { $0[field] = schema }) {
            let points = state.points.enumerated().compactMap { iid, point in point.map { (UInt32(iid), $0.payload) } }
            try payloadIndexes.createIndex(field: field, schema: schema, points: points)
        }
    }

    /// Drops the payload index of `field` (no error when there is none). Returns the operation id.
    @discardableResult
    public func dropPayloadIndex(field: String) throws -> UInt64 {
        try changePayloadIndexes(field: field, edit: { $0[field] = nil }) {
            payloadIndexes.dropIndex(field: field)
        }
    }

    private func changePayloadIndexes(field: String, edit: (inout [String: PayloadFieldSchema]) -> Void, apply: () throws -> Void) throws -> UInt64 {
        guard PayloadPath(field) != nil else { throw CollectionError.invalid("`\(field)` is not a valid payload field name") }
        writeLock.lock()
        defer { writeLock.unlock() }
        try checkNotRetired()
        let operation = state.lastOperation + 1
        do {
            try environment.write { txn in
                guard var record = try tables.registry.get(name, in: txn)?.value else { throw CollectionError.collectionNotFound(name) }
                var definitions = record.payloadIndexes ?? [:]
                edit(&definitions)
                record.payloadIndexes = definitions
                try tables.registry.put(JSONStored(record), for: name, in: txn)
                try tables.counters.put(operation, for: Keys.counter(cid, "operation"), in: txn)
            }
        } catch let error as CollectionError {
            throw error
        } catch {
            throw CollectionError.storage("\(error)")
        }
        try stateLock.withExclusiveLock {
            try apply()
            state.lastOperation = operation
        }
        return operation
    }
}
