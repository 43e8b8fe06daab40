import Crypto
import Foundation
import Logging

/// Uploaded bytes on disk, by content: `<data directory>/files/<first two hex digits>/<SHA-256 hex>`.
///
/// Invariants:
/// - A blob is written to `files/tmp/<uuid>`, fsynced, renamed into place and its directory fsynced before any
///   record naming it commits, so a committed record always finds its bytes after a crash.
/// - Identical bytes are stored once (across organisations too: only the bytes are shared, never a record).
/// - A blob no record names (an upload that failed after writing, or a crash between the write and the
///   commit) is an orphan; `collectOrphans` removes them at start-up, with the temporary files.
public struct BlobStore: Sendable {
    public let root: String

    public init(dataDirectory: String) throws {
        root = (dataDirectory as NSString).appendingPathComponent("files")
        try FileManager.default.createDirectory(atPath: (root as NSString).appendingPathComponent("tmp"), withIntermediateDirectories: true)
    }

    /// `files/ab/abcdef…`, relative to the data directory (what records store).
    public static func relativePath(sha256: String) -> String { "files/\(sha256.prefix(2))/\(sha256)" }

    public func path(sha256: String) -> String {
        (root as NSString).appendingPathComponent("\(sha256.prefix(2))/\(sha256)")
    }

    /// A temporary file to stream an upload into; `store(temporary:)` hashes and moves it in.
    public func temporaryPath() -> String {
        (root as NSString).appendingPathComponent("tmp/\(UUID().uuidString.lowercased())")
    }

    /// Stores `bytes` and returns their SHA-256 hex (the blob is durable on return).
    public func store(_ bytes: Data) throws -> String {
        let temporary = temporaryPath()
        guard FileManager.default.createFile(atPath: temporary, contents: bytes) else {
            throw WorkflowError.internalFailure("Failed to save file: cannot write \(temporary)")
        }
        return try store(temporary: temporary)
    }

    /// Hashes a temporary file (reading it in 1 MiB pieces), fsyncs it and renames it to its content path.
    public func store(temporary: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: temporary) else { throw WorkflowError.internalFailure("Failed to save file: cannot read the upload") }
        var hasher = SHA256()
        while true {
            let piece = handle.readData(ofLength: 1 << 20)
            if piece.isEmpty { break }
            hasher.update(data: piece)
        }
        try? handle.close()
        let hex = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        let final = path(sha256: hex)
        let directory = (final as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Self.fsync(path: temporary)
        if FileManager.default.fileExists(atPath: final) {
            try? FileManager.default.removeItem(atPath: temporary)
        } else {
            guard rename(temporary, final) == 0 else {
                try? FileManager.default.removeItem(atPath: temporary)
                throw WorkflowError.internalFailure("Failed to save file: rename failed (\(errno))")
            }
            try Self.fsync(path: directory)
        }
        return hex
    }

    public func read(sha256: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path(sha256: sha256)) else {
            throw WorkflowError.internalFailure("File not accessible: \(Self.relativePath(sha256: sha256))")
        }
        return data
    }

    /// Removes a blob no record names any more.
    public func remove(sha256: String) {
        try? FileManager.default.removeItem(atPath: path(sha256: sha256))
    }

    /// Removes temporary files and every blob `isReferenced` does not claim; returns how many blobs went.
    @discardableResult
    public func collectOrphans(isReferenced: (String) throws -> Bool, logger: Logger) rethrows -> Int {
        let manager = FileManager.default
        let tmp = (root as NSString).appendingPathComponent("tmp")
        for name in (try? manager.contentsOfDirectory(atPath: tmp)) ?? [] {
            try? manager.removeItem(atPath: (tmp as NSString).appendingPathComponent(name))
        }
        var removed = 0
        for bucket in (try? manager.contentsOfDirectory(atPath: root)) ?? [] where bucket.count == 2 {
            let directory = (root as NSString).appendingPathComponent(bucket)
            for name in (try? manager.contentsOfDirectory(atPath: directory)) ?? [] where name.count == 64 {
                if try !isReferenced(name) {
                    try? manager.removeItem(atPath: (directory as NSString).appendingPathComponent(name))
                    removed += 1
                }
            }
        }
        if removed > 0 { logger.notice("removed stored files no record names (an interrupted upload)", metadata: ["files": "\(removed)"]) }
        return removed
    }

    static func fsync(path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw WorkflowError.internalFailure("Failed to save file: cannot open \(path) to sync it") }
        defer { close(fd) }
        guard Glibc.fsync(fd) == 0 else { throw WorkflowError.internalFailure("Failed to save file: fsync failed (\(errno))") }
    }
}
