import Foundation
import JSON
import Storage

/// Uploaded files' records in the data directory's LMDB environment, with the indexes the document
/// procedures need and reference counts of the stored bytes.
///
/// Tables (keys are bytes; UUIDs as their 16 bytes, times as big-endian milliseconds):
///
/// | table | key | value |
/// | --- | --- | --- |
/// | `documents.files` | file id | `FileRecord` (JSON) |
/// | `documents.files.by-course` | course id · created ms · file id | — (upload order) |
/// | `documents.files.by-hash` | organisation id · SHA-256 (32 bytes) · file id | — (deduplication inside one organisation) |
/// | `documents.files.markdown` | file id | the extracted document as Markdown |
/// | `documents.blobs` | SHA-256 hex | how many records name the stored bytes |
/// | `documents.counters` | `org.<id>.files`, `course.<id>.files` | counts (billing, tier file limits) |
///
/// Invariants: a record, its index entries, its counters and its blob reference change in one transaction;
/// reads are scoped by the caller (another organisation's file is never returned). The `package` functions
/// take the caller's transaction so an upload's record, quota charge and job commit together.
public final class FileCatalog: Sendable {
    let environment: Environment
    let records: Table<[UInt8], [UInt8]>
    let byCourse: Table<[UInt8], [UInt8]>
    let byHash: Table<[UInt8], [UInt8]>
    let markdown: Table<[UInt8], [UInt8]>
    let blobs: Table<String, UInt64>
    let counters: Table<String, UInt64>

    public init(environment: Environment) throws {
        self.environment = environment
        records = try environment.table("documents.files")
        byCourse = try environment.table("documents.files.by-course")
        byHash = try environment.table("documents.files.by-hash")
        markdown = try environment.table("documents.files.markdown")
        blobs = try environment.table("documents.blobs")
        counters = try environment.table("documents.counters")
    }

    static func damaged(_ reason: String) -> WorkflowError { .internalFailure("a stored file record is damaged: \(reason)") }

    // MARK: Keys

