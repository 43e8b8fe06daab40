import Crypto
import Foundation
import JSON
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

    /// A fresh temporary file name (what a `Spool` writes to).
    public func temporaryPath() -> String {
        (root as NSString).appendingPathComponent("tmp/\(UUID().lowercasedString)")
    }

    /// Stores `bytes` and returns their SHA-256 hex (the blob is durable on return).
    public func store(_ bytes: Data) throws -> String {
        let spool = try Spool(store: self)
        do {
            try spool.write(bytes)
            return try spool.finish().sha256
        } catch {
            spool.discard()
            throw error
        }
    }

    /// An upload being written: bytes go to a temporary file and through SHA-256 as they arrive, so a streamed
    /// upload is hashed without reading it twice and memory stays at one piece. `finish` makes it durable under
    /// its content path; `discard` removes it. Not thread-safe: one writer at a time.
    public final class Spool {
        let store: BlobStore
        let temporary: String
        private let descriptor: Int32
        private var hasher = SHA256()
        public private(set) var size: Int64 = 0
        private var closed = false

        public init(store: BlobStore) throws {
            self.store = store
            temporary = store.temporaryPath()
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else { throw WorkflowError.internalFailure("Failed to save file: cannot create \(temporary) (errno \(errno))") }
        }

        deinit { if !closed { discard() } }

        public func write(_ bytes: UnsafeRawBufferPointer) throws {
            guard !closed, let base = bytes.baseAddress else { return }
            hasher.update(bufferPointer: bytes)
            var written = 0
            while written < bytes.count {
                let result = Glibc.write(descriptor, base + written, bytes.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    throw WorkflowError.internalFailure("Failed to save file: write failed (errno \(errno))")
                }
                written += result
            }
            size += Int64(bytes.count)
        }

        public func write(_ bytes: Data) throws { try bytes.withUnsafeBytes { try write($0) } }
        public func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

        /// Fsyncs and closes the bytes and returns their hash; `moveIntoPlace` then files them under it.
        public func seal() throws -> (sha256: String, size: Int64) {
            guard !closed else { throw WorkflowError.internalFailure("Failed to save file: the upload was already closed") }
            closed = true
            let synced = Glibc.fsync(descriptor) == 0
            close(descriptor)
            guard synced else {
                unlink(temporary)
                throw WorkflowError.internalFailure("Failed to save file: fsync failed (\(errno))")
            }
            return (hasher.finalize().map { String(format: "%02x", $0) }.joined(), size)
        }

        /// Renames the sealed bytes to their content path (fsyncing the directory), or drops them when those
        /// bytes are stored already.
        public func moveIntoPlace(sha256: String) throws {
            do {
                try store.moveIntoPlace(temporary, sha256: sha256)
            } catch {
                unlink(temporary)
                throw error
            }
        }

        /// `seal` then `moveIntoPlace`.
        public func finish() throws -> (sha256: String, size: Int64) {
            let sealed = try seal()
            try moveIntoPlace(sha256: sealed.sha256)
            return sealed
        }

        /// Removes the temporary file (an upload refused or abandoned midway).
        public func discard() {
            guard !closed else { return }
            closed = true
            close(descriptor)
            unlink(temporary)
        }
    }

    /// Renames a synced temporary file to its content path (or drops it when those bytes are stored already).
    func moveIntoPlace(_ temporary: String, sha256 hex: String) throws {
        let final = path(sha256: hex)
        let directory = (final as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if FileManager.default.fileExists(atPath: final) {
            try? FileManager.default.removeItem(atPath: temporary)
        } else {
            guard rename(temporary, final) == 0 else {
                try? FileManager.default.removeItem(atPath: temporary)
                throw WorkflowError.internalFailure("Failed to save file: rename failed (\(errno))")
            }
            try Self.fsync(path: directory)
        }
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
