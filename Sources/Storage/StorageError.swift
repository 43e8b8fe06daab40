import CLMDB

/// An error reported by LMDB, carrying LMDB's own message and the operation that failed.
public struct LMDBError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The LMDB (or errno) return code.
    public let code: Int32
    /// What the storage layer was doing, e.g. `"mdb_put"` or `"open /var/lib/db"`.
    public let operation: String

    public init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
    }

    /// LMDB's text for the code (`mdb_strerror`, which falls back to `strerror` for errno values).
    public var message: String { String(cString: mdb_strerror(code)) }

    public var description: String { "\(operation): \(message) (\(code))" }

    public static func == (lhs: LMDBError, rhs: LMDBError) -> Bool { lhs.code == rhs.code }

    public var isMapFull: Bool { code == MDB_MAP_FULL }
    public var isNotFound: Bool { code == MDB_NOTFOUND }
    /// The file exists but is not an LMDB environment, or one written by an incompatible version.
    public var isForeignOrCorrupt: Bool {
        code == MDB_INVALID || code == MDB_VERSION_MISMATCH || code == MDB_CORRUPTED || code == MDB_PAGE_NOTFOUND
    }
}

/// Errors of the Swift layer above LMDB (decoding stored bytes, misuse).
public enum StorageError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Stored bytes could not be decoded as the table's key or value type.
    case decoding(type: String, byteCount: Int)
    /// A key is empty or longer than LMDB's maximum key size.
    case invalidKeySize(Int, max: Int)
    /// The data directory could not be created or is not a directory.
    case dataDirectory(path: String, reason: String)

    public var description: String {
        switch self {
        case .decoding(let type, let count): "cannot decode \(count) stored bytes as \(type)"
        case .invalidKeySize(let size, let max): "key of \(size) bytes is outside 1...\(max)"
        case .dataDirectory(let path, let reason): "data directory \(path): \(reason)"
        }
    }
}

@inline(__always)
func check(_ rc: Int32, _ operation: @autoclosure () -> String) throws {
    if rc != 0 { throw LMDBError(code: rc, operation: operation()) }
}
