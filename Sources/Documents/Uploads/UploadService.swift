import Accounts
import Foundation
import Jobs
import Logging
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
public final class UploadService: Sendable {
    let accounts: AccountsStore
    let files: FileCatalog
    let blobs: BlobStore
    let jobs: JobQueue
    let logger: Logger
    /// Uploads between storing their bytes and their commit, by hash: such bytes are never removed.
    private let inFlight = Mutex<[String: Int]>([:])

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
        try organization.tier.checkUpload(filesInCourse: count, mimeType: declaration.mimeType, fileSize: declaration.fileSize)
        try accounts.checkStorage(organizationID: organization.id, bytes: declaration.fileSize)
        return course
    }

    /// The contract's JSON form: `fileContent` base64 (a `data:` URL prefix is allowed).
    public func upload(_ declaration: Declaration, base64 content: String, by caller: Principal) async throws -> Uploaded {
        _ = try check(declaration, by: caller)
        let blobs = blobs
        let (sha256, size) = try await CPUWork.run { () throws -> (String, Int64) in
            var text = Substring(content)
            if text.hasPrefix("data:"), let comma = text.firstIndex(of: ",") { text = text[text.index(after: comma)...] }
            guard let bytes = Data(base64Encoded: String(text), options: .ignoreUnknownCharacters), !bytes.isEmpty else {
                throw WorkflowError.badRequest("File content is not valid base64")
            }
            try Self.checkSize(declared: declaration.fileSize, actual: Int64(bytes.count))
            return (try blobs.store(bytes), Int64(bytes.count))
        }
        return try await commit(declaration, sha256: sha256, size: size, by: caller)
    }

    /// The streamed forms: the bytes are already in `temporary` (a `BlobStore.temporaryPath()`), `size` of them.
    public func upload(_ declaration: Declaration, spooledAt temporary: String, size: Int64, by caller: Principal) async throws -> Uploaded {
        do {
            _ = try check(declaration, by: caller)
            try Self.checkSize(declared: declaration.fileSize, actual: size)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        let blobs = blobs
        let sha256 = try await CPUWork.run { try blobs.store(temporary: temporary) }
        return try await commit(declaration, sha256: sha256, size: size, by: caller)
    }

    static func checkSize(declared: Int64, actual: Int64) throws {
        guard abs(actual - declared) <= sizeTolerance else {
            throw WorkflowError.badRequest("File size mismatch: declared \(declared) bytes, actual \(actual) bytes (tolerance: \(sizeTolerance) bytes)")
        }
    }

    /// The one commit: re-checks what concurrent uploads could have changed, charges the quota, writes the record
    /// and queues its job.
    private func commit(_ declaration: Declaration, sha256: String, size: Int64, by caller: Principal) async throws -> Uploaded {
        inFlight.withLock { $0[sha256, default: 0] += 1 }
        defer { release(sha256) }
        let accounts = accounts, files = files
        do {
            return try await jobs.committer.write { [jobs] txn in
                let course = try accounts.course(id: declaration.courseID, in: caller.scope, txn: txn)
                guard let organization = try accounts.organization(id: course.organizationID, in: txn) else {
                    throw WorkflowError.internalFailure("Failed to retrieve organization information")
                }
                try organization.tier.checkUpload(filesInCourse: try files.count(ofCourse: course.id, in: txn),
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

    /// Ends an upload's hold on its bytes; bytes no record names and no other upload holds are removed.
    private func release(_ sha256: String) {
        let last = inFlight.withLock { state -> Bool in
            state[sha256, default: 1] -= 1
            if state[sha256] == 0 { state[sha256] = nil; return true }
            return false
        }
        if last, (try? files.blobReferences(sha256)) == 0 { blobs.remove(sha256: sha256) }
    }

    /// After a record was deleted: its bytes go when nothing names or holds them.
    public func bytesReleased(_ sha256: String) {
        let held = inFlight.withLock { $0[sha256] != nil }
        if !held, (try? files.blobReferences(sha256)) == 0 { blobs.remove(sha256: sha256) }
    }

    /// The platform's extension rule: the lower-cased extension of the name, only `[a-z0-9]`, at most 10
    /// characters, `bin` when there is none.
    static func fileType(_ filename: String) -> String {
        guard let dot = filename.lastIndex(of: "."), dot != filename.startIndex else { return "bin" }
        let ext = filename[filename.index(after: dot)...].lowercased().filter { ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") }
        return ext.isEmpty ? "bin" : String(ext.prefix(10))
    }
}
