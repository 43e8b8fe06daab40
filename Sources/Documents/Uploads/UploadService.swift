import Accounts
import Foundation
import Jobs
import Logging
import Metrics
import Storage
import Synchronization

/// `generation.uploadFile` (contract §5.2), with the two forms the platform lacked (a streamed multipart or
/// octet-stream body spooled to disk).
///
/// Order of checks, each with the contract's message: the course (`Course not found: <id>`, also for another
/// organisation's course: tenancy), the tier's file count, MIME type and size (the declared per-tier size is
/// enforced, unlike the platform: its defect 1), the storage quota (`QUOTA_EXCEEDED`, a client error, not its
/// 500), then the bytes: decoded (base64 off the event loops), their size against the declared one (±100 bytes),
/// hashed and stored by content (fsynced and renamed before anything commits).
///
/// One commit then holds the quota charge (the actual size), the file record and its `document_processing`
/// job; a failure at any step leaves no charge, no record and no job, and bytes no record names are removed
/// (or, after a crash, collected at the next start). Identical bytes inside one organisation reuse the
/// indexed original's chunks and vectors (copied by the job, not re-embedded); across organisations only the
/// stored bytes are shared (the platform copied another tenant's records and vectors: its defect 6).
///
/// Metrics: `campus_upload_files_total` and `campus_upload_bytes_total` (committed uploads and their bytes),
/// `campus_upload_rejections_total{reason}` — `course_not_found`, `tier_no_uploads`, `file_count`, `file_type`,
/// `file_size`, `quota`, `empty`, `size_mismatch`, `invalid_content`, `failed` (anything else: storage errors).
/// Each refused upload counts once, under the first check it failed.
public final class UploadService: Sendable {
    let accounts: AccountsStore
    let files: FileCatalog
    let blobs: BlobStore
    let jobs: JobQueue
    let logger: Logger
    /// Uploads between storing their bytes and their commit, by hash: such bytes are never removed.
    private let inFlight = Mutex<[String: Int]>([:])

    private let filesCounter = Counter(label: "campus_upload_files_total")
    private let bytesCounter = Counter(label: "campus_upload_bytes_total")

    /// A tier refusal, carrying the limit broken for the rejection counter; clients see `underlying`.
    struct Refusal: Error {
        let reason: String
        let underlying: any Error
    }

    /// The reason `error` counts under in `campus_upload_rejections_total`.
    static func rejectionReason(_ error: any Error) -> String {
        switch error {
        case let refusal as Refusal: return refusal.reason
        case WorkflowError.notFound, AccountsError.notFound: return "course_not_found"
        case WorkflowError.quotaExceeded, AccountsError.quotaExceeded: return "quota"
        case WorkflowError.badRequest(let message) where message.hasPrefix("File size mismatch"): return "size_mismatch"
        case WorkflowError.badRequest(let message) where message == "File content is required": return "empty"
        case WorkflowError.badRequest, AccountsError.badRequest: return "invalid_content"
        default: return "failed"
        }
    }