    static func id(_ id: UUID) -> [UInt8] { withUnsafeBytes(of: id.uuid) { Array($0) } }
    static func millis(_ date: Date) -> [UInt8] {
        withUnsafeBytes(of: UInt64(max(0, date.timeIntervalSince1970 * 1000)).bigEndian) { Array($0) }
    }
    static func hashBytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32)
        var iterator = hex.utf8.makeIterator()
        func nibble(_ c: UInt8) -> UInt8 { c >= 97 ? c - 87 : (c >= 65 ? c - 55 : c - 48) }
        while let high = iterator.next(), let low = iterator.next() { out.append(nibble(high) << 4 | nibble(low)) }
        return out
    }
    static func trailingID(_ key: [UInt8]) -> UUID? {
        guard key.count >= 16 else { return nil }
        var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &uuid) { $0.copyBytes(from: key.suffix(16)) }
        return UUID(uuid: uuid)
    }
    static func organizationFiles(_ id: UUID) -> String { "org.\(id.lowercasedString).files" }
    static func courseFiles(_ id: UUID) -> String { "course.\(id.lowercasedString).files" }

    // MARK: Writing

    /// Adds a record: its indexes, counters and a reference to its stored bytes.
    package func create(_ record: FileRecord, in txn: WriteTransaction) throws {
        try put(record, in: txn)
        try byCourse.put([], for: Self.id(record.courseID) + Self.millis(record.createdAt) + Self.id(record.id), in: txn)
        try byHash.put([], for: Self.id(record.organizationID) + Self.hashBytes(record.sha256) + Self.id(record.id), in: txn)
        txn.add(1, toCounter: Self.organizationFiles(record.organizationID), in: counters)
        txn.add(1, toCounter: Self.courseFiles(record.courseID), in: counters)
        txn.add(1, toCounter: record.sha256, in: blobs)
    }

    /// Changes a record in place (status, counts, error); the keys it is indexed by never change.
    @discardableResult
    package func update(_ id: UUID, in txn: WriteTransaction, _ change: (inout FileRecord) throws -> Void) throws -> FileRecord {
        guard var record = try file(id: id, in: txn) else { throw WorkflowError.notFound("Document not found") }
        try change(&record)
        record.updatedAt = Date()
        try put(record, in: txn)
        return record
    }

    /// Removes a record and its indexes; returns it and how many records still name its bytes.
    package func delete(_ id: UUID, in txn: WriteTransaction) throws -> (FileRecord, remainingBlobReferences: UInt64) {
        guard let record = try file(id: id, in: txn) else { throw WorkflowError.notFound("Document not found") }
        try records.delete(Self.id(id), in: txn)
        try byCourse.delete(Self.id(record.courseID) + Self.millis(record.createdAt) + Self.id(id), in: txn)
        try byHash.delete(Self.id(record.organizationID) + Self.hashBytes(record.sha256) + Self.id(id), in: txn)
        try markdown.delete(Self.id(id), in: txn)
        txn.add(-1, toCounter: Self.organizationFiles(record.organizationID), in: counters)
        txn.add(-1, toCounter: Self.courseFiles(record.courseID), in: counters)
        txn.add(-1, toCounter: record.sha256, in: blobs)
        return (record, try txn.counter(record.sha256, in: blobs))
    }

    package func setMarkdown(_ text: String, for id: UUID, in txn: WriteTransaction) throws {
        try markdown.put(Array(text.utf8), for: Self.id(id), in: txn)
    }

    package func removeMarkdown(of id: UUID, in txn: WriteTransaction) throws {
        try markdown.delete(Self.id(id), in: txn)
    }

    private func put(_ record: FileRecord, in txn: WriteTransaction) throws {
        try records.put(JSONText.serialize(record.stored), for: Self.id(record.id), in: txn)
    }

    // MARK: Reading

    package func file(id: UUID, in txn: ReadTransaction) throws -> FileRecord? {
        try records.withStoredBytes(Self.id(id), in: txn) { try FileRecord(stored: $0) }
    }

    /// The file with `id` when `organizationID` may see it (a superadmin passes nil), else nil — the
    /// same answer as for a missing id.
    public func file(id: UUID, organizationID: UUID?) throws -> FileRecord? {
        try environment.read { txn in
            guard let record = try file(id: id, in: txn) else { return nil }
            return organizationID.map { $0 == record.organizationID } ?? true ? record : nil
        }
    }

    /// A course's files in upload order.
    package func files(ofCourse courseID: UUID, in txn: ReadTransaction) throws -> [FileRecord] {
        let prefix = Self.id(courseID)
        return try byCourse.entries(in: txn, prefix: prefix).compactMap { entry in
            try Self.trailingID(entry.key).flatMap { try file(id: $0, in: txn) }
        }
    }

    public func files(ofCourse courseID: UUID) throws -> [FileRecord] {
        try environment.read { txn in try files(ofCourse: courseID, in: txn) }
    }

    /// Inside a write transaction this includes the transaction's own pending counter deltas: uploads that
    /// share a group commit see each other's files (the per-course limit holds under concurrency).
    package func count(ofCourse courseID: UUID, in txn: ReadTransaction) throws -> Int {
        if let write = txn as? WriteTransaction { return Int(try write.counter(Self.courseFiles(courseID), in: counters)) }
        return Int(try counters.get(Self.courseFiles(courseID), in: txn) ?? 0)
    }

    /// Files an organisation holds (`billing.getUsage`'s `fileCount`).
    public func count(ofOrganization organizationID: UUID) throws -> Int {
        try environment.read { txn in Int(try counters.get(Self.organizationFiles(organizationID), in: txn) ?? 0) }
    }

    /// The newest indexed original (not itself a copy) of these bytes in one organisation.
    package func indexedOriginal(organizationID: UUID, sha256: String, in txn: ReadTransaction) throws -> FileRecord? {
        let prefix = Self.id(organizationID) + Self.hashBytes(sha256)
        var best: FileRecord?
        for entry in try byHash.entries(in: txn, prefix: prefix) {
            guard let id = Self.trailingID(entry.key), let record = try file(id: id, in: txn),
                  record.vectorStatus == .indexed, record.originalFileID == nil else { continue }
            if let current = best, current.createdAt >= record.createdAt { continue }
            best = record
        }
        return best
    }

    public func markdown(of id: UUID) throws -> String? {
        try environment.read { txn in try markdown.get(Self.id(id), in: txn).map { String(decoding: $0, as: UTF8.self) } }
    }

    /// How many records name the stored bytes with this hash.
    public func blobReferences(_ sha256: String) throws -> UInt64 {
        try environment.read { txn in try blobs.get(sha256, in: txn) ?? 0 }
    }
}
