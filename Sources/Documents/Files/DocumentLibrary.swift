import Accounts
import Foundation
import Jobs
import Logging
import Storage

/// A course's documents as the procedures see them: listing, reading, deleting and retrying files, and the
/// documents' side of deleting a course.
///
/// Tenancy: every call starts from the course or file as the caller's scope sees it, so another organisation's
/// course or file answers exactly as a missing one (`Course not found` / `Document not found`).
///
/// Order of a deletion: the points go first (idempotent), then one commit removes the records, releases their
/// quota and cancels their pending processing; the bytes go last when nothing names them. A crash between the
/// steps leaves a record whose points are gone (the next delete finishes it), never points of a document that
/// no longer exists.
public final class DocumentLibrary: Sendable {
    let accounts: AccountsStore
    let files: FileCatalog
    let jobs: JobQueue
    let vectors: any CourseVectorStore
    let uploads: UploadService
    let courseChanged: @Sendable (UUID) -> Void
    let logger: Logger

    public init(accounts: AccountsStore, files: FileCatalog, jobs: JobQueue, vectors: any CourseVectorStore, uploads: UploadService,
                courseChanged: @escaping @Sendable (UUID) -> Void, logger: Logger = Logger(label: "campus-search.documents")) {
        self.accounts = accounts
        self.files = files
        self.jobs = jobs
        self.vectors = vectors
        self.uploads = uploads
        self.courseChanged = courseChanged
        self.logger = logger
    }

    static let documentNotFound = WorkflowError.notFound("Document not found")

    /// The course as the caller sees it, or `Course not found`.
    func visibleCourse(_ id: UUID, by caller: Principal) throws -> Course {
        do {
            return try accounts.course(id: id, in: caller.scope)
        } catch AccountsError.notFound {
            throw WorkflowError.notFound("Course not found")
        }
    }

    /// A file as the caller sees it, or `Document not found` (also for another organisation's file).
    func visibleFile(_ id: UUID, by caller: Principal) throws -> FileRecord {
        guard let file = try files.file(id: id, organizationID: nil), caller.scope.contains(file.organizationID) else {
            throw Self.documentNotFound
        }
        return file
    }

    /// `documents.list({courseId})`: the course's files in upload order.
    public func list(courseID: UUID, by caller: Principal) throws -> [FileRecord] {
        let course = try visibleCourse(courseID, by: caller)
        return try files.files(ofCourse: course.id)
    }

    /// `documents.get({fileId})`.
    public func get(fileID: UUID, by caller: Principal) throws -> FileRecord {
        try visibleFile(fileID, by: caller)
    }

    /// `documents.delete({fileId})`: who may change the course may delete its files.
    public func delete(fileID: UUID, by caller: Principal) async throws -> FileRecord {
        let file = try visibleFile(fileID, by: caller)
        let course = try visibleCourse(file.courseID, by: caller)
        guard caller.mayModify(course) else { throw WorkflowError.forbidden("You do not have permission to delete documents of this course") }
        try await CPUWork.run { [vectors] in try vectors.delete(documentID: file.id) }
        let accounts = accounts, files = files
        let removed = try await jobs.committer.write { txn -> FileRecord in
            let (record, _) = try files.delete(file.id, in: txn)
            _ = try accounts.chargeStorage(organizationID: record.organizationID, bytes: -record.fileSize, in: txn)
            return record
        }
        await cancelProcessing(of: [removed])
        uploads.bytesReleased(removed.sha256)
        courseChanged(removed.courseID)
        return removed
    }

    /// `documentProcessing.retryDocument` (contract §5.7): a failed file of the course goes back to `pending`
    /// with its points and Markdown removed, and a new `document_processing` job (priority 1) is queued in the
    /// same commit. Its points get the same ids as a first run would (UUID v5 of the file and position).
    public func retry(courseID: UUID, fileID: UUID, by caller: Principal) async throws -> JobRecord {
        let course = try visibleCourse(courseID, by: caller)
        let file = try visibleFile(fileID, by: caller)
        guard file.courseID == course.id else { throw WorkflowError.badRequest("Document does not belong to the specified course") }
        guard file.vectorStatus == .failed else {
            throw WorkflowError.badRequest("Document status is '\(file.vectorStatus.rawValue)', can only retry 'failed' documents")
        }
        try await CPUWork.run { [vectors] in try vectors.delete(documentID: file.id) }
        let files = files, jobs = jobs, courseChanged = courseChanged
        return try await jobs.committer.write { txn -> JobRecord in
            let record = try files.update(file.id, in: txn) { record in
                guard record.vectorStatus == .failed else {
                    throw WorkflowError.badRequest("Document status is '\(record.vectorStatus.rawValue)', can only retry 'failed' documents")
                }
                record.vectorStatus = .pending
                record.errorMessage = nil
                record.chunkCount = 0
                record.retries += 1
            }
            try files.removeMarkdown(of: record.id, in: txn)
            let spec = CourseWorkflow.processingSpec(for: record, priority: 1, attempt: record.retries)
            let job = try jobs.enqueue(spec, now: Int64(Date().timeIntervalSince1970 * 1000), in: txn)
            txn.afterCommit { courseChanged(record.courseID) }
            return job
        }
    }

    /// `courses.delete`: the course goes with its files (their quota released, their processing cancelled) and
    /// its points, as the platform's `file_catalog` rows went by `ON DELETE CASCADE`.
    public func deleteCourse(id: UUID, by caller: Principal) async throws -> Course {
        let course = try accounts.course(id: id, in: caller.scope)
        guard caller.mayModify(course) else { throw AccountsStore.courseAccessDenied }
        try await CPUWork.run { [vectors] in try vectors.delete(courseID: course.id) }
        let accounts = accounts, files = files
        let (deleted, removed) = try await jobs.committer.write { txn -> (Course, [FileRecord]) in
            let current = try accounts.course(id: id, in: caller.scope, txn: txn)
            guard caller.mayModify(current) else { throw AccountsStore.courseAccessDenied }
            var removed: [FileRecord] = []
            var released: [UUID: Int64] = [:]
            for file in try files.files(ofCourse: current.id, in: txn) {
                let (record, _) = try files.delete(file.id, in: txn)
                released[record.organizationID, default: 0] += record.fileSize
                removed.append(record)
            }
            for (organization, bytes) in released { _ = try accounts.chargeStorage(organizationID: organization, bytes: -bytes, in: txn) }
            return (try accounts.deleteCourse(id: id, in: caller.scope, txn: txn), removed)
        }
        await cancelProcessing(of: removed)
        for sha256 in Set(removed.map(\.sha256)) { uploads.bytesReleased(sha256) }
        courseChanged(deleted.id)
        return deleted
    }

    /// Cancels the processing jobs of removed files that have not finished (a job that still runs finds its file
    /// gone and removes what it wrote).
    private func cancelProcessing(of removed: [FileRecord]) async {
        for file in removed where file.vectorStatus == .pending || file.vectorStatus == .indexing {
            let id = CourseWorkflow.processingJobID(fileID: file.id, attempt: file.retries)
            do {
                _ = try await jobs.cancel(id, by: nil)
            } catch {
                logger.debug("processing job not cancelled", metadata: ["job": "\(id)", "reason": "\(error)"])
            }
        }
    }
}