    /// Runs `body`; a failure is counted as a rejection and rethrown as the client should see it.
    private func counting<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch { throw rejected(error) }
    }

    private func countingSync<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw rejected(error) }
    }

    /// Counts `error` under its reason and returns what the client sees (a `Refusal`'s underlying error).
    private func rejected(_ error: any Error) -> any Error {
        Counter(label: "campus_upload_rejections_total", dimensions: [("reason", Self.rejectionReason(error))]).increment()
        return (error as? Refusal)?.underlying ?? error
    }

    /// Throws the tier's refusal of the upload, tagged with the limit it broke.
    static func checkTier(_ tier: Tier, filesInCourse: Int, mimeType: String, fileSize: Int64) throws {
        if let refusal = tier.uploadRefusal(filesInCourse: filesInCourse, mimeType: mimeType, fileSize: fileSize) {
            throw Refusal(reason: refusal.limit.rawValue, underlying: AccountsError.badRequest(refusal.message))
        }
    }

    /// The contract's tolerance between the declared and the decoded size.
    public static let sizeTolerance: Int64 = 100
    /// The contract's ceiling on a declared size (zod's `max(104857600)`).
    public static let maxDeclaredSize: Int64 = 104_857_600

    public init(accounts: AccountsStore, files: FileCatalog, blobs: BlobStore, jobs: JobQueue, logger: Logger = Logger(label: "campus-search.uploads")) {
        self.accounts = accounts
        self.files = files
        self.blobs = blobs
        self.jobs = jobs
        self.logger = logger
    }

    /// What the client declares about a file.
    public struct Declaration: Sendable {
        public var courseID: UUID
        public var filename: String
        public var fileSize: Int64
        public var mimeType: String

        public init(courseID: UUID, filename: String, fileSize: Int64, mimeType: String) {
            self.courseID = courseID
            self.filename = filename
            self.fileSize = fileSize
            self.mimeType = mimeType
        }
    }

    /// An upload that committed.
    public struct Uploaded: Sendable {
        public var file: FileRecord
        public var job: JobRecord
        public var message: String
        /// True when identical bytes of the organisation were indexed already (their chunks are reused).
        public var deduplicated: Bool
    }

    /// Checks 1–4 of the contract and the quota, before any byte is read. Returns the course.
    public func check(_ declaration: Declaration, by caller: Principal) throws -> Course {
        try countingSync { try checkUncounted(declaration, by: caller) }
    }

    private func checkUncounted(_ declaration: Declaration, by caller: Principal) throws -> Course {
        let course: Course
        do {
            course = try accounts.course(id: declaration.courseID, in: caller.scope)
        } catch AccountsError.notFound {
            throw WorkflowError.notFound("Course not found: \(declaration.courseID.lowercasedString)")
        }
        guard let organization = try accounts.organization(id: course.organizationID) else {
            throw WorkflowError.internalFailure("Failed to retrieve organization information")
        }
        let count = try files.environment.read { txn in try files.count(ofCourse: course.id, in: txn) }
        try Self.checkTier(organization.tier, filesInCourse: count, mimeType: declaration.mimeType, fileSize: declaration.fileSize)
        try accounts.checkStorage(organizationID: organization.id, bytes: declaration.fileSize)
        return course
    }

    /// The contract's JSON form: `fileContent` base64 (a `data:` URL prefix is allowed). Decoded as Node's
    /// `Buffer.from(text, "base64")` reads it (characters outside the alphabet skipped, URL-safe letters
    /// accepted, decoding ends at `=`), in 4 MiB pieces streamed through the hash into the spool, off the
    /// event loops: memory beyond the input text stays at one piece.
    public func upload(_ declaration: Declaration, base64 content: String, by caller: Principal) async throws -> Uploaded {
        _ = try check(declaration, by: caller)
        let blobs = blobs
        let spool = try await counting {
            try await CPUWork.run { () throws -> SpoolHandle in
                let spool = try BlobStore.Spool(store: blobs)
                do {
                    try Base64Stream.decode(content, into: spool)
                } catch {
                    spool.discard()
                    throw error
                }
                return SpoolHandle(spool)
            }
        }
        return try await upload(declaration, spooled: spool, by: caller)
    }

    /// The streamed forms: the bytes were written to `spool` as they arrived (the caller ran `check` first, so a
    /// refused upload is refused before its bytes are read). The size is checked, the bytes made durable under
    /// their hash, and the upload committed; the spool is discarded on any failure.
    public func upload(_ declaration: Declaration, spooled spool: SpoolHandle, by caller: Principal) async throws -> Uploaded {
        let uploaded = try await counting { try await uploadUncounted(declaration, spooled: spool, by: caller) }
        filesCounter.increment()
        bytesCounter.increment(by: Int(clamping: uploaded.file.fileSize))
        return uploaded
    }

    private func uploadUncounted(_ declaration: Declaration, spooled spool: SpoolHandle, by caller: Principal) async throws -> Uploaded {
        let sealed: (sha256: String, size: Int64)
        do {
            guard spool.spool.size > 0 else { throw WorkflowError.badRequest("File content is required") }
            try Self.checkSize(declared: declaration.fileSize, actual: spool.spool.size)
            sealed = try await CPUWork.run { try spool.spool.seal() }
        } catch {
            spool.spool.discard()
            throw error
        }
        hold(sealed.sha256)
        defer { release(sealed.sha256) }
        try await CPUWork.run { try spool.spool.moveIntoPlace(sha256: sealed.sha256) }
        return try await commit(declaration, sha256: sealed.sha256, size: sealed.size, by: caller)
    }

    static func checkSize(declared: Int64, actual: Int64) throws {
        guard abs(actual - declared) <= sizeTolerance else {
            throw WorkflowError.badRequest("File size mismatch: declared \(declared) bytes, actual \(actual) bytes (tolerance: \(sizeTolerance) bytes)")
        }
    }

    /// The one commit: re-checks what concurrent uploads could have changed, charges the quota, writes the record
    /// and queues its job. The caller holds the bytes (`hold`) until it returns.
    private func commit(_ declaration: Declaration, sha256: String, size: Int64, by caller: Principal) async throws -> Uploaded {
        let accounts = accounts, files = files
        do {
            return try await jobs.committer.write { [jobs] txn in
                let course = try accounts.course(id: declaration.courseID, in: caller.scope, txn: txn)
                guard let organization = try accounts.organization(id: course.organizationID, in: txn) else {
                    throw WorkflowError.internalFailure("Failed to retrieve organization information")
                }
                try Self.checkTier(organization.tier, filesInCourse: try files.count(ofCourse: course.id, in: txn),
                                   mimeType: declaration.mimeType, fileSize: size)
                _ = try accounts.chargeStorage(organizationID: organization.id, bytes: size, in: txn)
                let original = try files.indexedOriginal(organizationID: organization.id, sha256: sha256, in: txn)
                let record = FileRecord(
                    id: UUID(), organizationID: organization.id, courseID: course.id, filename: declaration.filename,
                    fileType: Self.fileType(declaration.filename), mimeType: declaration.mimeType, fileSize: size, sha256: sha256,
                    storagePath: BlobStore.relativePath(sha256: sha256), uploadedBy: caller.userID, originalFileID: original?.id, createdAt: Date()
                )
                try files.create(record, in: txn)
                let job = try jobs.enqueue(CourseWorkflow.processingSpec(for: record, priority: organization.tier.generationPriority),
                                           now: Int64(Date().timeIntervalSince1970 * 1000), in: txn)
                let title = course.title.isEmpty ? "Untitled Course" : course.title
                return Uploaded(file: record, job: job, message: "File \"\(declaration.filename)\" uploaded successfully to course \"\(title)\"",
                                deduplicated: original != nil)
            }
        } catch AccountsError.notFound {
            throw WorkflowError.notFound("Course not found: \(declaration.courseID.lowercasedString)")
        }
    }

    /// Marks bytes as held by an upload between their storing and its commit: they are not removed meanwhile.
    private func hold(_ sha256: String) {
        inFlight.withLock { $0[sha256, default: 0] += 1 }
    }

    /// Ends an upload's hold; bytes no record names and no other upload holds are removed (under the lock, so
    /// an upload taking a hold on the same bytes waits for the removal and then stores them anew).
    private func release(_ sha256: String) {
        inFlight.withLock { state in
            state[sha256, default: 1] -= 1
            guard state[sha256] == 0 else { return }
            state[sha256] = nil
            if (try? files.blobReferences(sha256)) == 0 { blobs.remove(sha256: sha256) }
        }
    }

    /// After a record was deleted: its bytes go when nothing names or holds them.
    public func bytesReleased(_ sha256: String) {
        inFlight.withLock { state in
            if state[sha256] == nil, (try? files.blobReferences(sha256)) == 0 { blobs.remove(sha256: sha256) }
        }
    }

    /// The platform's extension rule: the lower-cased extension of the name, only `[a-z0-9]`, at most 10
    /// characters, `bin` when there is none.
    static func fileType(_ filename: String) -> String {
        guard let dot = filename.lastIndex(of: "."), dot != filename.startIndex else { return "bin" }
        let ext = filename[filename.index(after: dot)...].lowercased().filter { ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") }
        return ext.isEmpty ? "bin" : String(ext.prefix(10))
    }
}

