import Foundation
import JSON
import Storage

/// A record kept as a JSON object in an LMDB table, written and read with the project's `JSONText` (Foundation's
/// `JSONDecoder` took 330 µs for one course in a debug build, most of it in failed `try?` decodes; JSONText parses
/// the stored bytes in place).
///
/// Invariants: `init(stored:)` never traps on what a table holds: a missing or mistyped required field is a
/// `StorageError.decoding`, optional fields fall back to their documented defaults, and unknown fields are ignored
/// (so records written by a newer build still read).
protocol StoredRecord {
    static var recordName: String { get }
    init(stored: RecordFields) throws
    /// The JSON object this record is stored as.
    var stored: JSONValue { get }
}

extension StoredRecord {
    /// The stored bytes.
    var storedBytes: [UInt8] { JSONText.serialize(stored) }

    /// Reads a record from bytes LMDB returned (valid only during the call).
    init(storedBytes bytes: UnsafeRawBufferPointer) throws {
        try self.init(stored: RecordFields(bytes, recordName: Self.recordName))
    }
}

/// The fields of a stored record, read defensively.
struct RecordFields {
    /// Stored settings and progress documents nest at most this deep (`AccountsStore` checks it on write).
    static let maxDepth = 100

    let fields: [String: JSONValue]
    private let recordName: String
    private let byteCount: Int

    init(_ bytes: UnsafeRawBufferPointer, recordName: String) throws {
        self.recordName = recordName
        byteCount = bytes.count
        // Two levels above the deepest document a record holds: the record object and the field.
        guard let object = (try? JSONText.parse(bytes, maxDepth: Self.maxDepth + 2))?.objectValue else { throw Self.failure(recordName, bytes.count) }
        fields = object
    }

    private static func failure(_ recordName: String, _ byteCount: Int) -> StorageError {
        .decoding(type: "\(recordName) record", byteCount: byteCount)
    }

    private func required<T>(_ key: String, _ value: T?) throws -> T {
        guard let value else { throw Self.failure(recordName, byteCount) }
        return value
    }

    subscript(key: String) -> JSONValue? { fields[key].flatMap { $0 == .null ? nil : $0 } }

    func string(_ key: String) throws -> String { try required(key, self[key]?.stringValue) }
    func uuid(_ key: String) throws -> UUID { try required(key, self[key]?.stringValue.flatMap(UUID.init(hexString:))) }
    func date(_ key: String) throws -> Date { try required(key, optionalDate(key)) }

    func optionalString(_ key: String) -> String? { self[key]?.stringValue }
    func optionalDate(_ key: String) -> Date? { optionalInt(key).map(Date.init(millisecondsSince1970:)) }

    func optionalInt(_ key: String) -> Int64? {
        switch self[key] {
        case .int(let value): value
        case .double(let value): Int64(exactly: value)
        default: nil
        }
    }

    func optionalBool(_ key: String) -> Bool? {
        if case .bool(let value) = self[key] { return value }
        return nil
    }
}

extension JSONValue {
    /// How deeply arrays and objects nest (a scalar is 0), counted no further than `limit + 1`.
    func nestingDepth(limit: Int) -> Int {
        guard limit >= 0 else { return 1 }
        switch self {
        case .array(let items): return 1 + (items.lazy.map { $0.nestingDepth(limit: limit - 1) }.max() ?? 0)
        case .object(let fields): return 1 + (fields.values.lazy.map { $0.nestingDepth(limit: limit - 1) }.max() ?? 0)
        default: return 0
        }
    }

    /// `.string` of a UUID as the wire prints it (lower case).
    static func uuid(_ id: UUID) -> JSONValue { .string(id.lowercasedString) }

    /// `.int` of a date's milliseconds since 1970.
    static func milliseconds(_ date: Date) -> JSONValue { .int(date.millisecondsSince1970) }
}