/// A spool passed between the request's task and `CPUWork` closures. Invariant: one task uses it at a time
/// (every `CPUWork.run` on it is awaited before the next use), which is what makes the unchecked sendability sound.
public struct SpoolHandle: @unchecked Sendable {
    public let spool: BlobStore.Spool
    public init(_ spool: BlobStore.Spool) { self.spool = spool }
}

/// Base64 as Node's `Buffer.from(text, "base64")` decodes it, streamed: characters outside the alphabet are
/// skipped, `-` and `_` read as `+` and `/`, decoding ends at the first `=`, and a trailing group of 2 or 3
/// characters yields 1 or 2 bytes (a single left-over character yields none).
enum Base64Stream {
    static let table: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, scalar) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() { table[Int(scalar)] = UInt8(index) }
        table[Int(UInt8(ascii: "-"))] = 62
        table[Int(UInt8(ascii: "_"))] = 63
        return table
    }()

    /// Decodes `text` (after a `data:…,` prefix, if any) into `spool` in pieces of 3 MiB.
    static func decode(_ text: String, into spool: BlobStore.Spool) throws {
        var text = text
        try text.withUTF8 { utf8 in
            var start = 0
            if utf8.count > 5, utf8[0] == UInt8(ascii: "d"), utf8[1] == UInt8(ascii: "a"), utf8[2] == UInt8(ascii: "t"),
               utf8[3] == UInt8(ascii: "a"), utf8[4] == UInt8(ascii: ":"), let comma = utf8.firstIndex(of: UInt8(ascii: ",")) {
                start = comma + 1
            }
            let pieceBytes = 3 << 20
            var out = [UInt8]()
            out.reserveCapacity(pieceBytes + 3)
            var accumulator: UInt32 = 0
            var pending = 0
            var index = start
            while index < utf8.count {
                let byte = utf8[index]
                index += 1
                if byte == UInt8(ascii: "=") { break }
                let value = table[Int(byte)]
                if value == 0xFF { continue }
                accumulator = accumulator << 6 | UInt32(value)
                pending += 1
                if pending == 4 {
                    out.append(UInt8(truncatingIfNeeded: accumulator >> 16))
                    out.append(UInt8(truncatingIfNeeded: accumulator >> 8))
                    out.append(UInt8(truncatingIfNeeded: accumulator))
                    accumulator = 0
                    pending = 0
                    if out.count >= pieceBytes {
                        try spool.write(out)
                        out.removeAll(keepingCapacity: true)
                    }
                }
            }
            if pending == 2 {
                out.append(UInt8(truncatingIfNeeded: accumulator >> 4))
            } else if pending == 3 {
                out.append(UInt8(truncatingIfNeeded: accumulator >> 10))
                out.append(UInt8(truncatingIfNeeded: accumulator >> 2))
            }
            if !out.isEmpty { try spool.write(out) }
        }
        guard spool.size > 0 else { throw WorkflowError.badRequest("File content is not valid base64") }
    }
}
